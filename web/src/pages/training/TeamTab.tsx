import { Badge, Button, Checkbox, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, Notice, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { text, useTell, type Told } from './format';
import type { Team, TeamItem } from './types';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  cellStack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, alignItems: 'flex-start' },
});

type Row = TeamItem & { personId: string; displayName: string; onLeave: boolean };

/**
 * A manager's direct reports (GET /api/training/team): each person's modules, who is late and by how
 * many business days, and a reminder in one click (the API allows one per hour: 429 says so).
 */
export function TeamTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const loaded = useLoad(() => api.get<Team>('training/team'), (r) => (r.people.length ? { key: 'teamFound', params: { people: r.people.length, overdue: r.overdue } } : { key: 'teamNone' }), [api]);
  const team = loaded.value;
  const [onlyOverdue, setOnlyOverdue] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ intent: 'success' | 'error'; said: Told } | null>(null);
  const tell = useTell();

  const remind = async (row: Row) => {
    const key = `${row.personId}|${row.moduleId}`;
    setBusy(key);
    setOutcome(null);
    try {
      await api.post<{ sentAt: string }>(`training/team/${encodeURIComponent(row.personId)}/remind`, { moduleId: row.moduleId });
      setOutcome({ intent: 'success', said: { key: 'remindSent', params: { name: row.displayName }, title: row.title } });
    } catch (e) {
      setOutcome({ intent: 'error', said: { key: 'remindFailed', params: { name: row.displayName }, error: e } });
    } finally {
      setBusy(null);
    }
  };

  const rows: Row[] = (team?.people ?? []).flatMap((p) => p.items.map((i) => ({ ...i, personId: p.personId, displayName: p.displayName ?? t('personUnknown'), onLeave: p.onLeave === true })));
  const shown = onlyOverdue ? rows.filter((r) => r.overdue) : rows;

  const columns: Column<Row>[] = [
    { id: 'person', header: t('colPerson'), render: (r) => <Text weight="semibold">{r.displayName}</Text>, sortValue: (r) => r.displayName },
    { id: 'module', header: t('colModule'), render: (r) => text(i18n, r.title), sortValue: (r) => text(i18n, r.title) },
    {
      id: 'status',
      header: t('colTrainingStatus'),
      render: (r) => (
        <div className={s.cellStack}>
          <Text>{i18n.label('trainingStatus_', r.status)}</Text>
          {r.overdue ? (
            <Badge appearance="tint" color="danger">
              {t('overdueDays', { days: r.overdueBusinessDays })}
            </Badge>
          ) : null}
          {r.paused || (r.onLeave && r.status === 'open') ? (
            <Badge appearance="tint" color="informative">
              {t('pausedBadge')}
            </Badge>
          ) : null}
        </div>
      ),
      sortValue: (r) => (r.overdue ? -r.overdueBusinessDays : r.status === 'open' ? 0 : 1),
    },
    { id: 'due', header: t('colDueDate'), render: (r) => (r.status === 'open' ? i18n.date(r.dueDate) : t('dash')), sortValue: (r) => r.dueDate },
    {
      id: 'actions',
      header: t('colActions'),
      render: (r) =>
        r.status === 'open' ? (
          <Button size="small" disabled={busy !== null} aria-label={t('remindLabel', { name: r.displayName, title: text(i18n, r.title) })} onClick={() => void remind(r)}>
            {busy === `${r.personId}|${r.moduleId}` ? t('working') : t('remind')}
          </Button>
        ) : (
          t('dash')
        ),
    },
  ];

  return (
    <section id="training-team" className={s.section} aria-labelledby="team-title">
      <h3 id="team-title" className={s.h3}>
        {t('tabTeamTraining')}
      </h3>
      <Text>{t('teamIntro')}</Text>
      <p id="team-status" role="status" aria-live="polite" className={s.status}>
        {loaded.status ? say(loaded.status) : ''}
      </p>
      {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
      {!team && !loaded.error ? <LoadingState /> : null}
      {outcome ? (
        <Notice intent={outcome.intent} id="team-notice">
          {tell(outcome.said)}
        </Notice>
      ) : null}
      {team && rows.length ? <Checkbox id="team-only-overdue" checked={onlyOverdue} onChange={(_, d) => setOnlyOverdue(d.checked === true)} label={t('onlyOverdue', { count: rows.filter((r) => r.overdue).length })} /> : null}
      {team ? <DataTable id="team-table" label={t('tabTeamTraining')} columns={columns} items={shown} rowKey={(r) => `${r.personId}|${r.moduleId}`} empty={onlyOverdue ? t('teamNoneOverdue') : t('teamNone')} emptyHint={onlyOverdue ? undefined : t('teamNoneHint')} pageSize={25} /> : null}
    </section>
  );
}
