import { Badge, Button, MessageBar, MessageBarBody, ProgressBar, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, useErrorText, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { usePolling } from '../../components/usePolling';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { MODE_LABELS, reasonText, runActive, runStateText, spaceNames, statusColor, statusText, type RunMode } from './format';
import { SpaceDetailDialog } from './SpaceDetailDialog';
import type { RunStatus, SpaceSummary, SpacesAnswer } from './spaceTypes';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS, alignItems: 'center' },
  cellStack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, alignItems: 'flex-start' },
  secondary: { color: tokens.colorNeutralForeground2 },
  progress: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, maxWidth: '40rem' },
  problems: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  // A state in words can take two lines in a narrow column: the badge grows with it.
  badge: { height: 'auto', minHeight: '20px', whiteSpace: 'normal', textAlign: 'start', paddingTop: '1px', paddingBottom: '1px' },
});

type Outcome = { intent: 'success' | 'error' | 'info'; key: 'collaborationRunStartedNotice' | 'collaborationRunFinished' | 'collaborationRunNotStarted'; mode?: RunMode; run?: RunStatus; error?: unknown };

/**
 * IT administration of the spaces (ITAdmin): every space with its state, the changes the last
 * verification found and what it reported; the app-wide run (verify, apply, repair) followed while
 * it goes on; each space's changes in words, to approve those that wait for IT.
 */
