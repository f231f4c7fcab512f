import { Badge, Button, Field, Select, Text } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState } from '../../components/States';
import { usePolling } from '../../components/usePolling';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { isActive, kindText, percentText, personText, runStateColor, runStateText, said } from './format';
import { HoldingCell, Progress, useRolloutStyles } from './ServicesTab';
import { JourneyDetailDialog } from './ServiceDetailDialog';
import { JOURNEY_KINDS, RUN_STATES, type JourneyView, type JourneysAnswer } from './types';

/**
 * "Personnes": each person's journey (arrival, move, departure) with its state, progress and what
 * holds it (GET /api/rollout/journeys?kind=&state=), filtered by kind and state; the steps in a
 * dialog, where IT administration retries or skips. Read again while a journey goes on.
 */
export function JourneysTab({ canAct }: { canAct: boolean }) {
  const s = useRolloutStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const [kind, setKind] = useState('');
  const [state, setState] = useState('');
  const [detail, setDetail] = useState<string | null>(null);
  const followUntil = useRef(0);
  const poll = usePolling(
    () => api.get<JourneysAnswer>('rollout/journeys', { kind, state }),
    (r) => !r.journeys.some((j) => isActive(j.state)) && Date.now() > followUntil.current,
    { intervalMs: 4000, timeoutMs: 8 * 60 * 60_000 },
  );
  useEffect(() => {
    void poll.start();
  }, [kind, state]);
  const follow = () => {
    followUntil.current = Date.now() + 20_000;
    void poll.start();
  };
  const journeys = poll.value?.journeys ?? [];
  const person = (j: JourneyView) => personText(i18n, j.personName);
  const service = (j: JourneyView) => (j.serviceName ? said(i18n, j.serviceName) : t('dash'));

  const columns: Column<JourneyView>[] = [
    { id: 'person', header: t('rolloutColPerson'), render: (j) => <Text weight="semibold">{person(j)}</Text>, sortValue: person },
    { id: 'kind', header: t('rolloutColKind'), render: (j) => kindText(i18n, j.kind), sortValue: (j) => kindText(i18n, j.kind) },
    { id: 'service', header: t('rolloutColService'), render: service, sortValue: service },
    {
      id: 'state',
      header: t('rolloutColState'),
      render: (j) => (
        <Badge appearance="tint" color={runStateColor(j.state)} className={s.badge}>
          {runStateText(i18n, j.state)}
        </Badge>
      ),
      sortValue: (j) => runStateText(i18n, j.state),
    },
    { id: 'progress', header: t('rolloutColProgress'), render: (j) => <Progress percent={j.percent} label={t('rolloutProgressOf', { name: person(j), percent: percentText(i18n, j.percent) })} />, sortValue: (j) => j.percent },
    { id: 'holding', header: t('rolloutColCurrent'), render: (j) => <HoldingCell steps={j.steps} /> },
    { id: 'updated', header: t('rolloutColUpdated'), render: (j) => i18n.dateTime(j.updatedAt), sortValue: (j) => j.updatedAt },
    {
      id: 'actions',
      header: t('colActions'),
      render: (j) => (
        <Button size="small" aria-label={t('rolloutDetailsOf', { name: person(j) })} onClick={() => setDetail(j.runId)}>
          {t('rolloutDetails')}
        </Button>
      ),
    },
  ];
  const shown = detail ? journeys.find((j) => j.runId === detail) ?? null : null;
  const filtered = kind !== '' || state !== '';

  return (
    <div id="rollout-journeys">
      <section className={s.section} aria-labelledby="rollout-journeys-title">
        <h3 id="rollout-journeys-title" className={s.h3}>
          {t('rolloutJourneysTitle')}
        </h3>
        <Text>{t('rolloutJourneysIntro')}</Text>
        <div className={s.filters}>
          <Field label={t('rolloutFilterKind')}>
            <Select id="rollout-filter-kind" className={s.select} value={kind} onChange={(_, d) => setKind(d.value)}>
              <option value="">{t('rolloutFilterAllKinds')}</option>
              {JOURNEY_KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindText(i18n, k)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t('rolloutFilterState')}>
            <Select id="rollout-filter-state" className={s.select} value={state} onChange={(_, d) => setState(d.value)}>
              <option value="">{t('rolloutFilterAllStates')}</option>
              {RUN_STATES.filter((st) => st !== 'not-started').map((st) => (
                <option key={st} value={st}>
                  {runStateText(i18n, st)}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <p id="rollout-journeys-status" role="status" aria-live="polite" className={s.status}>
          {poll.value ? (journeys.length ? t('rolloutJourneysFound', { count: journeys.length, active: journeys.filter((j) => isActive(j.state)).length }) : filtered ? t('rolloutJourneysNoneFiltered') : t('rolloutJourneysNone')) : poll.error ? '' : t('loading')}
        </p>
        {poll.error ? <ErrorState error={poll.error} onRetry={() => void poll.start()} /> : null}
        {!poll.value && !poll.error ? <LoadingState /> : null}
        {poll.value ? (
          <DataTable
            id="rollout-journeys-table"
            label={t('rolloutJourneysTable')}
            columns={columns}
            items={journeys}
            rowKey={(j) => j.runId}
            empty={filtered ? t('rolloutJourneysNoneFiltered') : t('rolloutJourneysNone')}
            emptyHint={filtered ? undefined : t('rolloutJourneysNoneHint')}
            pageSize={25}
          />
        ) : null}
      </section>
      {shown ? <JourneyDetailDialog journey={shown} canAct={canAct} onClose={() => setDetail(null)} onChanged={follow} /> : null}
    </div>
  );
}
