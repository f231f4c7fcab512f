import { archiveServices } from '../../shared/archive/adapters/capture-services';
import { followPeopleEvent } from '../../shared/archive/capture/people-scope';
import { PeopleEventSchema } from '../../shared/people/events';
import { onTopic } from '../triggers';

/** The archive's subscription to the people stream: joiners enrolled, movers' services refreshed. */
onTopic('archivePeopleScope', {
  event: 'archive.people',
  topicName: '%PEOPLE_EVENTS_TOPIC%',
  subscriptionName: 'archive-scope',
  sessions: true,
  schema: PeopleEventSchema,
  async handle(event, log) {
    const outcome = await followPeopleEvent(event, archiveServices(), new Date());
    log.info('archive.people', { eventId: event.id, kind: event.kind, mailboxId: event.personId, outcome });
  },
});
