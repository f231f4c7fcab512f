import { Button, Field, Label, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type ChangeEvent } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, Notice, useSay, type Said } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { text } from './format';
import type { ImportReport } from './types';

const useStyles = makeStyles({
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '48rem' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  csv: { fontFamily: tokens.fontFamilyMonospace },
  file: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, alignItems: 'flex-start' },
});

type Rejected = ImportReport['rejected'][number];

/**
 * Completions from another platform (POST /api/training/completions/import): the CSV is checked
 * first (dryRun=true: what would be accepted, each refused line and why), then imported once
 * confirmed. Only the accepted lines are imported.
 */
export function ImportCompletions({ onImported }: { onImported(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [csv, setCsv] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [checked, setChecked] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<Said | null>(null);

  const send = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.postText<ImportReport>(`training/completions/import?dryRun=${dryRun}`, csv, 'text/csv; charset=utf-8');
      if (dryRun) {
        setReport(r.body);
        setChecked(csv);
      } else {
        setDone({ key: 'importDone', params: { count: r.body.completed ?? r.body.accepted } });
        setReport(null);
        setCsv('');
        setChecked('');
        onImported();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const check = () => {
    setDone(null);
    if (!csv.trim()) {
      setMissing(true);
      return;
    }
    void send(true);
  };
  const readFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setCsv(await file.text());
    setReport(null);
  };

  const columns: Column<Rejected>[] = [
    { id: 'line', header: t('colLine'), render: (r) => i18n.number(r.line), sortValue: (r) => r.line },
    { id: 'field', header: t('colField'), render: (r) => r.field, sortValue: (r) => r.field },
    { id: 'problem', header: t('colProblem'), render: (r) => text(i18n, r.problem) },
  ];
  // The report is for the text checked: an edit after it asks for a new check before importing.
  const current = report && checked === csv;

  return (
    <section className={s.section} aria-labelledby="import-title" id="training-import">
      <h3 id="import-title" className={s.h3}>
        {t('importTitle')}
      </h3>
      <Text>{t('importIntro')}</Text>
      <div className={s.form}>
        {/* A native file input: Fluent has none; its label is tied to it by id. */}
        <div className={s.file}>
          <Label htmlFor="import-file">{t('fImportFile')}</Label>
          <input id="import-file" type="file" accept=".csv,text/csv" onChange={(e) => void readFile(e)} />
        </div>
        <Field label={t('fImportText')} hint={t('fImportTextHint')} validationMessage={missing && !csv.trim() ? t('importEmpty') : undefined} validationState={missing && !csv.trim() ? 'error' : 'none'}>
          <Textarea id="import-csv" className={s.csv} value={csv} rows={6} resize="vertical" onChange={(_, d) => setCsv(d.value)} />
        </Field>
        {error ? <ErrorState error={error} /> : null}
        {done ? (
          <Notice intent="success" id="import-notice">
            {say(done)}
          </Notice>
        ) : null}
        <div className={s.actions}>
          <Button id="import-check" disabled={busy} onClick={check}>
            {busy && !current ? t('working') : t('importCheck')}
          </Button>
          {current && report.accepted > 0 ? (
            <Button appearance="primary" id="import-apply" disabled={busy} onClick={() => setConfirming(true)}>
              {t('importApply', { count: report.accepted })}
            </Button>
          ) : null}
        </div>
      </div>
      {current ? (
        <div id="import-report" role="status">
          <Text weight="semibold">{t('importReport', { accepted: report.accepted, rejected: report.rejected.length })}</Text>
        </div>
      ) : null}
      {current && report.rejected.length ? <DataTable id="import-rejected" label={t('importRejected')} columns={columns} items={report.rejected} rowKey={(r) => `${r.line}|${r.field}`} empty={t('emptyDefault')} /> : null}
      <ConfirmDialog open={confirming} title={t('importConfirmTitle')} confirmLabel={report ? t('importApply', { count: report.accepted }) : t('confirm')} onConfirm={() => { setConfirming(false); void send(false); }} onCancel={() => setConfirming(false)}>
        {report ? t('importConfirmText', { count: report.accepted, rejected: report.rejected.length }) : null}
      </ConfirmDialog>
    </section>
  );
}
