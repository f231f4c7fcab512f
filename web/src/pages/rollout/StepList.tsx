import { Badge, Button, Field, MessageBar, MessageBarBody, ProgressBar, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useErrorText } from '../../components/States';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { REASON_MAX, REASON_MIN, actorText, countText, notSkippableText, percentText, personText, reasonValid, runPath, said, stepStateColor, stepStateText, stepText, withoutIds } from './format';
import type { StepView } from './types';

const useStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  step: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  head: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM },
  h4: { margin: 0, fontSize: tokens.fontSizeBase400 },
  facts: { display: 'flex', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXXS, color: tokens.colorNeutralForeground2, margin: 0 },
  progress: { maxWidth: '24rem' },
  decisions: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  h5: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  hint: { color: tokens.colorNeutralForeground2 },
});

type Pending = { kind: 'retry' | 'skip' | 'telecom'; step: StepView };
type Told = { intent: 'success' | 'error'; key: MessageKey; step: string; error?: unknown };

/**
 * The steps of one run (a service's rollout or a person's journey) in words: state, progress, what
 * blocks and who must act, the decisions already taken (who, why, when). IT administration may
 * retry a failed step, skip one that may be skipped (with a reason) and, for a service, confirm that
 * the telephone numbers were assigned in Teams. The run's id only ever goes into request addresses.
 */
