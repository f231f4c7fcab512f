import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n';
import { DirectoryTab } from './DirectoryTab';
import { EventsTab } from './EventsTab';
import { UnmappedTab } from './UnmappedTab';

type TabId = 'directory' | 'events' | 'unmapped';

/**
 * "Personnel": the staff directory for human resources and IT administration (GET /api/people,
 * /events, /unmapped). The API decides who may read it (HR, ITAdmin); this page shows it in words.
 */
export default function PeoplePage() {
  const { t } = useI18n();
  const [tab, setTab] = useState<TabId>('directory');
  // Each tab reads its data on first visit, then stays mounted: filters and results survive a switch.
  const [visited, setVisited] = useState<Set<TabId>>(() => new Set(['directory']));
  const panel = (id: TabId, content: ReactNode) => (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={tab !== id}>
      {visited.has(id) ? content : null}
    </div>
  );
  return (
    <section aria-labelledby="people-title">
      <h2 id="people-title">{t('peopleTitle')}</h2>
      <TabList
        selectedValue={tab}
        aria-label={t('peopleSections')}
        onTabSelect={(_, d) => {
          const next = d.value as TabId;
          setTab(next);
          setVisited((v) => new Set(v).add(next));
        }}
      >
        <Tab value="directory" id="tab-directory" aria-controls="panel-directory">
          {t('tabPeople')}
        </Tab>
        <Tab value="events" id="tab-events" aria-controls="panel-events">
          {t('tabPeopleEvents')}
        </Tab>
        <Tab value="unmapped" id="tab-unmapped" aria-controls="panel-unmapped">
          {t('tabPeopleUnmapped')}
        </Tab>
      </TabList>
      {panel('directory', <DirectoryTab />)}
      {panel('events', <EventsTab />)}
      {panel('unmapped', <UnmappedTab />)}
    </section>
  );
}