export function AdminTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const errorText = useErrorText();
  const loaded = useLoad(
    () => api.get<SpacesAnswer>('collaboration/spaces'),
    (r) => (r.spaces.length ? { key: 'collaborationAdminFound', params: { count: r.spaces.length, changes: r.spaces.reduce((n, sp) => n + sp.changes.total, 0) } } : { key: 'collaborationAdminNone' }),
    [api],
  );
  // Refreshed quietly while a run goes on (the status line is not re-announced every few seconds).
  const [fresh, setFresh] = useState<SpacesAnswer | null>(null);
  const data = fresh ?? loaded.value;
  const refresh = () => {
    api.get<SpacesAnswer>('collaboration/spaces').then(setFresh, () => undefined);
  };
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState<RunMode | null>(null);
  const [confirming, setConfirming] = useState<'apply' | 'repair' | null>(null);
  const [detail, setDetail] = useState<string | null>(null);
  const lastDone = useRef<number | null>(null);
  /** A run just asked for: the one read before (its start), so the page follows the new one, not the last one's end. */
  const awaiting = useRef<{ previous: string | null; since: number } | null>(null);
  const isNew = (r: RunStatus | null) => {
    const a = awaiting.current;
    if (!a) return true;
    if (r && r.createdTime !== a.previous) return true;
    // The new run never showed (it ended before the first read, or was refused): stop waiting after a while.
    return Date.now() - a.since > 30_000;
  };

  const run = usePolling(
    () => api.get<{ run: RunStatus | null }>('collaboration/run').then((r) => r.run),
    (r) => isNew(r) && !runActive(r),
    {
      intervalMs: 2000,
      timeoutMs: 2 * 60 * 60_000,
      onUpdate(r) {
        if (!isNew(r)) return;
        const active = runActive(r);
        const done = r?.customStatus?.done ?? null;
        if (active && done !== lastDone.current) refresh();
        lastDone.current = done;
        if (awaiting.current && !active) {
          awaiting.current = null;
          refresh();
          if (r) setOutcome({ intent: r.runtimeStatus === 'Completed' ? 'success' : 'error', key: 'collaborationRunFinished', run: r });
        } else if (active && !awaiting.current) {
          // Found running on arrival: its end is announced too.
          awaiting.current = { previous: null, since: Date.now() };
        }
      },
    },
  );
  useEffect(() => {
    void run.start();
    // Read once on arrival: follows on only while a run goes on.
  }, []);
  /** Follows the run just started (by this tab or a space's dialog) until it ends. */
  const follow = () => {
    awaiting.current = { previous: run.value?.createdTime ?? null, since: Date.now() };
    void run.start();
  };

  const current = run.value;
  const active = runActive(current);

  const start = async (mode: RunMode) => {
    setConfirming(null);
    setBusy(mode);
    setOutcome(null);
    try {
      await api.post<{ instanceId: string }>('collaboration/run', { mode });
      setOutcome({ intent: 'success', key: 'collaborationRunStartedNotice', mode });
      follow();
    } catch (e) {
      setOutcome({ intent: 'error', key: 'collaborationRunNotStarted', mode, error: e });
      void run.start();
    } finally {
      setBusy(null);
    }
  };

  const spaces = data?.spaces ?? [];
  const totals = spaces.reduce((a, sp) => ({ changes: a.changes + sp.changes.total, auto: a.auto + sp.changes.auto, ask: a.ask + sp.changes.awaitingApproval, ignored: a.ignored + sp.changes.ignored, fresh: a.fresh + (sp.status === 'new' ? 1 : 0) }), { changes: 0, auto: 0, ask: 0, ignored: 0, fresh: 0 });
  const outdated = (sp: SpaceSummary) => !!data && sp.templateVersion !== null && sp.templateVersion !== data.templateVersion;

  const columns: Column<SpaceSummary>[] = [
    {
      id: 'space',
      header: t('collaborationColSpace'),
      render: (sp) => (
        <div className={s.cellStack}>
          <Text weight="semibold">{sp.displayName}</Text>
          <Text size={200} className={s.secondary}>
            {i18n.label('collaborationKind_', sp.kind)}
          </Text>
        </div>
      ),
      sortValue: (sp) => sp.displayName,
    },
    {
      id: 'status',
      header: t('collaborationColStatus'),
      render: (sp) => (
        <div className={s.cellStack}>
          <Badge appearance="tint" color={statusColor(sp.status)} className={s.badge}>
            {statusText(i18n, sp)}
          </Badge>
          {reasonText(i18n, sp.statusReason) ? <Text size={200}>{reasonText(i18n, sp.statusReason)}</Text> : null}
        </div>
      ),
      sortValue: (sp) => statusText(i18n, sp),
    },
    { id: 'changes', header: t('collaborationColChanges'), render: (sp) => i18n.number(sp.changes.total), sortValue: (sp) => sp.changes.total },
    { id: 'awaiting', header: t('collaborationColAwaiting'), render: (sp) => i18n.number(sp.changes.awaitingApproval), sortValue: (sp) => sp.changes.awaitingApproval },
    { id: 'findings', header: t('collaborationColFindings'), render: (sp) => i18n.number(sp.findings), sortValue: (sp) => sp.findings },
    { id: 'verified', header: t('collaborationColVerified'), render: (sp) => (sp.lastVerifiedAt ? i18n.dateTime(sp.lastVerifiedAt) : t('collaborationNeverVerified')), sortValue: (sp) => sp.lastVerifiedAt },
    {
      id: 'version',
      header: t('collaborationColVersion'),
      render: (sp) => (sp.templateVersion === null ? t('dash') : outdated(sp) ? t('collaborationVersionOutdated', { version: sp.templateVersion }) : sp.templateVersion),
      sortValue: (sp) => sp.templateVersion,
    },
    {
      id: 'actions',
      header: t('colActions'),
      render: (sp) => (
        <Button size="small" aria-label={t('collaborationDetailsOf', { name: sp.displayName })} onClick={() => setDetail(sp.key)}>
          {t('collaborationDetails')}
        </Button>
      ),
    },
  ];

  const outcomeText = (o: Outcome) => {
    if (o.key === 'collaborationRunFinished' && o.run) return t('collaborationRunFinished', { state: runStateText(i18n, o.run), ...counts(o.run) });
    if (o.key === 'collaborationRunNotStarted') return t('collaborationRunNotStarted', { message: errorText(o.error) });
    return t('collaborationRunStartedNotice', { mode: o.mode ? t(MODE_LABELS[o.mode]) : '' });
  };
  const counts = (r: RunStatus) => ({ inSync: r.customStatus?.inSync ?? 0, blocked: r.customStatus?.blocked ?? 0, failed: r.customStatus?.failed ?? 0 });
  const progress = { done: current?.customStatus?.done ?? 0, total: current?.customStatus?.total ?? 0, running: Array.isArray(current?.customStatus?.running) ? current.customStatus.running : [] };
  const shownDetail = detail ? spaces.find((sp) => sp.key === detail) ?? null : null;

  return (
    <div id="collaboration-admin">
      <section className={s.section} aria-labelledby="collaboration-run-title" id="collaboration-run">
        <h3 id="collaboration-run-title" className={s.h3}>
          {active ? t('collaborationRunTitle') : t('collaborationLastRunTitle')}
        </h3>
        <Text>{t('collaborationActionsHelp')}</Text>
        <div className={s.actions}>
          <Button appearance="primary" disabled={active || busy !== null} onClick={() => void start('verify')}>
            {t('collaborationVerifyAll')}
          </Button>
          <Button disabled={active || busy !== null || !data} onClick={() => setConfirming('apply')}>
            {t('collaborationApplyAll')}
          </Button>
          <Button disabled={active || busy !== null || !data} onClick={() => setConfirming('repair')}>
            {t('collaborationRepairAll')}
          </Button>
        </div>
        {outcome ? (
          <MessageBar intent={outcome.intent} layout="multiline" id="collaboration-run-notice">
            <MessageBarBody>{outcomeText(outcome)}</MessageBarBody>
          </MessageBar>
        ) : null}
        <div id="collaboration-run-state" role="status" aria-live="polite" className={s.progress}>
          {run.error ? (
            <Text>{t('collaborationRunUnreadable', { message: errorText(run.error) })}</Text>
          ) : current === null ? (
            run.running ? <Text>{t('loading')}</Text> : <Text>{t('collaborationRunNone')}</Text>
          ) : (
            <>
              <Text weight="semibold">{t('collaborationRunLine', { state: runStateText(i18n, current), started: i18n.dateTime(current.createdTime), updated: i18n.dateTime(current.lastUpdatedTime) })}</Text>
              {progress.total > 0 ? (
                <>
                  <Text id="collaboration-run-progress">{t('collaborationRunProgress', { done: progress.done, total: progress.total })}</Text>
                  <ProgressBar value={Math.min(progress.done, progress.total)} max={progress.total} thickness="large" aria-label={t('collaborationRunProgress', { done: progress.done, total: progress.total })} />
                  <Text>{t('collaborationRunCounts', counts(current))}</Text>
                  {active && progress.running.length ? <Text>{t('collaborationRunRunning', { list: spaceNames(i18n, progress.running, spaces) })}</Text> : null}
                </>
              ) : active ? (
                <ProgressBar thickness="large" aria-label={t('collaborationRunStarting')} />
              ) : null}
            </>
          )}
        </div>
      </section>

      <section className={s.section} aria-labelledby="collaboration-admin-title">
        <h3 id="collaboration-admin-title" className={s.h3}>
          {t('collaborationAdminTitle')}
        </h3>
        {data ? <Text>{t('collaborationAdminIntro', { version: data.templateVersion })}</Text> : null}
        <p id="collaboration-admin-status" role="status" aria-live="polite" className={s.status}>
          {loaded.status ? say(loaded.status) : ''}
        </p>
        {loaded.error && !data ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
        {!data && !loaded.error ? <LoadingState /> : null}
        {data && data.problems.length ? (
          <MessageBar intent="warning" layout="multiline" id="collaboration-problems">
            <MessageBarBody>
              <Text weight="semibold" block>
                {t('collaborationProblemsTitle')}
              </Text>
              <ul className={s.problems}>
                {data.problems.map((p, n) => (
                  <li key={n}>{p.spaceKey ? t('collaborationProblem', { space: spaceNames(i18n, [p.spaceKey], spaces), message: p.message }) : t('collaborationProblemGeneral', { message: p.message })}</li>
                ))}
              </ul>
            </MessageBarBody>
          </MessageBar>
        ) : null}
        {data ? (
          <DataTable
            id="collaboration-admin-table"
            label={t('collaborationAdminTable')}
            columns={columns}
            items={spaces}
            rowKey={(sp) => sp.key}
            empty={t('collaborationAdminNone')}
            emptyHint={t('collaborationAdminNoneHint')}
            pageSize={25}
          />
        ) : null}
      </section>

      <ConfirmDialog
        open={confirming === 'apply'}
        title={t('collaborationApplyConfirmTitle', { version: data?.templateVersion ?? '' })}
        confirmLabel={t('collaborationApplyConfirm', { spaces: spaces.length })}
        onConfirm={() => void start('apply')}
        onCancel={() => setConfirming(null)}
      >
        <p id="collaboration-apply-summary">{t('collaborationApplyConfirmText', { spaces: spaces.length, changes: totals.changes })}</p>
        {totals.fresh ? <p>{t('collaborationApplyConfirmNew', { count: totals.fresh })}</p> : null}
        <p>{t('collaborationApplyConfirmSafe')}</p>
      </ConfirmDialog>
      <ConfirmDialog open={confirming === 'repair'} title={t('collaborationRepairConfirmTitle')} confirmLabel={t('collaborationRepairConfirm')} onConfirm={() => void start('repair')} onCancel={() => setConfirming(null)}>
        <p id="collaboration-repair-summary">{t('collaborationRepairConfirmText', { spaces: spaces.length, auto: totals.auto, ask: totals.ask, ignored: totals.ignored })}</p>
      </ConfirmDialog>
      {detail ? (
        <SpaceDetailDialog
          spaceKey={detail}
          name={shownDetail?.displayName ?? ''}
          runActive={active}
          onClose={() => setDetail(null)}
          onChanged={refresh}
          onRunStarted={follow}
        />
      ) : null}
    </div>
  );
}
