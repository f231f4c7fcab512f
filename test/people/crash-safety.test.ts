import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPeople } from '../../shared/people/sync';
import { drainSubscription, startPeopleStack, syncDeps, type PeopleStack } from './people-stack';
import { runWorker as run } from '../support/child-worker';

/**
 * A sync process SIGKILLed between storing a change and publishing it, and between publishing and
 * clearing the outbox, then a clean run: every event arrives, and none twice.
 */
let stack: PeopleStack;

beforeAll(async () => {
  stack = await startPeopleStack();
  await syncPeople(syncDeps());
  await drainSubscription(stack.bus, 'training');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function runWorker(crashAt?: string) {
  return run(path.join(__dirname, 'crash-worker.ts'), crashAt ? { CRASH_AT: crashAt } : {});
}

describe('people sync crash safety', { timeout: 180_000 }, () => {
  it('SIGKILL after storing and after publishing, then a clean run: each event delivered exactly once', async () => {
    const staff = stack.sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled).map((u) => u.id);
    const changed = staff.slice(3, 8);
    const services = ['Direction générale', 'Relations du travail', 'Services juridiques', 'Administration et finances', 'Ressources informationnelles', 'Communications et mobilisation'];
    for (const [i, id] of changed.entries()) {
      const current = stack.sandbox.tenant.users.find((u) => u.id === id)!.department;
      await stack.control.updatePerson(id, { department: services.find((s, j) => s !== current && j >= i % services.length) ?? services.find((s) => s !== current)! });
    }

    expect((await runWorker('after-store:2')).outcome).toBe('killed');
    expect((await runWorker('after-publish:1')).outcome).toBe('killed');
    const clean = await runWorker();
    expect(clean, clean.out).toMatchObject({ outcome: 'exited', code: 0 });

    const events = await drainSubscription(stack.bus, 'training');
    expect(events.map((e) => `${e.kind}:${e.personId}`).sort()).toEqual(changed.map((id) => `moved:${id}`).sort());
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // Nothing left half-done: no outbox holds an event, a further run publishes nothing.
    expect(await syncDeps().store.withPendingEvents()).toEqual([]);
    await syncPeople(syncDeps());
    expect(await drainSubscription(stack.bus, 'training')).toEqual([]);
  });
});
