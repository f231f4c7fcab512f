import { Tab, TabList } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { MailTab } from './MailTab';
import { RecordsTab } from './RecordsTab';
import type { RuleName, SearchFilter } from './types';

/**
 * "Mes courriels archivés": one's archived mail (search, read, download); for RecordsManagers a
 * second tab with the records tools. The API decides what each person may see; this page shows it.
 */
export default function ArchivePage() {
  const { t } = useI18n();
  const { api, me } = useSession();
  const isRecords = hasRole(me, 'RecordsManager');
  const [tab, setTab] = useState<'mail' | 'records'>(() => {
    const wanted = sessionStorage.getItem('spgq.archiveTab');
    sessionStorage.removeItem('spgq.archiveTab');
    return wanted === 'records' && isRecords ? 'records' : 'mail';
  });
  // Mounted on first visit (its reads are audited), then kept.
  const [recordsVisited, setRecordsVisited] = useState(tab === 'records');
  // Kept here so the records tab exports the search the mail tab last ran.
  const [filter, setFilter] = useState<SearchFilter>({});
  const [rules, setRules] = useState<RuleName[]>([]);
  useEffect(() => {
    api.get<{ items: RuleName[] }>('archive/retention-rule-names').then((r) => setRules(r.items), () => setRules([]));
  }, [api]);
  return (
    <section aria-labelledby="archive-title">
      <h2 id="archive-title">{t('archiveTitle')}</h2>
      {isRecords ? (
        <TabList selectedValue={tab} onTabSelect={(_, d) => {
            setTab(d.value as 'mail' | 'records');
            if (d.value === 'records') setRecordsVisited(true);
          }} aria-label={t('archiveTitle')}>
          <Tab value="mail" id="tab-mail">
            {t('tabMail')}
          </Tab>
          <Tab value="records" id="tab-records">
            {t('tabRecords')}
          </Tab>
        </TabList>
      ) : null}
      {/* Both stay mounted: results already shown survive a tab switch and a language switch. */}
      <div hidden={tab !== 'mail'}>
        <MailTab filter={filter} onFilter={setFilter} rules={rules} />
      </div>
      {isRecords ? <div hidden={tab !== 'records'}>{recordsVisited ? <RecordsTab filter={filter} /> : null}</div> : null}
    </section>
  );
}
