import { Text, makeStyles, tokens } from '@fluentui/react-components';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorState, LoadingState, useSay } from '../../components/States';
import { useLoad } from '../../components/useLoad';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session';
import type { UnmappedReport, UnmappedValue } from './types';

const useStyles = makeStyles({
  status: { margin: 0 },
  section: { marginTop: tokens.spacingVerticalL, padding: tokens.spacingHorizontalL, backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusLarge, border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h3: { margin: 0 },
  details: { display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalL}`, margin: 0, '& dt': { fontWeight: tokens.fontWeightSemibold }, '& dd': { margin: 0 } },
});

/**
 * Directory values the catalogue does not map, so HR sees what to fix (in the directory, or IT in
 * the catalogue), with the catalogue's version and what the last synchronisation did.
 */
export function UnmappedTab() {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useSession();
  const say = useSay();
  const { value: report, error, status, retry } = useLoad(() => api.get<UnmappedReport>('people/unmapped'), (r) => (r.values.length ? { key: 'unmappedFound', params: { count: r.values.length } } : { key: 'unmappedNone' }), [api]);

  const columns: Column<UnmappedValue>[] = [
    { id: 'attribute', header: t('colAttribute'), render: (v) => i18n.label('attribute_', v.attribute), sortValue: (v) => i18n.label('attribute_', v.attribute) },
    { id: 'value', header: t('colValue'), render: (v) => t('quotedValue', { value: v.value }), sortValue: (v) => v.value },
    { id: 'people', header: t('colPeople'), render: (v) => i18n.number(v.people), sortValue: (v) => v.people },
  ];
  const run = report?.lastRun ?? null;

  return (
    <div id="people-unmapped">
      <section className={s.section} aria-labelledby="unmapped-title">
        <h3 id="unmapped-title" className={s.h3}>
          {t('unmappedTable')}
        </h3>
        <Text>{t('unmappedIntro')}</Text>
        <Text>{t('unmappedHowTo')}</Text>
        <p id="unmapped-status" role="status" aria-live="polite" className={s.status}>
          {status ? say(status) : ''}
        </p>
        {error ? <ErrorState error={error} onRetry={retry} /> : null}
        {!report && !error ? <LoadingState /> : null}
        {report ? <DataTable id="unmapped-table" label={t('unmappedTable')} columns={columns} items={report.values} rowKey={(v) => `${v.attribute}:${v.value}`} empty={t('unmappedNone')} emptyHint={t('unmappedNoneHint')} /> : null}
      </section>
      {report ? (
        <section className={s.section} aria-labelledby="last-sync-title">
          <h3 id="last-sync-title" className={s.h3}>
            {t('lastSync')}
          </h3>
          <dl id="last-sync" className={s.details}>
            <dt>{t('catalogueVersion')}</dt>
            <dd>{report.catalogueVersion}</dd>
            {run ? (
              <>
                <dt>{t('syncAt')}</dt>
                <dd>{i18n.dateTime(run.at)}</dd>
                <dt>{t('syncMode')}</dt>
                <dd>{i18n.label('syncMode_', run.mode)}</dd>
                <dt>{t('syncOutcome')}</dt>
                <dd>{i18n.label('syncOutcome_', run.outcome)}</dd>
                <dt>{t('syncEvents')}</dt>
                <dd>{i18n.number(run.events)}</dd>
                {run.error ? (
                  <>
                    <dt>{t('syncError')}</dt>
                    <dd>{run.error}</dd>
                  </>
                ) : null}
              </>
            ) : null}
          </dl>
          {run ? null : <Text>{t('lastSyncNever')}</Text>}
        </section>
      ) : null}
    </div>
  );
}
