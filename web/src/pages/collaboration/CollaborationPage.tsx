import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { AdminTab } from './AdminTab';
import { SpacesTab } from './SpacesTab';
import { TemplatesTab } from './TemplatesTab';

type TabId = 'spaces' | 'admin' | 'templates';

const TAB_LABELS: Record<TabId, MessageKey> = { spaces: 'collaborationTabSpaces', admin: 'collaborationTabAdmin', templates: 'collaborationTabTemplates' };

/**
 * "Espaces" (GET /api/collaboration/...): everyone's own spaces and their folder tree, the
 * organisation's document templates, and for IT administration every space, the runs and approvals.
 * Tabs show by role; the API checks the roles again.
 */
export default function CollaborationPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const tabs: TabId[] = ['spaces'];
  if (hasRole(me, 'ITAdmin')) tabs.push('admin');
  tabs.push('templates');
  const [tab, setTab] = useState<TabId>('spaces');
  // Each tab reads its data on first visit, then stays mounted: a run followed or a selection survives a switch.
  const [visited, setVisited] = useState<Set<TabId>>(() => new Set(['spaces']));
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
      {panel('spaces', <SpacesTab />)}
      {tabs.includes('admin') ? panel('admin', <AdminTab />) : null}
      {panel('templates', <TemplatesTab />)}
    </section>
  );
}
