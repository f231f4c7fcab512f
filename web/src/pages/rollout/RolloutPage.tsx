import { TabbedPage, type PageTab } from '../../components/TabbedPage';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { JourneysTab } from './JourneysTab';
import { ServicesTab } from './ServicesTab';

/**
 * "Déploiement" (the rollout dashboard): how far each service's rollout went and what holds it, and
 * each person's arrival, move or departure. IT administration acts (start, retry, skip, confirm the
 * telephone numbers, stop); human resources read both tabs; managers read the services only.
 */
export default function RolloutPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const it = hasRole(me, 'ITAdmin');
  const tabs: PageTab[] = [{ id: 'services', label: t('rolloutTabServices'), content: <ServicesTab canAct={it} /> }];
  if (it || hasRole(me, 'HR')) tabs.push({ id: 'journeys', label: t('rolloutTabPeople'), content: <JourneysTab canAct={it} /> });
  return <TabbedPage titleId="rollout-title" title={t('rolloutTitle')} sectionsLabel={t('rolloutSections')} tabs={tabs} />;
}
