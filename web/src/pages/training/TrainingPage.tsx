import { TabbedPage, type PageTab } from '../../components/TabbedPage';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { ComplianceTab } from './ComplianceTab';
import { MyTrainingTab } from './MyTrainingTab';
import { TeamTab } from './TeamTab';

/**
 * "Mes formations" (GET /api/training/...): everyone's own modules; a manager's team; compliance
 * for human resources and IT administration. A quiz in progress or filters survive a tab switch.
 */
export default function TrainingPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const tabs: PageTab[] = [{ id: 'mine', label: t('tabMyTraining'), content: <MyTrainingTab /> }];
  if (hasRole(me, 'Manager')) tabs.push({ id: 'team', label: t('tabTeamTraining'), content: <TeamTab /> });
  if (hasRole(me, 'HR', 'ITAdmin')) tabs.push({ id: 'compliance', label: t('tabCompliance'), content: <ComplianceTab /> });
  return <TabbedPage titleId="training-title" title={t('trainingTitle')} sectionsLabel={t('trainingSections')} tabs={tabs} />;
}
