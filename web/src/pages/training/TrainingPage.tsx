import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { ComplianceTab } from './ComplianceTab';
import { MyTrainingTab } from './MyTrainingTab';
import { TeamTab } from './TeamTab';

type TabId = 'mine' | 'team' | 'compliance';

const TAB_LABELS: Record<TabId, MessageKey> = { mine: 'tabMyTraining', team: 'tabTeamTraining', compliance: 'tabCompliance' };

/**
 * "Mes formations" (GET /api/training/...): everyone's own modules; a manager's team; compliance
 * for human resources and IT administration. Tabs show by role; the API checks the roles again.
 */
export default function TrainingPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const tabs: TabId[] = ['mine'];
  if (hasRole(me, 'Manager')) tabs.push('team');
  if (hasRole(me, 'HR', 'ITAdmin')) tabs.push('compliance');
  const [tab, setTab] = useState<TabId>('mine');
  // Each tab reads its data on first visit, then stays mounted: a quiz in progress or filters survive a switch.
  const [visited, setVisited] = useState<Set<TabId>>(() => new Set(['mine']));
  const panel = (id: TabId, content: ReactNode) => (
    <div key={id} role={tabs.length > 1 ? 'tabpanel' : undefined} id={`panel-${id}`} aria-labelledby={tabs.length > 1 ? `tab-${id}` : undefined} hidden={tab !== id}>
      {visited.has(id) ? content : null}
    </div>
  );
  return (
    <section aria-labelledby="training-title">
      <h2 id="training-title">{t('trainingTitle')}</h2>
      {tabs.length > 1 ? (
        <TabList
          selectedValue={tab}
          aria-label={t('trainingSections')}
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
      ) : null}
      {panel('mine', <MyTrainingTab />)}
      {tabs.includes('team') ? panel('team', <TeamTab />) : null}
      {tabs.includes('compliance') ? panel('compliance', <ComplianceTab />) : null}
    </section>
  );
}
