import { Button, Field, Input, Select, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { BarChart } from '../../components/BarChart';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, useSay, type Said } from '../../components/States';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { calendarDay, entryText, named } from './format';
import type { Count, DirectoryPage, PersonStatus, PersonView } from './types';

const PAGE_SIZE = 25;
/** Select values: every one, the unmapped ones (the API's empty code), or a catalogue code. */
const ALL = '*';
const NONE = '-';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  fieldset: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'flex-end' },
  field: { minWidth: '14rem' },
  h3: { margin: 0 },
  pager: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM },
});

interface Filters {
  service: string;
  jobCategory: string;
  status: PersonStatus | typeof ALL;
  search: string;
}

const NO_FILTERS: Filters = { service: ALL, jobCategory: ALL, status: ALL, search: '' };

const param = (v: string) => (v === ALL ? undefined : v === NONE ? '' : v);

/** The staff list with its filters, the head count per service, and paging done by the API. */
export function DirectoryTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<DirectoryPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Said | null>({ key: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    setStatus({ key: 'loading' });
    setError(null);
    // POST /api/people/search: a name typed in the search box is personal information, kept out of
    // URLs (request logs). An empty service or job category means "not mapped" to the API.
    const filter = { service: param(filters.service), jobCategory: param(filters.jobCategory), status: filters.status === ALL ? undefined : filters.status, search: filters.search || undefined, page, pageSize: PAGE_SIZE };
    api
      .post<DirectoryPage>('people/search', filter)
      .then(({ body: r }) => {
        if (mine !== seq.current) return;
        setData(r);
        setStatus({ key: 'peopleFound', params: { count: r.total } });
      })
      .catch((e: unknown) => {
        if (mine !== seq.current) return;
        setError(e);
        setStatus({ error: e });
      });
  }, [api, filters, page, attempt]);

  const choose = (next: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...next }));
    setPage(1);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    choose({ search: search.trim() });
  };
  const clear = () => {
    setSearch('');
    choose(NO_FILTERS);
  };

  const countName = (c: Count) => (c.names ? named(i18n, c.names) : t('notMapped'));
  const options = (counts: Count[] | undefined) =>
    (counts ?? []).map((c) => (
      <option key={c.code ?? NONE} value={c.code ?? NONE}>
        {t('optionCount', { name: countName(c), count: c.count })}
      </option>
    ));

  const columns: Column<PersonView>[] = [
    { id: 'name', header: t('colPersonName'), render: (p) => <Text weight="semibold">{p.displayName}</Text> },
    { id: 'service', header: t('colService'), render: (p) => entryText(i18n, p.service, p.unmappedService) },
    { id: 'jobCategory', header: t('colJobCategory'), render: (p) => entryText(i18n, p.jobCategory, p.unmappedJobCategory) },
    { id: 'manager', header: t('colManager'), render: (p) => p.manager?.displayName ?? t('dash') },
    { id: 'status', header: t('colPersonStatus'), render: (p) => i18n.label('personStatus_', p.status) },
    { id: 'hireDate', header: t('colHireDate'), render: (p) => calendarDay(i18n, p.hireDate) },
  ];

  const current = data ? data.byService.reduce((n, c) => n + c.count, 0) : 0;
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;

  return (
    <div id="people-directory">
      <section className={s.section} aria-labelledby="people-filters-title">
        <form id="people-filters" noValidate onSubmit={submit}>
          <fieldset className={s.fieldset}>
            <legend id="people-filters-title" className={s.legend}>
              {t('peopleFilters')}
            </legend>
            <div className={s.row}>
              <Field label={t('fService')} className={s.field}>
                <Select id="filter-service" value={filters.service} onChange={(_, d) => choose({ service: d.value })}>
                  <option value={ALL}>{t('allServices')}</option>
                  {options(data?.byService)}
                  {data && !data.byService.some((c) => c.code === null) ? <option value={NONE}>{t('notMapped')}</option> : null}
                </Select>
              </Field>
              <Field label={t('fJobCategory')} className={s.field}>
                <Select id="filter-job-category" value={filters.jobCategory} onChange={(_, d) => choose({ jobCategory: d.value })}>
                  <option value={ALL}>{t('allJobCategories')}</option>
                  {options(data?.byJobCategory)}
                  {data && !data.byJobCategory.some((c) => c.code === null) ? <option value={NONE}>{t('notMapped')}</option> : null}
                </Select>
              </Field>
              <Field label={t('fPersonStatus')} className={s.field}>
                <Select id="filter-status" value={filters.status} onChange={(_, d) => choose({ status: d.value as Filters['status'] })}>
                  <option value={ALL}>{t('statusCurrent')}</option>
                  {(['active', 'on-leave', 'left'] as const).map((st) => (
                    <option key={st} value={st}>
                      {data ? t('optionCount', { name: i18n.label('personStatus_', st), count: data.byStatus[st] }) : i18n.label('personStatus_', st)}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label={t('fPersonName')} className={s.field}>
                <Input id="filter-search" type="search" value={search} autoComplete="off" onChange={(_, d) => setSearch(d.value)} />
              </Field>
              <Button type="submit" appearance="primary" id="people-search">
                {t('peopleSearch')}
              </Button>
              <Button type="button" onClick={clear}>
                {t('peopleClear')}
              </Button>
            </div>
          </fieldset>
        </form>
        <p id="people-status" role="status" aria-live="polite" className={s.status}>
          {status && 'key' in status ? say(status) : ''}
        </p>
        {error ? <ErrorState error={error} onRetry={() => setAttempt((n) => n + 1)} /> : null}
        {!data && !error ? <LoadingState /> : null}
        {data ? (
          <>
            <DataTable id="people-table" label={t('peopleTable')} columns={columns} items={data.people} rowKey={(p) => p.id} empty={t('peopleNone')} emptyHint={t('peopleNoneHint')} />
            {pages > 1 ? (
              <nav className={s.pager} aria-label={t('peopleTable')}>
                <Button disabled={page <= 1} onClick={() => setPage(page - 1)}>
                  {t('previousPage')}
                </Button>
                <span>{t('pageOfTotal', { page, pages })}</span>
                <Button disabled={page >= pages} onClick={() => setPage(page + 1)}>
                  {t('nextPage')}
                </Button>
              </nav>
            ) : null}
          </>
        ) : null}
      </section>
      {data ? (
        <section className={s.section} aria-labelledby="people-summary-title" id="people-summary">
          <h3 id="people-summary-title" className={s.h3}>
            {t('peopleSummary')}
          </h3>
          <Text id="people-status-summary">{t('peopleStatusSummary', { active: data.byStatus.active, onLeave: data.byStatus['on-leave'], left: data.byStatus.left })}</Text>
          <BarChart
            title={t('peopleSummaryChart')}
            bars={data.byService.map((c) => ({
              key: c.code ?? NONE,
              label: countName(c),
              value: c.count,
              max: current,
              summary: t('peopleSummaryItem', { name: countName(c), count: c.count }),
              warn: c.code === null,
            }))}
          />
        </section>
      ) : null}
    </div>
  );
}
