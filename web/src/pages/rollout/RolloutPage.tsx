import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { JourneysTab } from './JourneysTab';
import { ServicesTab } from './ServicesTab';

type TabId = 'services' | 'journeys';

/**
 * "Déploiement" (the rollout dashboard): how far each service's rollout went and what holds it, and
 * each person's arrival, move or departure. IT administration acts (start, retry, skip, confirm the
 * telephone numbers, stop); human resources read both tabs; managers read the services only.
 * Tabs stay mounted once visited.
 */
export default function RolloutPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const it = hasRole(me, 'ITAdmin');
  const tabs: TabId[] = ['services'];
  if (it || hasRole(me, 'HR')) tabs.push('journeys');
  const [tab, setTab] = useState<TabId>('services');
  const [visited, setVisited] = useState<Set<TabId>>(() => new Set(['services']));
  const panel = (id: TabId, content: ReactNode) => (
    <div key={id} role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={tab !== id}>
      {visited.has(id) ? content : null}
    </div>
  );
  return (
    <section aria-labelledby="rollout-title">
      <h2 id="rollout-title">{t('rolloutTitle')}</h2>
      <TabList
        selectedValue={tab}
        aria-label={t('rolloutSections')}
        onTabSelect={(_, d) => {
          const next = d.value as TabId;
          setTab(next);
          setVisited((v) => new Set(v).add(next));
        }}
      >
        {tabs.map((id) => (
          <Tab key={id} value={id} id={`tab-${id}`} aria-controls={`panel-${id}`}>
            {t(id === 'services' ? 'rolloutTabServices' : 'rolloutTabPeople')}
          </Tab>
        ))}
      </TabList>
      {panel('services', <ServicesTab canAct={it} />)}
      {tabs.includes('journeys') ? panel('journeys', <JourneysTab canAct={it} />) : null}
    </section>
  );
}
