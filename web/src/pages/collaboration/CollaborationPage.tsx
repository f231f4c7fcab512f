import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { RequestsTab } from './RequestsTab';

/*
 * Tabs of the "Espaces" page. The first is the project space requests.
 * >>> A "Mes espaces" tab (the spaces themselves, GET /api/collaboration/spaces) goes here:
 *     add 'spaces' to TabId and TAB_LABELS (key tabMySpaces), push it in `tabs` below, and add its
 *     panel('spaces', <SpacesTab />) next to the requests panel.
 */
type TabId = 'requests';

const TAB_LABELS: Record<TabId, MessageKey> = { requests: 'tabSpaceRequests' };

/**
 * "Espaces" (Teams collaboration spaces): staff ask for a project space, and the people who decide
 * approve or refuse in the same tab. Tabs stay mounted once visited: a form being filled survives a switch.
 */
export default function CollaborationPage() {
  const { t } = useI18n();
  const tabs: TabId[] = ['requests'];
  // >>> "Mes espaces": tabs.push('spaces');
  const [tab, setTab] = useState<TabId>('requests');
  const [visited, setVisited] = useState<Set<TabId>>(() => new Set(['requests']));
  const panel = (id: TabId, content: ReactNode) => (
    <div key={id} role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={tab !== id}>
      {visited.has(id) ? content : null}
    </div>
  );
  return (
    <section aria-labelledby="collaboration-title">
      <h2 id="collaboration-title">{t('collaborationTitle')}</h2>
      <TabList
        selectedValue={tab}
        aria-label={t('collaborationSections')}
        onTabSelect={(_, d) => {
          const next = d.value as TabId;
          setTab(next);
          setVisited((v) => new Set(v).add(next));
        }}
      >
        {tabs.map((id) => (
          <Tab key={id} value={id} id={`tab-${id}`} aria-controls={`panel-${id}`}>
            {t(TAB_LABELS[id])}
          </Tab>
        ))}
      </TabList>
      {panel('requests', <RequestsTab />)}
      {/* >>> "Mes espaces" panel: {tabs.includes('spaces') ? panel('spaces', <SpacesTab />) : null} */}
    </section>
  );
}
