import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { AdminTab } from './AdminTab';
import { RequestsTab } from './RequestsTab';
import { SpacesTab } from './SpacesTab';
import { TemplatesTab } from './TemplatesTab';

/** Tabs of the "Espaces" page: project space requests, one's own spaces, IT's administration, the document templates. */
type TabId = 'requests' | 'spaces' | 'admin' | 'templates';

const TAB_LABELS: Record<TabId, MessageKey> = {
  requests: 'tabSpaceRequests',
  spaces: 'collaborationTabSpaces',
  admin: 'collaborationTabAdmin',
  templates: 'collaborationTabTemplates',
};

/**
 * "Espaces" (Teams collaboration spaces): staff ask for a project space and the people who decide
 * approve or refuse it; everyone sees their spaces with their folder tree and the organisation's
 * document templates; IT administration sees every space, runs verify, apply and repair, and approves
 * the changes that wait for it. Tabs show by role (the API checks again) and stay mounted once
 * visited: a form being filled or a run being followed survives a switch.
 */
export default function CollaborationPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const tabs: TabId[] = ['requests', 'spaces'];
  if (hasRole(me, 'ITAdmin')) tabs.push('admin');
  tabs.push('templates');
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
      {panel('spaces', <SpacesTab />)}
      {tabs.includes('admin') ? panel('admin', <AdminTab />) : null}
      {panel('templates', <TemplatesTab />)}
    </section>
  );
}