export function StepList(props: { steps: StepView[]; runId: string | null; serviceCode?: string; canAct: boolean; onChanged(): void }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const errorText = useErrorText();
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState('');
  const [reasonChecked, setReasonChecked] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [told, setTold] = useState<Told | null>(null);

  const ask = (kind: Pending['kind'], step: StepView) => {
    setPending({ kind, step });
    setReason('');
    setReasonChecked(false);
    setRefusal(null);
  };
  const close = () => setPending(null);

  const send = async () => {
    if (!pending) return;
    const { kind, step } = pending;
    if (kind === 'skip' && !reasonValid(reason)) {
      setReasonChecked(true);
      return;
    }
    const text = reason.trim();
    const path =
      kind === 'telecom'
        ? `rollout/services/${encodeURIComponent(props.serviceCode ?? '')}/telecom/confirm`
        : `rollout/runs/${runPath(props.runId)}/steps/${encodeURIComponent(step.step)}/${kind}`;
    const body = kind === 'skip' ? { reason: text } : kind === 'retry' ? (text ? { reason: text } : {}) : text ? { note: text } : {};
    setBusy(true);
    setTold(null);
    try {
      await api.post(path, body);
      setPending(null);
      setTold({ intent: 'success', key: kind === 'retry' ? 'rolloutRetried' : kind === 'skip' ? 'rolloutSkipped' : 'rolloutTelecomConfirmed', step: step.step });
      props.onChanged();
    } catch (e) {
      // A step the server will not let go (not skippable): said in the dialog, which stays open.
      if (kind === 'skip' && e instanceof ApiError && e.status === 409) setRefusal(e);
      else {
        setPending(null);
        setTold({ intent: 'error', key: kind === 'retry' ? 'rolloutRetryFailed' : kind === 'skip' ? 'rolloutSkipFailed' : 'rolloutTelecomFailed', step: step.step, error: e });
      }
    } finally {
      setBusy(false);
    }
  };

  const reasonError = pending?.kind === 'skip' && reasonChecked && !reasonValid(reason) ? t('rolloutReasonRequired', { min: REASON_MIN, max: REASON_MAX }) : undefined;
  const stuck = (st: StepView) => st.state === 'failed' || st.state === 'waiting';
  /** The numbers wait for IT's confirmation: while the step waits, and still once its deadline passed (failed, numbers unconfirmed). */
  const awaitsNumbers = (st: StepView) => !!props.serviceCode && st.step === 'telecom' && (st.state === 'waiting' || (st.state === 'failed' && st.blocker?.code === 'numbers-unconfirmed'));

  return (
    <div>
      <div role="status" aria-live="polite" id="rollout-step-notice">
        {told ? (
          <MessageBar intent={told.intent} layout="multiline">
            <MessageBarBody>{t(told.key, { step: stepText(i18n, told.step), message: told.error === undefined ? '' : errorText(told.error) })}</MessageBarBody>
          </MessageBar>
        ) : null}
      </div>
      <ol className={s.list} aria-label={t('rolloutStepsLabel')}>
        {props.steps.map((st) => {
          const name = stepText(i18n, st.step);
          const count = countText(i18n, st);
          return (
            <li key={st.step} className={s.step} id={`rollout-step-${st.step}`}>
              <div className={s.head}>
                <h4 className={s.h4}>{name}</h4>
                <Badge appearance="tint" color={stepStateColor(st.state)} id={`rollout-step-${st.step}-state`}>
                  {stepStateText(i18n, st.state)}
                </Badge>
              </div>
              {st.state === 'skipped' ? null : (
                <div className={s.progress}>
                  <ProgressBar value={st.percent / 100} thickness="large" color={st.state === 'failed' ? 'error' : st.state === 'done' ? 'success' : 'brand'} aria-label={t('rolloutStepProgressLabel', { step: name, percent: percentText(i18n, st.percent) })} />
                </div>
              )}
              <p className={s.facts}>
                {/* A skipped step did not progress: its badge says so, no percentage. */}
                {st.state === 'skipped' ? null : <span id={`rollout-step-${st.step}-percent`}>{percentText(i18n, st.percent)}</span>}
                {count ? <span id={`rollout-step-${st.step}-count`}>{count}</span> : null}
                {st.startedAt ? <span>{t('rolloutStartedOn', { date: i18n.dateTime(st.startedAt) })}</span> : null}
                {st.endedAt ? <span>{t('rolloutEndedOn', { date: i18n.dateTime(st.endedAt) })}</span> : null}
                {st.attempts > 1 ? <span>{t('rolloutAttempts', { count: st.attempts })}</span> : null}
              </p>
              {st.blocker ? (
                <MessageBar intent={st.state === 'failed' ? 'error' : 'warning'} layout="multiline">
                  <MessageBarBody id={`rollout-step-${st.step}-blocker`}>
                    <Text block>{withoutIds(i18n, said(i18n, st.blocker.message))}</Text>
                    <Text block weight="semibold">
                      {t('rolloutMustAct', { who: actorText(i18n, st.blocker.mustAct), date: i18n.dateTime(st.blocker.since) })}
                    </Text>
                  </MessageBarBody>
                </MessageBar>
              ) : null}
              {st.decisions.length ? (
                <div>
                  <h5 className={s.h5}>{t('rolloutDecisionsTitle')}</h5>
                  <ul className={s.decisions} id={`rollout-step-${st.step}-decisions`}>
                    {st.decisions.map((d, n) => (
                      <li key={n}>{t(`rolloutDecision_${d.action}` as MessageKey, { by: personText(i18n, d.by), date: i18n.dateTime(d.at), reason: d.reason ? withoutIds(i18n, d.reason) : t('rolloutNoReason') })}</li>
                    ))}
                  </ul>
                </div>
              ) : null}
              {props.canAct && stuck(st) && !st.skippable ? (
                <Text id={`rollout-step-${st.step}-not-skippable`} className={s.hint}>
                  {notSkippableText(i18n, st.step)}
                </Text>
              ) : null}
              {props.canAct && (st.state === 'failed' || (stuck(st) && st.skippable) || awaitsNumbers(st)) ? (
                <div className={s.actions}>
                  {awaitsNumbers(st) ? (
                    <Button appearance="primary" disabled={busy} onClick={() => ask('telecom', st)}>
                      {t('rolloutTelecomConfirm')}
                    </Button>
                  ) : null}
                  {st.state === 'failed' && props.runId ? (
                    <Button appearance={st.step === 'telecom' ? 'secondary' : 'primary'} disabled={busy} aria-label={t('rolloutRetryLabel', { step: name })} onClick={() => ask('retry', st)}>
                      {t('rolloutRetry')}
                    </Button>
                  ) : null}
                  {stuck(st) && st.skippable && props.runId ? (
                    <Button disabled={busy} aria-label={t('rolloutSkipLabel', { step: name })} onClick={() => ask('skip', st)}>
                      {t('rolloutSkip')}
                    </Button>
                  ) : null}
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>

      <ConfirmDialog open={pending?.kind === 'retry'} title={t('rolloutRetryTitle', { step: pending ? stepText(i18n, pending.step.step) : '' })} confirmLabel={t('rolloutRetry')} onConfirm={() => void send()} onCancel={close}>
        <p>{t('rolloutRetryText')}</p>
        <Field label={t('rolloutReasonOptional')}>
          <Textarea id="rollout-retry-reason" value={reason} maxLength={REASON_MAX} onChange={(_, d) => setReason(d.value)} />
        </Field>
      </ConfirmDialog>
      <ConfirmDialog open={pending?.kind === 'skip'} title={t('rolloutSkipTitle', { step: pending ? stepText(i18n, pending.step.step) : '' })} confirmLabel={t('rolloutSkipConfirm')} onConfirm={() => void send()} onCancel={close}>
        <p>{t('rolloutSkipText')}</p>
        <Field label={t('rolloutReason')} required hint={t('rolloutReasonHint', { min: REASON_MIN, max: REASON_MAX })} validationMessage={reasonError} validationState={reasonError ? 'error' : 'none'}>
          <Textarea id="rollout-skip-reason" value={reason} maxLength={REASON_MAX} onChange={(_, d) => setReason(d.value)} />
        </Field>
        {refusal ? (
          <MessageBar intent="error" layout="multiline">
            <MessageBarBody id="rollout-skip-refused">{t('rolloutSkipRefused', { message: errorText(refusal) })}</MessageBarBody>
          </MessageBar>
        ) : null}
      </ConfirmDialog>
      <ConfirmDialog open={pending?.kind === 'telecom'} title={t('rolloutTelecomTitle')} confirmLabel={t('rolloutTelecomConfirm')} onConfirm={() => void send()} onCancel={close}>
        <p>{t('rolloutTelecomText')}</p>
        <Field label={t('rolloutNoteOptional')}>
          <Textarea id="rollout-telecom-note" value={reason} maxLength={REASON_MAX} onChange={(_, d) => setReason(d.value)} />
        </Field>
      </ConfirmDialog>
    </div>
  );
}
