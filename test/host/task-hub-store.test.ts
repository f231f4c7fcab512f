import { describe, expect, inject, it } from 'vitest';
import { TaskHubStore, type InstanceState } from '../../dev/host/durable/task-hub-store';

/**
 * The local host's task hub store (Table storage on Azurite). An episode's messages to other
 * instances wait in its outbox until delivered; a host killed in between delivers them on its next
 * start, and must do so in the order they were sent: one orchestration's signals and calls to an
 * entity arrive in order, as the Durable extension guarantees. Their rows are keyed by request id,
 * so the table's own order is not the order sent.
 */
describe('task hub store outbox', () => {
  it('gives back undelivered messages in the order they were sent, across episodes, not in key order', async () => {
    const store = new TaskHubStore(inject('azurite').connectionString, `OutboxOrder${Date.now()}`);
    await store.ensure();
    const now = new Date().toISOString();
    const instance: InstanceState = {
      instanceId: 'orchestration-1', name: 'counterOrchestration', status: 'Running', input: 'null', output: 'null', customStatus: 'null',
      createdTime: now, lastUpdatedTime: now, parentInstanceId: '', parentTaskId: -1, nextEventId: 0, actionIds: [], retries: {},
    };
    const message = (key: string) => ({ to: '@counter@k', key, event: { EventType: 0, EventId: -1, IsPlayed: false, Timestamp: now, Name: key } });
    // Two signals then a call in one episode, a last signal in the next: keys sort the other way.
    await store.commit(instance, 0, [], [], undefined, [message('op-zz-signal-1'), message('op-yy-signal-2'), message('op-xx-call')]);
    await store.commit(instance, 0, [], [], undefined, [message('op-aa-signal-3')]);
    const { outbox } = await store.load('orchestration-1');
    expect(outbox.map((m) => m.key)).toEqual(['op-zz-signal-1', 'op-yy-signal-2', 'op-xx-call', 'op-aa-signal-3']);
  });
});
