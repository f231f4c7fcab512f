import { Badge, Button, Field, MessageBar, MessageBarBody, ProgressBar, Select, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column } from '../../components/DataTable';
import { EmptyState, ErrorState, LoadingState, useErrorText } from '../../components/States';
import { usePolling } from '../../components/usePolling';
import { useI18n, type I18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { actorText, holdingStep, isActive, percentText, runStateColor, runStateText, said, stepText, withoutIds } from './format';
import { ServiceDetailDialog } from './ServiceDetailDialog';
import { Timeline } from './Timeline';
import type { ServiceRolloutView, ServicesAnswer } from './types';

export const useRolloutStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, alignItems: 'flex-start' },
  secondary: { color: tokens.colorNeutralForeground2 },
  progress: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: '8rem' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  badge: { height: 'auto', minHeight: '20px', whiteSpace: 'normal', textAlign: 'start', paddingTop: tokens.spacingVerticalXXS, paddingBottom: tokens.spacingVerticalXXS },
  filters: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalL, alignItems: 'flex-end' },
  select: { minWidth: '14rem' },
});

/** A run's progress as a bar and its percentage in words. */
export function Progress({ percent, label }: { percent: number; label: string }) {
  const s = useRolloutStyles();
  const i18n = useI18n();
  return (
    <div className={s.progress}>
      <ProgressBar value={Math.max(0, Math.min(100, percent)) / 100} thickness="large" aria-label={label} />
      <Text size={200}>{percentText(i18n, percent)}</Text>
    </div>
  );
}

/** The step that holds a run and who must act, in words; nothing when nothing holds it. */
export function HoldingCell({ steps }: { steps: ServiceRolloutView['steps'] }) {
  const s = useRolloutStyles();
  const i18n = useI18n();
  const step = holdingStep(steps);
  if (!step) return <Text>{i18n.t('dash')}</Text>;
  return (
    <div className={s.stack}>
      <Text weight="semibold">{stepText(i18n, step.step)}</Text>
      {step.blocker ? (
        <>
          <Text size={200}>{withoutIds(i18n, said(i18n, step.blocker.message))}</Text>
          <Text size={200}>{i18n.t('rolloutWhoActs', { who: actorText(i18n, step.blocker.mustAct) })}</Text>
        </>
      ) : null}
    </div>
  );
}

const startable = (sv: ServiceRolloutView) => sv.state === 'not-started' || sv.state === 'terminated';

type Told = { intent: 'success' | 'info' | 'error'; key: MessageKey; name: string; error?: unknown };

/**
 * Per service, how far the rollout went (GET /api/rollout/services): its state, a progress bar, the
 * step that holds it and who must act, when it began and last moved; each service's steps in a
 * dialog; a time line. Read again every few seconds while a rollout goes on. IT administration
 * starts a service's rollout (confirmed, with how many people it reaches); others read.
 */
