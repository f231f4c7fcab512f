import { Badge, Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, MessageBar, MessageBarBody, Text, Textarea, makeStyles, tokens } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useErrorText } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { REASON_MAX, REASON_MIN, isActive, percentText, personText, reasonValid, runPath, runStateColor, runStateText, said } from './format';
import { StepList } from './StepList';
import { Timeline } from './Timeline';
import type { JourneyView, ServiceRolloutView } from './types';

export const useDialogStyles = makeStyles({
  surface: { maxWidth: 'min(60rem, calc(100vw - 2rem))', width: '100%' },
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, '& > *': { flexShrink: 0 } },
  facts: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: tokens.spacingHorizontalL, rowGap: tokens.spacingVerticalXS, margin: 0 },
  h3: { margin: 0, fontSize: tokens.fontSizeBase400 },
});

/**
 * One run in a dialog: its facts, its time line and its steps (with the decisions IT may take), and
 * IT's run-wide actions: start (a service not yet begun) and stop for good (with a reason, said to be
 * irreversible). Shared by a service's rollout and a person's journey.
 */
export function RunDialog(props: {
  title: string;
  facts: ReactNode;
  run: Pick<ServiceRolloutView, 'runId' | 'state' | 'steps'>;
  serviceCode?: string;
  canAct: boolean;
  onClose(): void;
  onChanged(): void;
  /** Offered: starting this run (a service not begun), confirmed here with how many people it reaches. */
  start?: { people: number; onConfirm(): void };
}) {
  const s = useDialogStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const errorText = useErrorText();
  const [stopping, setStopping] = useState(false);
  const [starting, setStarting] = useState(false);
  const [reason, setReason] = useState('');
  const [checked, setChecked] = useState(false);
  const [told, setTold] = useState<{ intent: 'success' | 'error'; error?: unknown } | null>(null);
  const reasonError = checked && !reasonValid(reason) ? t('rolloutReasonRequired', { min: REASON_MIN, max: REASON_MAX }) : undefined;

  const terminate = async () => {
    if (!reasonValid(reason)) {
      setChecked(true);
      return;
    }
    setStopping(false);
    setTold(null);
    try {
      await api.post(`rollout/runs/${runPath(props.run.runId)}/terminate`, { reason: reason.trim() });
      setTold({ intent: 'success' });
      props.onChanged();
    } catch (e) {
      setTold({ intent: 'error', error: e });
    }
  };
  const stoppable = props.canAct && props.run.runId !== null && (isActive(props.run.state) || props.run.state === 'failed');

  return (
    <Dialog open modalType="modal" onOpenChange={(_, d) => (d.open ? undefined : props.onClose())}>
      <DialogSurface className={s.surface}>
        <DialogBody>
          <DialogTitle>{props.title}</DialogTitle>
          {/* The content scrolls: focusable, so a keyboard can scroll it even when it holds no button. */}
          <DialogContent className={s.content} id="rollout-detail" tabIndex={0} role="region" aria-label={props.title}>
            {props.facts}
            {told ? (
              <MessageBar intent={told.intent} layout="multiline">
                <MessageBarBody id="rollout-detail-notice">{told.intent === 'success' ? t('rolloutTerminated', { name: props.title }) : t('rolloutTerminateFailed', { message: errorText(told.error) })}</MessageBarBody>
              </MessageBar>
            ) : null}
            {props.run.state !== 'not-started' ? <Timeline id="rollout-detail-timeline" title={props.title} steps={props.run.steps} /> : null}
            <section aria-labelledby="rollout-detail-steps" className={s.content}>
              <h3 id="rollout-detail-steps" className={s.h3}>
                {t('rolloutStepsTitle')}
              </h3>
              <StepList steps={props.run.steps} runId={props.run.runId} serviceCode={props.serviceCode} canAct={props.canAct && props.run.runId !== null && props.run.state !== 'terminated'} onChanged={props.onChanged} />
            </section>
          </DialogContent>
          <DialogActions fluid>
            {props.start ? (
              <Button appearance="primary" onClick={() => setStarting(true)}>
                {t('rolloutStart')}
              </Button>
            ) : null}
            {stoppable ? (
              <Button
                onClick={() => {
                  setReason('');
                  setChecked(false);
                  setStopping(true);
                }}
              >
                {t('rolloutTerminate')}
              </Button>
            ) : null}
            <Button onClick={props.onClose}>{t('close')}</Button>
          </DialogActions>
        </DialogBody>
        {/* Nested in this dialog: answering it leaves the details open. */}
        <ConfirmDialog
          open={starting}
          title={t('rolloutStartTitle', { name: props.title })}
          confirmLabel={t('rolloutStartConfirm')}
          onConfirm={() => {
            setStarting(false);
            props.start?.onConfirm();
          }}
          onCancel={() => setStarting(false)}
        >
          <p id="rollout-start-summary">{t('rolloutStartText', { count: props.start?.people ?? 0, name: props.title })}</p>
          <p>{t('rolloutStartSteps')}</p>
        </ConfirmDialog>
        <ConfirmDialog open={stopping} title={t('rolloutTerminateTitle', { name: props.title })} confirmLabel={t('rolloutTerminateConfirm')} onConfirm={() => void terminate()} onCancel={() => setStopping(false)}>
          <p id="rollout-terminate-text">{t('rolloutTerminateText')}</p>
          <Field label={t('rolloutReason')} required hint={t('rolloutReasonHint', { min: REASON_MIN, max: REASON_MAX })} validationMessage={reasonError} validationState={reasonError ? 'error' : 'none'}>
            <Textarea id="rollout-terminate-reason" value={reason} maxLength={REASON_MAX} onChange={(_, d) => setReason(d.value)} />
          </Field>
        </ConfirmDialog>
      </DialogSurface>
    </Dialog>
  );
}

