import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayStack, STAFF, type RelayStack } from './support';

/**
 * The app's reply session is received in receive-and-delete mode, for which the SDK renews no
 * session lock; Service Bus then releases the session when its lock expires (LockDuration). Until
 * the app noticed, every call waited for a reply nobody received and answered 202 until a restart.
 * Here the reply queue's lock lasts 5 seconds (Azure's minimum) and the client is left idle well
 * past it, so the loss happens through the broker's own lock expiry, whichever way the emulator
 * reports it (a quiet release, or a detach with session-lock-lost as Azure does).
 */
let stack: RelayStack;

beforeAll(async () => {
  stack = await startRelayStack({ repliesLockSeconds: 5 });
  await stack.startAgent();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('reply session', () => {
  it('keeps answering after its session lock expired while idle', async () => {
    const member = stack.relay.mission.members[1]!;
    const first = await stack.client.call('lookupMember', { memberNumber: member.memberNumber }, STAFF, 20_000);
    expect(first.kind).toBe('replied');
    // Idle for three lock durations: nothing but the app itself can keep the session.
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    const second = await stack.client.call('lookupMember', { memberNumber: member.memberNumber }, STAFF, 20_000);
    expect(second.kind).toBe('replied');
    const third = await stack.client.call('lookupMember', { memberNumber: member.memberNumber }, STAFF, 20_000);
    expect(third.kind).toBe('replied');
  }, 90_000);

  it('detects the lock lost while the process stalled (a loaded machine, a long pause) and accepts the session again', async () => {
    const member = stack.relay.mission.members[2]!;
    expect((await stack.client.call('lookupMember', { memberNumber: member.memberNumber }, STAFF, 20_000)).kind).toBe('replied');
    const reopenedBefore = stack.client.sessionReopened;
    // The whole process stalls for longer than the lock (nothing can renew it): when it resumes,
    // the broker's lock timer has released the session before any renewal reaches it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 8_000);
    const after = await stack.client.call('lookupMember', { memberNumber: member.memberNumber }, STAFF, 20_000);
    expect(after.kind).toBe('replied');
    expect(stack.client.sessionReopened).toBeGreaterThan(reopenedBefore);
  }, 90_000);
});