export function ServicesTab({ canAct }: { canAct: boolean }) {
  const s = useRolloutStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const errorText = useErrorText();
  // After an action the page reads on for a while even if nothing shows as running yet (the run may take a moment to appear).
  const followUntil = useRef(0);
  const poll = usePolling(
    () => api.get<ServicesAnswer>('rollout/services'),
    (r) => !r.services.some((sv) => isActive(sv.state)) && Date.now() > followUntil.current,
    { intervalMs: 4000, timeoutMs: 8 * 60 * 60_000 },
  );
  useEffect(() => {
    void poll.start();
  }, []);
  const follow = () => {
    followUntil.current = Date.now() + 20_000;
    void poll.start();
  };
  const [detail, setDetail] = useState<string | null>(null);
  const [starting, setStarting] = useState<ServiceRolloutView | null>(null);
  const [told, setTold] = useState<Told | null>(null);
  const [chart, setChart] = useState<string | null>(null);

  const services = poll.value?.services ?? [];
  const name = (sv: ServiceRolloutView) => said(i18n, sv.serviceName);
  const begun = services.filter((sv) => sv.state !== 'not-started');
  const running = services.filter((sv) => isActive(sv.state)).length;
  const completed = services.filter((sv) => sv.state === 'completed').length;
  const charted = begun.find((sv) => sv.serviceCode === chart) ?? begun[0] ?? null;

  const start = async (sv: ServiceRolloutView) => {
    setStarting(null);
    setTold(null);
    try {
      const r = await api.post<{ runId: string; started: boolean }>(`rollout/services/${encodeURIComponent(sv.serviceCode)}/start`, {});
      setTold(r.body.started ? { intent: 'success', key: 'rolloutStarted', name: name(sv) } : { intent: 'info', key: 'rolloutAlreadyRunning', name: name(sv) });
    } catch (e) {
      setTold({ intent: 'error', key: 'rolloutStartFailed', name: name(sv), error: e });
    }
    follow();
  };

  const columns: Column<ServiceRolloutView>[] = [
    { id: 'service', header: t('rolloutColService'), render: (sv) => <Text weight="semibold">{name(sv)}</Text>, sortValue: name },
    {
      id: 'state',
      header: t('rolloutColState'),
      render: (sv) => (
        <Badge appearance="tint" color={runStateColor(sv.state)} className={s.badge}>
          {runStateText(i18n, sv.state)}
        </Badge>
      ),
      sortValue: (sv) => runStateText(i18n, sv.state),
    },
    { id: 'progress', header: t('rolloutColProgress'), render: (sv) => <Progress percent={sv.percent} label={t('rolloutProgressOf', { name: name(sv), percent: percentText(i18n, sv.percent) })} />, sortValue: (sv) => sv.percent },
    { id: 'holding', header: t('rolloutColHolding'), render: (sv) => <HoldingCell steps={sv.steps} /> },
    { id: 'started', header: t('rolloutColStarted'), render: (sv) => i18n.dateTime(sv.startedAt), sortValue: (sv) => sv.startedAt },
    { id: 'updated', header: t('rolloutColUpdated'), render: (sv) => i18n.dateTime(sv.updatedAt), sortValue: (sv) => sv.updatedAt },
    {
      id: 'actions',
      header: t('colActions'),
      render: (sv) => (
        <div className={s.actions}>
          <Button size="small" aria-label={t('rolloutDetailsOf', { name: name(sv) })} onClick={() => setDetail(sv.serviceCode)}>
            {t('rolloutDetails')}
          </Button>
          {canAct && startable(sv) ? (
            <Button size="small" appearance="primary" aria-label={t('rolloutStartOf', { name: name(sv) })} onClick={() => setStarting(sv)}>
              {t('rolloutStart')}
            </Button>
          ) : null}
        </div>
      ),
    },
  ];

  const shown = detail ? services.find((sv) => sv.serviceCode === detail) ?? null : null;

  return (
    <div id="rollout-services">
      <section className={s.section} aria-labelledby="rollout-services-title">
        <h3 id="rollout-services-title" className={s.h3}>
          {t('rolloutServicesTitle')}
        </h3>
        <Text>{canAct ? t('rolloutServicesIntroIT') : t('rolloutServicesIntro')}</Text>
        <p id="rollout-services-status" role="status" aria-live="polite" className={s.status}>
          {poll.value ? summaryText(i18n, services.length, begun.length, running, completed) : poll.error ? '' : t('loading')}
        </p>
        {told ? (
          <MessageBar intent={told.intent} layout="multiline" id="rollout-services-notice">
            <MessageBarBody>{t(told.key, { name: told.name, message: told.error === undefined ? '' : errorText(told.error) })}</MessageBarBody>
          </MessageBar>
        ) : null}
        {poll.error ? <ErrorState error={poll.error} onRetry={() => void poll.start()} /> : null}
        {!poll.value && !poll.error ? <LoadingState /> : null}
        {poll.value && services.length && !begun.length ? <EmptyState title={t('rolloutNoneStarted')} hint={canAct ? t('rolloutNoneStartedHintIT') : t('rolloutNoneStartedHint')} /> : null}
        {poll.value && running ? (
          <Text id="rollout-services-following" className={s.secondary}>
            {t('rolloutFollowing')}
          </Text>
        ) : null}
        {poll.value ? (
          <DataTable id="rollout-services-table" label={t('rolloutServicesTable')} columns={columns} items={services} rowKey={(sv) => sv.serviceCode} empty={t('rolloutNoServices')} emptyHint={t('rolloutNoServicesHint')} pageSize={25} />
        ) : null}
      </section>

      {charted ? (
        <section className={s.section} aria-labelledby="rollout-timeline-title">
          <h3 id="rollout-timeline-title" className={s.h3}>
            {t('rolloutTimelineSection')}
          </h3>
          {begun.length > 1 ? (
            <Field label={t('rolloutTimelineChoose')}>
              <Select id="rollout-timeline-service" className={s.select} value={charted.serviceCode} onChange={(_, d) => setChart(d.value)}>
                {begun.map((sv) => (
                  <option key={sv.serviceCode} value={sv.serviceCode}>
                    {name(sv)}
                  </option>
                ))}
              </Select>
            </Field>
          ) : null}
          <Timeline id="rollout-timeline" title={name(charted)} steps={charted.steps} />
        </section>
      ) : null}

      <ConfirmDialog
        open={starting !== null}
        title={t('rolloutStartTitle', { name: starting ? name(starting) : '' })}
        confirmLabel={t('rolloutStartConfirm')}
        onConfirm={() => starting && void start(starting)}
        onCancel={() => setStarting(null)}
      >
        <p id="rollout-start-summary">{t('rolloutStartText', { count: starting?.people ?? 0, name: starting ? name(starting) : '' })}</p>
        <p>{t('rolloutStartSteps')}</p>
      </ConfirmDialog>
      {shown ? <ServiceDetailDialog service={shown} canAct={canAct} onClose={() => setDetail(null)} onChanged={follow} onStart={() => void start(shown)} /> : null}
    </div>
  );
}

function summaryText(i18n: I18n, total: number, begun: number, running: number, completed: number): string {
  if (!total) return i18n.t('rolloutNoServices');
  if (!begun) return i18n.t('rolloutServicesNoneBegun', { total });
  return i18n.t('rolloutServicesSummary', { total, begun, running, completed });
}
