import { Text, makeStyles, tokens } from '@fluentui/react-components';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useSession } from '../../session';
import { calendarDay } from './format';
import type { EventView } from './types';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  changes: { listStyleType: 'none', margin: 0, padding: 0 },
});

type Change = EventView['changes'][number];
const MOVES: Change['field'][] = ['service', 'jobCategory', 'manager'];

/** The lifecycle events the sync observed, in words: who, what happened, what changed from what to what. */
export function EventsTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const loaded = useLoad(() => api.get<{ events: EventView[] }>('people/events', { limit: '100' }), (r) => ({ key: 'eventsFound', params: { count: r.events.length } }), [api]);
  const events = loaded.value?.events ?? null;
  const { error, status } = loaded;

  /** What happened, in words: a move says what moved (one line each), a departure says why. */
  const whatLines = (e: EventView): string[] => {
    if (e.kind === 'moved') {
      const moves = e.changes.filter((c) => MOVES.includes(c.field)).map((c) => t(`moved_${c.field}` as MessageKey));
      if (moves.length) return moves;
    }
    if (e.kind === 'left' && e.leftReason) return [t('eventLeft', { reason: i18n.label('leftReason_', e.leftReason) })];
    return [i18n.label('peopleEvent_', e.kind)];
  };
  const what = (e: EventView) => {
    const lines = whatLines(e);
    return lines.length === 1 ? (
      lines[0]
    ) : (
      <ul className={s.changes}>
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    );
  };

  /** A value in words: labels sent by the API for ids and codes; a missing manager name is never replaced by an id. */
  const value = (c: Change, side: 'before' | 'after') => {
    const raw = c[side];
    const label = side === 'before' ? c.beforeLabel : c.afterLabel;
    if (raw === null) return t('valueNone');
    switch (c.field) {
      case 'status':
        return i18n.label('personStatus_', raw);
      case 'service':
      case 'jobCategory':
        return label ? label[i18n.language] : t('unknownValue', { value: raw });
      case 'manager':
        return label ? label[i18n.language] : t('personUnknown');
      case 'language':
        return i18n.label('language_', raw);
      case 'hireDate':
      case 'leaveDate':
        return calendarDay(i18n, raw);
      default:
        return raw;
    }
  };

  const details = (e: EventView) => {
    // The status change is what the event's name already says (arrival, leave, departure).
    const shown = e.changes.filter((c) => c.field !== 'status' || e.kind === 'updated').filter((c) => !(e.kind === 'joined' && c.after === null));
    if (!shown.length) return t('dash');
    return (
      <ul className={s.changes}>
        {shown.map((c) => (
          <li key={c.field}>
            {c.field === 'displayName'
              ? t('nameChanged')
              : c.before === null
                ? t('changeTo', { field: t(`field_${c.field}` as MessageKey), after: value(c, 'after') })
                : t('changeFromTo', { field: t(`field_${c.field}` as MessageKey), before: value(c, 'before'), after: value(c, 'after') })}
          </li>
        ))}
      </ul>
    );
  };

  const columns: Column<EventView>[] = [
    { id: 'at', header: t('colEventAt'), render: (e) => i18n.dateTime(e.observedAt), sortValue: (e) => e.observedAt },
    { id: 'person', header: t('colPerson'), render: (e) => e.person.displayName ?? t('personUnknown'), sortValue: (e) => e.person.displayName },
    { id: 'event', header: t('colEvent'), render: what, sortValue: (e) => whatLines(e).join(', ') },
    { id: 'details', header: t('colDetails'), render: details },
  ];

  return (
    <section id="people-events" className={s.section} aria-labelledby="people-events-title">
      <h3 id="people-events-title" className={s.h3}>{t('tabPeopleEvents')}</h3>
      <Text>{t('eventsIntro')}</Text>
      <p id="events-status" role="status" aria-live="polite" className={s.status}>
        {status ? say(status) : ''}
      </p>
      {error ? <ErrorState error={error} onRetry={loaded.retry} /> : null}
      {!events && !error ? <LoadingState /> : null}
      {events ? <DataTable id="events-table" label={t('eventsTable')} columns={columns} items={events} rowKey={(e) => e.id} empty={t('eventsNone')} emptyHint={t('eventsNoneHint')} pageSize={20} /> : null}
    </section>
  );
}
