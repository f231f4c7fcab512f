import { TabbedPage } from '../../components/TabbedPage';
import { useI18n } from '../../i18n/i18n';
import { DirectoryTab } from './DirectoryTab';
import { EventsTab } from './EventsTab';
import { UnmappedTab } from './UnmappedTab';

/**
 * "Personnel": the staff directory for human resources and IT administration (GET /api/people,
 * /events, /unmapped). The API decides who may read it (HR, ITAdmin); this page shows it in words.
 */
export default function PeoplePage() {
  const { t } = useI18n();
  return (
    <TabbedPage
      titleId="people-title"
      title={t('peopleTitle')}
      sectionsLabel={t('peopleSections')}
      tabs={[
        { id: 'directory', label: t('tabPeople'), content: <DirectoryTab /> },
        { id: 'events', label: t('tabPeopleEvents'), content: <EventsTab /> },
        { id: 'unmapped', label: t('tabPeopleUnmapped'), content: <UnmappedTab /> },
      ]}
    />
  );
}