/** A service's rollout in a dialog. */
export function ServiceDetailDialog(props: { service: ServiceRolloutView; canAct: boolean; onClose(): void; onChanged(): void; onStart(): void }) {
  const s = useDialogStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const sv = props.service;
  const name = said(i18n, sv.serviceName);
  return (
    <RunDialog
      title={name}
      run={sv}
      serviceCode={sv.serviceCode}
      canAct={props.canAct}
      onClose={props.onClose}
      onChanged={props.onChanged}
      start={props.canAct && (sv.state === 'not-started' || sv.state === 'terminated') ? { people: sv.people, onConfirm: props.onStart } : undefined}
      facts={
        <p className={s.facts}>
          <Badge appearance="tint" color={runStateColor(sv.state)} id="rollout-detail-state">
            {runStateText(i18n, sv.state)}
          </Badge>
          <span id="rollout-detail-percent">{t('rolloutPercentDone', { percent: percentText(i18n, sv.percent) })}</span>
          <span>{t('rolloutPeople', { count: sv.people })}</span>
          <span>{sv.startedAt ? t('rolloutStartedOn', { date: i18n.dateTime(sv.startedAt) }) : t('rolloutNotStartedYet')}</span>
          {sv.updatedAt ? <span>{t('rolloutUpdatedOn', { date: i18n.dateTime(sv.updatedAt) })}</span> : null}
          {sv.compensation ? (
            <span id="rollout-detail-compensation">
              {t(sv.compensation.state === 'done' ? 'rolloutCompensationDone' : 'rolloutCompensationRunning', { count: sv.compensation.released })}
            </span>
          ) : null}
        </p>
      }
    />
  );
}

/** A person's journey (arrival, move, departure) in a dialog. */
export function JourneyDetailDialog(props: { journey: JourneyView; canAct: boolean; onClose(): void; onChanged(): void }) {
  const s = useDialogStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const j = props.journey;
  return (
    <RunDialog
      title={personText(i18n, j.personName)}
      run={j}
      canAct={props.canAct}
      onClose={props.onClose}
      onChanged={props.onChanged}
      facts={
        <p className={s.facts}>
          <Badge appearance="tint" color={runStateColor(j.state)} id="rollout-detail-state">
            {runStateText(i18n, j.state)}
          </Badge>
          <Text>{i18n.label('rolloutKind_', j.kind)}</Text>
          {j.serviceName ? <Text>{said(i18n, j.serviceName)}</Text> : null}
          <span id="rollout-detail-percent">{t('rolloutPercentDone', { percent: percentText(i18n, j.percent) })}</span>
          <span>{t('rolloutStartedOn', { date: i18n.dateTime(j.startedAt) })}</span>
          <span>{t('rolloutUpdatedOn', { date: i18n.dateTime(j.updatedAt) })}</span>
        </p>
      }
    />
  );
}
