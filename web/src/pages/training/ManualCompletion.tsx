import { Button, Field, Input, Select, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useMemo, useState, type FormEvent } from 'react';
import * as z from 'zod';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useZodForm } from '../../components/Form';
import { ErrorState, Notice } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { text, today, useTell, type Told } from './format';
import { PersonPicker, type PersonChoice } from './PersonPicker';
import type { Texts } from './types';

const useStyles = makeStyles({
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '36rem' },
});

/**
 * A completion recorded by hand (POST /api/training/completions), with the reason the audit keeps;
 * asked for confirmation first, since it counts as the person having taken the module.
 */
export function ManualCompletion({ modules, onRecorded }: { modules: { moduleId: string; title: Texts }[]; onRecorded(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const tell = useTell();
  const [person, setPerson] = useState<PersonChoice | null>(null);
  const [moduleId, setModuleId] = useState('');
  const [completedAt, setCompletedAt] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<{ personId: string; moduleId: string; completedAt: string; reason: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Told | null>(null);
  const schema = useMemo(
    () =>
      z.object({
        personId: z.string({ error: t('manualPersonRequired') }).min(1, t('manualPersonRequired')),
        moduleId: z.string().min(1, t('manualModuleRequired')),
        completedAt: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, t('manualDateRequired'))
          .refine((d) => d <= today(), t('manualDateFuture')),
        reason: z.string().trim().min(3, t('manualReasonRequired')),
      }),
    [t],
  );
  const { errors, validate, reset } = useZodForm(schema);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const values = validate({ personId: person?.id, moduleId, completedAt, reason });
    if (values) setConfirming(values);
  };
  const record = async () => {
    if (!confirming) return;
    const values = confirming;
    setConfirming(null);
    setBusy(true);
    setError(null);
    try {
      await api.post('training/completions', values);
      const title = modules.find((m) => m.moduleId === values.moduleId);
      setDone({ key: 'manualRecorded', params: { name: person?.displayName ?? '' }, title: title?.title ?? { 'fr-CA': '', en: '' } });
      setPerson(null);
      setModuleId('');
      setCompletedAt('');
      setReason('');
      reset();
      onRecorded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const chosenTitle = modules.find((m) => m.moduleId === confirming?.moduleId);

  return (
    <section className={s.section} aria-labelledby="manual-title" id="training-manual">
      <h3 id="manual-title" className={s.h3}>
        {t('manualTitle')}
      </h3>
      <form className={s.form} noValidate onSubmit={submit} id="manual-form">
        <PersonPicker id="manual-person" label={t('fPerson')} value={person} onChange={setPerson} error={errors.personId} required />
        <Field label={t('fModule')} validationMessage={errors.moduleId} validationState={errors.moduleId ? 'error' : 'none'} required>
          <Select id="manual-module" value={moduleId} onChange={(_, d) => setModuleId(d.value)}>
            <option value="">{t('chooseModule')}</option>
            {modules.map((m) => (
              <option key={m.moduleId} value={m.moduleId}>
                {text(i18n, m.title)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t('fCompletedAt')} validationMessage={errors.completedAt} validationState={errors.completedAt ? 'error' : 'none'} required>
          <Input id="manual-date" type="date" max={today()} value={completedAt} onChange={(_, d) => setCompletedAt(d.value)} />
        </Field>
        <Field label={t('fReason')} hint={t('fReasonHint')} validationMessage={errors.reason} validationState={errors.reason ? 'error' : 'none'} required>
          <Textarea id="manual-reason" value={reason} onChange={(_, d) => setReason(d.value)} resize="vertical" />
        </Field>
        {error ? <ErrorState error={error} /> : null}
        {done ? (
          <Notice intent="success" id="manual-notice">
            {tell(done)}
          </Notice>
        ) : null}
        <div>
          <Button type="submit" appearance="primary" id="manual-submit" disabled={busy}>
            {busy ? t('working') : t('manualSubmit')}
          </Button>
        </div>
      </form>
      <ConfirmDialog open={confirming !== null} title={t('manualConfirmTitle')} confirmLabel={t('manualConfirm')} onConfirm={() => void record()} onCancel={() => setConfirming(null)}>
        {confirming
          ? t('manualConfirmText', { name: person?.displayName ?? '', title: chosenTitle ? text(i18n, chosenTitle.title) : '', date: i18n.date(confirming.completedAt), reason: confirming.reason })
          : null}
      </ConfirmDialog>
    </section>
  );
}
