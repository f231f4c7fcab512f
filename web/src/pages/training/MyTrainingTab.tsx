import { Badge, Button, ProgressBar, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useRef, useState } from 'react';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, Notice, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { CertificateView } from './CertificateView';
import { ContentActivity } from './ContentActivity';
import { percent, text, useTell, type Told } from './format';
import { QuizActivity } from './QuizActivity';
import { ReadingActivity } from './ReadingActivity';
import type { MyItem } from './types';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  progress: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, maxWidth: '32rem' },
  cellStack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, alignItems: 'flex-start' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
});

/** What the person is doing below the list: a module's activity, or a completed cycle's certificate. */
type Active = { moduleId: string; view: 'activity' } | { moduleId: string; view: 'certificate'; cycle: number };

/**
 * The person's own modules (GET /api/training/me): status, due date, progress, and each module's
 * activity (content, reading to sign, quiz) opened below the list; certificates per completed cycle.
 */
export function MyTrainingTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const loaded = useLoad(() => api.get<{ items: MyItem[] }>('training/me'), (r) => (r.items.length ? { key: 'myTrainingFound', params: { count: r.items.length } } : { key: 'myTrainingNone' }), [api]);
  const items = loaded.value?.items ?? null;
  const [active, setActive] = useState<Active | null>(null);
  const [notice, setNotice] = useState<Told | null>(null);
  const tell = useTell();
  const activityRef = useRef<HTMLElement>(null);

  const open = (next: Active) => {
    setActive(next);
    setNotice(null);
    // The activity opens below the list: focus goes there, so keyboard and screen reader users follow.
    setTimeout(() => activityRef.current?.focus(), 0);
  };
  const finished = (said: Told) => {
    setNotice(said);
    loaded.retry();
  };

  const statusCell = (m: MyItem) => (
    <div className={s.cellStack}>
      <Text>{i18n.label('trainingStatus_', m.status)}</Text>
      {m.status === 'open' && m.overdue ? (
        <Badge appearance="tint" color="danger">
          {t('overdueBadge')}
        </Badge>
      ) : null}
      {m.paused ? (
        <Badge appearance="tint" color="informative">
          {t('pausedBadge')}
        </Badge>
      ) : null}
    </div>
  );

  const progressCell = (m: MyItem) => {
    const lines: string[] = [];
    if (m.kind === 'quiz' && m.status === 'open') lines.push(m.maxAttempts === null ? t('attemptsUsed', { used: m.attempts }) : t('attemptsOf', { used: m.attempts, max: m.maxAttempts }));
    if (m.lastCompletion) {
      const score = m.lastCompletion.score;
      lines.push(t('completedOn', { date: i18n.dateTime(m.lastCompletion.completedAt), method: i18n.label('method_', m.lastCompletion.method) }));
      if (typeof score === 'number') lines.push(t('scoreWas', { score: percent(i18n, score) }));
    }
    if (m.nextCycleDate) lines.push(t('nextCycle', { date: i18n.date(m.nextCycleDate) }));
    return lines.length ? (
      <div className={s.cellStack}>
        {lines.map((l) => (
          <Text key={l}>{l}</Text>
        ))}
      </div>
    ) : (
      t('notStarted')
    );
  };

  const actionLabel = (m: MyItem): MessageKey => (m.kind === 'quiz' ? 'takeQuiz' : m.kind === 'reading' ? 'readAndSign' : 'openContent');
  const actionsCell = (m: MyItem) => (
    <div className={s.actions}>
      {m.status === 'open' ? (
        <Button appearance="primary" size="small" aria-label={t('moduleAction', { action: t(actionLabel(m)), title: text(i18n, m.title) })} onClick={() => open({ moduleId: m.moduleId, view: 'activity' })}>
          {t(actionLabel(m))}
        </Button>
      ) : null}
      {m.completedCycles.map((cycle) => (
        <Button key={cycle} size="small" aria-label={t('certificateFor', { title: text(i18n, m.title), cycle })} onClick={() => open({ moduleId: m.moduleId, view: 'certificate', cycle })}>
          {m.completedCycles.length > 1 ? t('certificateCycle', { cycle }) : t('certificate')}
        </Button>
      ))}
    </div>
  );

  const columns: Column<MyItem>[] = [
    {
      id: 'title',
      header: t('colModule'),
      render: (m) => (
        <div className={s.cellStack}>
          <Text weight="semibold">{text(i18n, m.title)}</Text>
          <Text>{text(i18n, m.description)}</Text>
        </div>
      ),
      sortValue: (m) => text(i18n, m.title),
    },
    { id: 'kind', header: t('colKind'), render: (m) => t('kindMinutes', { kind: i18n.label('moduleKind_', m.kind), minutes: m.estimatedMinutes }), sortValue: (m) => i18n.label('moduleKind_', m.kind) },
    { id: 'status', header: t('colTrainingStatus'), render: statusCell, sortValue: (m) => (m.status === 'open' ? (m.overdue ? 0 : 1) : m.status === 'completed' ? 2 : 3) },
    { id: 'due', header: t('colDueDate'), render: (m) => (m.status === 'open' ? i18n.date(m.dueDate) : t('dash')), sortValue: (m) => m.dueDate },
    { id: 'progress', header: t('colProgress'), render: progressCell },
    { id: 'actions', header: t('colActions'), render: actionsCell },
  ];

  // Progress over what is still asked of the person: closed modules (no longer assigned) are left out.
  const counted = items?.filter((m) => m.status !== 'closed') ?? [];
  const done = counted.filter((m) => m.status === 'completed').length;
  const overdue = counted.filter((m) => m.status === 'open' && m.overdue).length;
  const current = active && items ? items.find((m) => m.moduleId === active.moduleId) ?? null : null;

  return (
    <div id="training-mine">
      <section className={s.section} aria-labelledby="my-training-title">
        <h3 id="my-training-title" className={s.h3}>
          {t('myTrainingTitle')}
        </h3>
        <p id="my-training-status" role="status" aria-live="polite" className={s.status}>
          {loaded.status ? say(loaded.status) : ''}
        </p>
        {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
        {!items && !loaded.error ? <LoadingState /> : null}
        {items && counted.length ? (
          <div className={s.progress} id="my-training-progress">
            <Text>{t('myProgress', { done, total: counted.length })}</Text>
            <ProgressBar value={done} max={counted.length} thickness="large" aria-label={t('myProgress', { done, total: counted.length })} />
            {overdue ? <Text weight="semibold">{t('myOverdue', { count: overdue })}</Text> : null}
          </div>
        ) : null}
        {notice ? (
          <Notice intent="success" id="my-training-notice">
            {tell(notice)}
          </Notice>
        ) : null}
        {items ? <DataTable id="my-training-table" label={t('myTrainingTitle')} columns={columns} items={items} rowKey={(m) => m.moduleId} empty={t('myTrainingNone')} emptyHint={t('myTrainingNoneHint')} /> : null}
      </section>
      {active && current ? (
        <section ref={activityRef} tabIndex={-1} className={s.section} aria-labelledby="activity-title" id="training-activity">
          {active.view === 'certificate' ? (
            <CertificateView moduleId={active.moduleId} cycle={active.cycle} onClose={() => setActive(null)} />
          ) : current.kind === 'quiz' ? (
            <QuizActivity item={current} onPassed={setNotice} onAttempt={loaded.retry} onClose={() => setActive(null)} />
          ) : current.kind === 'reading' ? (
            <ReadingActivity item={current} onSigned={(said) => { finished(said); setActive(null); }} onClose={() => setActive(null)} />
          ) : (
            <ContentActivity item={current} onDone={(said) => { finished(said); setActive(null); }} onClose={() => setActive(null)} />
          )}
        </section>
      ) : null}
    </div>
  );
}
