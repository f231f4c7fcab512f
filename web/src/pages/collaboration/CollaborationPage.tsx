import { TabbedPage, type PageTab } from '../../components/TabbedPage';
import { useI18n } from '../../i18n/i18n';
import { hasRole, useSession } from '../../session';
import { AdminTab } from './AdminTab';
import { RequestsTab } from './RequestsTab';
import { SpacesTab } from './SpacesTab';
import { TemplatesTab } from './TemplatesTab';

/**
 * "Espaces" (Teams collaboration spaces): staff ask for a project space and the people who decide
 * approve or refuse it; everyone sees their spaces with their folder tree and the organisation's
 * document templates; IT administration sees every space, runs verify, apply and repair, and approves
 * the changes that wait for it.
 */
export default function CollaborationPage() {
  const { t } = useI18n();
  const { me } = useSession();
  const tabs: PageTab[] = [
    { id: 'requests', label: t('tabSpaceRequests'), content: <RequestsTab /> },
    { id: 'spaces', label: t('collaborationTabSpaces'), content: <SpacesTab /> },
  ];
  if (hasRole(me, 'ITAdmin')) tabs.push({ id: 'admin', label: t('collaborationTabAdmin'), content: <AdminTab /> });
  tabs.push({ id: 'templates', label: t('collaborationTabTemplates'), content: <TemplatesTab /> });
  return <TabbedPage titleId="collaboration-title" title={t('collaborationTitle')} sectionsLabel={t('collaborationSections')} tabs={tabs} />;
}
