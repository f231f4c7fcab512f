import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleMailboxRuns } from '../../shared/archive/capture/schedule';
import { allEntries, runMailboxQueued, startCaptureStack, type CaptureStack } from './capture-stack';

/**
 * The app's capture, wired as in the app (records services' retention hook, the shipped
 * config/retention-rules.json) against the Microsoft 365 sandbox's seeded tenant: the griefs
 * mailbox's mail is captured under COUR-GRIEF, the executive's (Direction générale) under COUR-DIR,
 * everyone else's under COUR-GEN.
 */
let stack: CaptureStack;

beforeAll(async () => {
  stack = await startCaptureStack({ sandbox: { scale: { messagesPerMailbox: 6 } } });
}, 60_000);
afterAll(() => stack?.stop());

describe('retention calendar applied at capture', () => {
  it('griefs COUR-GRIEF, the executive COUR-DIR, the rest COUR-GEN', async () => {
    const s = stack.services;
    // The timer's job: the scope from the directory, each mailbox's record (with its service).
    await scheduleMailboxRuns({ directory: s.directory, state: s.state, queue: { enqueue: async () => undefined } }, new Date());
    const scope = await s.directory.mailboxesInScope();
    const large = stack.sandbox.tenant.largeMessage?.userId;
    const griefs = scope.find((m) => m.address.startsWith('griefs@'))!;
    const executive = scope.find((m) => m.department === 'Direction générale' && m.kind === 'staff' && m.mailboxId !== large)!;
    const other = scope.find((m) => m.department === 'Services juridiques' && m.mailboxId !== large)!;
    const expected = new Map([[griefs.mailboxId, 'COUR-GRIEF'], [executive.mailboxId, 'COUR-DIR'], [other.mailboxId, 'COUR-GEN']]);
    for (const mailboxId of expected.keys()) expect((await runMailboxQueued(stack, mailboxId)).status).toBe('done');
    for (const [mailboxId, rule] of expected) {
      const entries = await allEntries(mailboxId);
      expect(entries.length).toBeGreaterThan(0);
      expect([...new Set(entries.map((e) => e.retentionRuleId))]).toEqual([rule]);
    }
  }, 180_000);
});
