import { onTimer } from '../triggers';
import { settings } from '../../shared/platform/settings';
import { drainDeadLetters } from '../../shared/relay/deadletter-drain';
import { relayDeadLetterPorts } from '../../shared/relay/adapters/relay-services';

/**
 * Timer `relayDeadLetterDrain` (RELAY_DEADLETTER_SCHEDULE, every 10 minutes by default; read here,
 * not as a %binding% expression, so no infrastructure setting is needed for it): empties the
 * relay queues' dead-letter queues into the relay's audit trail (ids, reason codes, times) so no
 * request (user, parameters) or reply (mission data) lingers in the cloud
 * (docs/decisions/0005-onprem-relay.md, "What may exist in the cloud").
 */
onTimer('relayDeadLetterDrain', {
  event: 'relay.deadletter_drain',
  schedule: settings().relay.deadLetterSchedule,
  async handle(log) {
    const s = settings();
    const { ports, close } = relayDeadLetterPorts();
    try {
      const drained = await drainDeadLetters(ports, [s.relay.requestsQueue, s.relay.repliesQueue]);
      // Counts per queue only: the alert on a growing dead-letter rate keys on this event.
      log.info('relay.deadletters_drained', { drained });
    } finally {
      await close();
    }
  },
});
