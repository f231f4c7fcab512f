import { Button, Field, Select, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { saveBlob } from '../../api';
import { BarChart } from '../../components/BarChart';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, Notice, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import { rate, text, useTell, type Told } from './format';
import { ImportCompletions } from './ImportCompletions';
import { ManualCompletion } from './ManualCompletion';
import type { Compliance, GroupCount, OverdueRow, Texts } from './types';

const ALL = '*';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  fieldset: { border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, padding: tokens.spacingHorizontalM, margin: 0 },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
  row: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'flex-end' },
  field: { minWidth: '14rem' },
  h3: { margin: 0 },
});

interface Filters {
  service: string;
  jobCategory: string;
  moduleId: string;
}
const NO_FILTERS: Filters = { service: ALL, jobCategory: ALL, moduleId: ALL };

/** Names of services, job categories and modules from the unfiltered answer, so the filters keep every choice. */
interface Choices {
  services: { code: string; names: Texts | null }[];
  jobCategories: { code: string; names: Texts | null }[];
  modules: { moduleId: string; title: Texts }[];
}

/**
 * Compliance for human resources and IT administration (GET /api/training/compliance): completion by
 * service, job category and module, a chart, who is late, a CSV export; manual completions and
 * imports from another platform below.
 */
export function ComplianceTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [reload, setReload] = useState(0);
  const params = { service: filters.service === ALL ? undefined : filters.service, jobCategory: filters.jobCategory === ALL ? undefined : filters.jobCategory, moduleId: filters.moduleId === ALL ? undefined : filters.moduleId };
  const loaded = useLoad(() => api.get<Compliance>('training/compliance', params), (r) => ({ key: 'complianceFound', params: { overdue: r.overdue.length } }), [api, filters.service, filters.jobCategory, filters.moduleId, reload]);
  const data = loaded.value;
  const [choices, setChoices] = useState<Choices | null>(null);
  useEffect(() => {
    if (!data) return;
    const unfiltered = filters.service === ALL && filters.jobCategory === ALL && filters.moduleId === ALL;
    if (unfiltered)
      setChoices({
        services: data.byService.filter((c): c is GroupCount & { code: string } => c.code !== null),
        jobCategories: data.byJobCategory.filter((c): c is GroupCount & { code: string } => c.code !== null),
        modules: data.byModule,
      });
    // Only a new answer changes the choices; the filters it was asked with are read with it.
  }, [data]);
  const [exporting, setExporting] = useState(false);
  const [notice, setNotice] = useState<{ intent: 'success' | 'error'; said: Told } | null>(null);
  const tell = useTell();

  const groupName = (c: { names: Texts | null }) => (c.names ? text(i18n, c.names) : t('notMapped'));
  const exportCsv = async () => {
    setExporting(true);
    setNotice(null);
    try {
      const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
      const { blob, filename } = await api.download(`training/compliance.csv${query.size ? `?${query.toString()}` : ''}`);
      saveBlob(blob, filename ?? 'conformite-formations.csv');
      setNotice({ intent: 'success', said: { key: 'csvSaved' } });
    } catch (e) {
      setNotice({ intent: 'error', said: { key: 'csvFailed', error: e } });
    } finally {
      setExporting(false);
    }
  };
  const resend = async (row: OverdueRow) => {
    setNotice(null);
    try {
      await api.post('training/reminders/resend', { personId: row.personId, moduleId: row.moduleId });
      setNotice({ intent: 'success', said: { key: 'remindSent', params: { name: row.displayName ?? t('personUnknown') }, title: row.title } });
    } catch (e) {
      setNotice({ intent: 'error', said: { key: 'remindFailed', params: { name: row.displayName ?? t('personUnknown') }, error: e } });
    }
  };

  const groupColumns = (header: string): Column<GroupCount>[] => [
    { id: 'name', header, render: (c) => groupName(c), sortValue: (c) => groupName(c) },
    { id: 'assigned', header: t('colAssigned'), render: (c) => i18n.number(c.assigned), sortValue: (c) => c.assigned },
    { id: 'completed', header: t('colCompleted'), render: (c) => i18n.number(c.completed), sortValue: (c) => c.completed },
    { id: 'rate', header: t('colRate'), render: (c) => rate(i18n, c.completed, c.assigned), sortValue: (c) => (c.assigned ? c.completed / c.assigned : -1) },
    { id: 'overdue', header: t('colOverdue'), render: (c) => i18n.number(c.overdue), sortValue: (c) => c.overdue },
  ];
  const moduleRows = (data?.byModule ?? []).map((m) => ({ code: m.moduleId, names: m.title, assigned: m.assigned, completed: m.completed, overdue: m.overdue }));
  const overdueColumns: Column<OverdueRow>[] = [
    { id: 'person', header: t('colPerson'), render: (r) => <Text weight="semibold">{r.displayName ?? t('personUnknown')}</Text>, sortValue: (r) => r.displayName },
    { id: 'service', header: t('colService'), render: (r) => (r.serviceNames ? text(i18n, r.serviceNames) : t('notMapped')), sortValue: (r) => (r.serviceNames ? text(i18n, r.serviceNames) : '') },
    { id: 'module', header: t('colModule'), render: (r) => text(i18n, r.title), sortValue: (r) => text(i18n, r.title) },
    { id: 'due', header: t('colDueDate'), render: (r) => i18n.date(r.dueDate), sortValue: (r) => r.dueDate },
    { id: 'late', header: t('colLate'), render: (r) => t('businessDays', { days: r.overdueBusinessDays }), sortValue: (r) => r.overdueBusinessDays },
    {
      id: 'actions',
      header: t('colActions'),
      render: (r) => (
        <Button size="small" aria-label={t('remindLabel', { name: r.displayName ?? t('personUnknown'), title: text(i18n, r.title) })} onClick={() => void resend(r)}>
          {t('remind')}
        </Button>
      ),
    },
  ];
  const c = choices;
  const choose = (next: Partial<Filters>) => setFilters((f) => ({ ...f, ...next }));

  return (
    <div id="training-compliance">
      <section className={s.section} aria-labelledby="compliance-filters-title">
        <form id="compliance-filters" noValidate onSubmit={(e) => e.preventDefault()}>
          <fieldset className={s.fieldset}>
            <legend id="compliance-filters-title" className={s.legend}>
              {t('complianceFilters')}
            </legend>
            <div className={s.row}>
              <Field label={t('fService')} className={s.field}>
                <Select id="compliance-service" value={filters.service} onChange={(_, d) => choose({ service: d.value })}>
                  <option value={ALL}>{t('allServices')}</option>
                  {c?.services.map((o) => (
                    <option key={o.code} value={o.code}>
                      {groupName(o)}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label={t('fJobCategory')} className={s.field}>
                <Select id="compliance-job-category" value={filters.jobCategory} onChange={(_, d) => choose({ jobCategory: d.value })}>
                  <option value={ALL}>{t('allJobCategories')}</option>
                  {c?.jobCategories.map((o) => (
                    <option key={o.code} value={o.code}>
                      {groupName(o)}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label={t('fModule')} className={s.field}>
                <Select id="compliance-module" value={filters.moduleId} onChange={(_, d) => choose({ moduleId: d.value })}>
                  <option value={ALL}>{t('allModules')}</option>
                  {c?.modules.map((o) => (
                    <option key={o.moduleId} value={o.moduleId}>
                      {text(i18n, o.title)}
                    </option>
                  ))}
                </Select>
              </Field>
              <Button type="button" onClick={() => setFilters(NO_FILTERS)}>
                {t('peopleClear')}
              </Button>
              <Button type="button" appearance="primary" id="compliance-export" disabled={exporting} onClick={() => void exportCsv()}>
                {exporting ? t('working') : t('exportCsv')}
              </Button>
            </div>
          </fieldset>
        </form>
        <p id="compliance-status" role="status" aria-live="polite" className={s.status}>
          {loaded.status ? say(loaded.status) : ''}
        </p>
        {notice ? (
          <Notice intent={notice.intent} id="compliance-notice">
            {tell(notice.said)}
          </Notice>
        ) : null}
        {loaded.error ? <ErrorState error={loaded.error} onRetry={loaded.retry} /> : null}
        {!data && !loaded.error ? <LoadingState /> : null}
        {data ? (
          <>
            <BarChart
              title={t('complianceChart')}
              bars={data.byService.map((g) => ({
                key: g.code ?? '-',
                label: groupName(g),
                value: g.completed,
                max: g.assigned,
                summary: t('complianceChartItem', { name: groupName(g), completed: g.completed, assigned: g.assigned, rate: rate(i18n, g.completed, g.assigned) }),
                warn: g.overdue > 0,
              }))}
            />
            <Text size={200}>{t('complianceChartNote')}</Text>
          </>
        ) : null}
      </section>
      {data ? (
        <>
          <section className={s.section} aria-labelledby="compliance-groups-title">
            <h3 id="compliance-groups-title" className={s.h3}>
              {t('complianceByGroup')}
            </h3>
            <DataTable id="compliance-by-service" label={t('complianceByService')} columns={groupColumns(t('colService'))} items={data.byService} rowKey={(g) => g.code ?? '-'} empty={t('complianceNone')} emptyHint={t('complianceNoneHint')} />
            <DataTable id="compliance-by-job-category" label={t('complianceByJobCategory')} columns={groupColumns(t('colJobCategory'))} items={data.byJobCategory} rowKey={(g) => g.code ?? '-'} empty={t('complianceNone')} />
            <DataTable id="compliance-by-module" label={t('complianceByModule')} columns={groupColumns(t('colModule'))} items={moduleRows} rowKey={(g) => g.code ?? '-'} empty={t('complianceNone')} />
            <Text size={200}>{t('catalogueVersionIs', { version: data.catalogueVersion })}</Text>
          </section>
          <section className={s.section} aria-labelledby="compliance-overdue-title">
            <h3 id="compliance-overdue-title" className={s.h3}>
              {t('complianceOverdue')}
            </h3>
            <DataTable id="compliance-overdue" label={t('complianceOverdue')} columns={overdueColumns} items={data.overdue} rowKey={(r) => `${r.personId}|${r.moduleId}`} empty={t('overdueNone')} pageSize={25} />
          </section>
        </>
      ) : null}
      <ManualCompletion modules={c?.modules ?? data?.byModule ?? []} onRecorded={() => setReload((n) => n + 1)} />
      <ImportCompletions onImported={() => setReload((n) => n + 1)} />
    </div>
  );
}
