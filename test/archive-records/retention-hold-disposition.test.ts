import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { blobServiceClient } from '../../shared/platform/adapters/clients';
import { isSampled, loadRetentionCalendar, retainUntil } from '../../shared/archive/records/retention';
import { RetentionLock } from '../../shared/archive/adapters/retention-lock';
import { assignMissingRetention } from '../../shared/archive/records/retention-assigner';
import { archiveEntry, buildMime, readEntry, startRecordsStack, type RecordsStack } from './records-stack';

let stack: RecordsStack;

beforeAll(async () => {
  stack = await startRecordsStack();
});
afterAll(async () => {
  await stack?.stop();
});

const mailbox = () => `mbx-${randomUUID()}`;
const DAY = 86_400_000;

describe('retention rules (calendrier de conservation)', () => {
  it('assigns by mailbox address, then service, then the default, from the versioned file', () => {
    const calendar = loadRetentionCalendar('config/retention-rules.json');
    expect(calendar.version).toMatch(/\S/);
    expect(calendar.assign({ mailboxId: 'x', address: 'GRIEFS@syndicat-exemple.onmicrosoft.com' }, '2026-01-15T00:00:00Z')).toEqual({ retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-01-15T00:00:00.000Z' });
    expect(calendar.assign({ mailboxId: 'x', department: 'direction générale' }, '2026-01-15T00:00:00Z')).toEqual({ retentionRuleId: 'COUR-DIR', retainUntil: null });
    // The mailbox's own assignment comes before its service's.
    expect(calendar.assign({ mailboxId: 'x', address: 'accueil@syndicat-exemple.onmicrosoft.com', department: 'Direction générale' }, '2026-01-15T00:00:00Z').retentionRuleId).toBe('COUR-GEN');
    expect(calendar.assign({ mailboxId: 'x', department: 'Informatique' }, '2026-01-15T00:00:00Z')).toEqual({ retentionRuleId: 'COUR-GEN', retainUntil: '2033-01-15T00:00:00.000Z' });
    expect(retainUntil({ ...calendar.rule('COUR-GEN')!, duration: { months: 1, days: 1 } }, '2026-01-31T12:00:00Z')).toBe('2026-03-04T12:00:00.000Z');
  });

  it('refuses a rules file naming an unknown rule or a "keep" rule with a duration, naming the problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
    const good = JSON.parse(readFileSync('config/retention-rules.json', 'utf8')) as { assignments: { default: string }; rules: { disposition: string; duration: unknown }[] };
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ ...good, assignments: { ...good.assignments, default: 'NOPE' } }));
    expect(() => loadRetentionCalendar(path.join(dir, 'a.json'))).toThrow(/assignments\.default: unknown rule id NOPE/);
    const rules = good.rules.map((r) => (r.disposition === 'keep' ? { ...r, duration: { years: 1 } } : r));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ ...good, rules }));
    expect(() => loadRetentionCalendar(path.join(dir, 'b.json'))).toThrow(/disposition "keep" goes with duration null/);
  });

  it('samples deterministically at the stated rate', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `entry-${i}`);
    const kept = ids.filter((id) => isSampled(id, 0.1)).length;
    expect(kept).toBeGreaterThan(140);
    expect(kept).toBeLessThan(260);
    expect(ids.filter((id) => isSampled(id, 0.1))).toEqual(ids.filter((id) => isSampled(id, 0.1)));
  });

  it('gives entries captured without a rule their rule and date in the daily pass', async () => {
    const { entry } = await archiveEntry(stack, { mailboxId: mailbox(), receivedAt: '2025-03-10T08:00:00Z' });
    expect(entry.retentionRuleId).toBeNull();
    expect(await assignMissingRetention(stack.services.index, stack.services.mailboxes, stack.services.calendar, stack.services.lock)).toBeGreaterThanOrEqual(1);
    const after = await readEntry(stack, entry);
    expect(after).toMatchObject({ retentionRuleId: 'COUR-GEN', retainUntil: '2032-03-10T08:00:00.000Z' });
  });
});

describe('legal hold and disposition', () => {
  it('keeps held entries, destroys expired ones with evidence, and destroys shared content only with its last reference', async () => {
    const { services } = stack;
    const m1 = mailbox();
    const m2 = mailbox();
    const expired = new Date(stack.clock.now.getTime() - DAY).toISOString();
    const shared = buildMime({ subject: 'Grief 2019-44 — pièce commune', nonce: randomUUID() });
    const a = await archiveEntry(stack, { mailboxId: m1, receivedAt: '2018-05-01T10:00:00Z', mime: shared, retentionRuleId: 'COUR-GEN', retainUntil: expired });
    const b = await archiveEntry(stack, { mailboxId: m2, receivedAt: '2018-05-01T10:00:00Z', mime: shared, retentionRuleId: 'COUR-GEN', retainUntil: expired });
    expect(b.entry.contentHash).toBe(a.entry.contentHash);
    const notDue = await archiveEntry(stack, { mailboxId: m1, receivedAt: '2025-05-01T10:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: new Date(stack.clock.now.getTime() + DAY).toISOString() });
    const alone = await archiveEntry(stack, { mailboxId: m1, receivedAt: '2018-06-01T10:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: expired });

    const hold = await services.holds.create({ matter: 'Grief 2019-44', mailboxes: [m2], from: '2018-01-01T00:00:00Z', to: '2018-12-31T23:59:59Z', participants: [] }, 'oid-records');
    expect(hold.appliedCount).toBe(1);
    expect((await readEntry(stack, b.entry))?.holds).toEqual([hold.id]);

    const first = await services.disposition.run();
    expect(first).toMatchObject({ destroyed: 2, skippedHeld: 1, contentDestroyed: 1 });
    expect(await readEntry(stack, a.entry)).toBeUndefined();
    expect(await readEntry(stack, alone.entry)).toBeUndefined();
    expect(await readEntry(stack, b.entry)).toBeDefined();
    expect(await readEntry(stack, notDue.entry)).toBeDefined();
    // The shared content stays for the held entry; the lone entry's content is gone.
    expect(await stack.content.exists(a.entry.contentHash)).toBe(true);
    expect(await stack.content.exists(alone.entry.contentHash)).toBe(false);
    expect(await services.disposition.evidence(a.entry.id)).toMatchObject({
      status: 'destroyed', contentDestroyed: false, contentHash: a.entry.contentHash, ruleId: 'COUR-GEN', rulesVersion: services.calendar.version, classificationCode: '1100-10', mailboxId: m1,
    });
    expect(await services.disposition.evidence(alone.entry.id)).toMatchObject({ status: 'destroyed', contentDestroyed: true });

    const released = await services.holds.release(hold.id, 'oid-records');
    expect(released).toMatchObject({ status: 'released', releasedBy: 'oid-records' });
    expect((await readEntry(stack, b.entry))?.holds).toEqual([]);
    const second = await services.disposition.run();
    expect(second).toMatchObject({ destroyed: 1, skippedHeld: 0, contentDestroyed: 1 });
    expect(await stack.content.exists(a.entry.contentHash)).toBe(false);
    const last = await services.disposition.evidence(b.entry.id);
    expect(last).toMatchObject({ status: 'destroyed', contentDestroyed: true });
    // Evidence names entry, hash, rule and time, never content.
    expect(JSON.stringify(last)).not.toMatch(/Grief|alice|bob|@spgq/i);
    expect(Date.parse(last!.completedAt!)).not.toBeNaN();
  });

  it('honours an active hold even on an entry that was never tagged (captured after the hold, hook not wired)', async () => {
    const m = mailbox();
    const hold = await stack.services.holds.create({ matter: 'Plainte CNESST', mailboxes: [m], from: null, to: null, participants: ['Carole@Externe.ca'] }, 'oid-records');
    expect(hold.participants).toEqual(['carole@externe.ca']);
    const expired = new Date(stack.clock.now.getTime() - DAY).toISOString();
    const withCarole = await archiveEntry(stack, { mailboxId: m, receivedAt: '2019-01-01T00:00:00Z', cc: [{ name: 'Carole', address: 'carole@externe.ca' }], retentionRuleId: 'COUR-GEN', retainUntil: expired });
    const without = await archiveEntry(stack, { mailboxId: m, receivedAt: '2019-01-02T00:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: expired });
    // Capture's hook sees the hold for a new entry.
    expect((await stack.services.assigner.assign(withCarole.entry, { mailboxId: m }))?.holds).toEqual([hold.id]);
    expect((await stack.services.assigner.assign(without.entry, { mailboxId: m }))?.holds).toBeUndefined();
    const result = await stack.services.disposition.run();
    expect(result.skippedHeld).toBeGreaterThanOrEqual(1);
    expect(await readEntry(stack, withCarole.entry)).toMatchObject({ holds: [hold.id] });
    expect(await readEntry(stack, without.entry)).toBeUndefined();
    expect((await stack.services.holds.list()).find((h) => h.id === hold.id)).toMatchObject({ status: 'active', matter: 'Plainte CNESST' });
  });


  it('does not keep forever an entry captured with a hold released meanwhile on another instance', async () => {
    const m = mailbox();
    const expired = new Date(stack.clock.now.getTime() - DAY).toISOString();
    const hold = await stack.services.holds.create({ matter: 'Grief 2019-07', mailboxes: [m], from: null, to: null, participants: [] }, 'oid-records');
    // Another instance's capture still had the hold in its list (at most seconds old) after the release.
    await stack.services.holds.release(hold.id, 'oid-records');
    const late = await archiveEntry(stack, { mailboxId: m, receivedAt: '2019-02-01T00:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: expired, holds: [hold.id] });
    const first = await stack.services.disposition.run();
    expect(first.skippedHeld).toBeGreaterThanOrEqual(1);
    // The release is finished again (the stale tag removed); the next run decides on the entry's own rule.
    expect(await readEntry(stack, late.entry)).toMatchObject({ holds: [] });
    await stack.services.disposition.run();
    expect(await readEntry(stack, late.entry)).toBeUndefined();
  });

  it('capture sees a hold made on this instance at once', async () => {
    const m = mailbox();
    const { entry } = await archiveEntry(stack, { mailboxId: m, receivedAt: '2024-01-01T00:00:00Z' });
    expect((await stack.services.assigner.assign(entry, { mailboxId: m }))?.holds).toBeUndefined();
    const hold = await stack.services.holds.create({ matter: 'Arbitrage 2024', mailboxes: [m], from: null, to: null, participants: [] }, 'oid-records');
    expect((await stack.services.assigner.assign(entry, { mailboxId: m }))?.holds).toEqual([hold.id]);
    await stack.services.holds.release(hold.id, 'oid-records');
    expect((await stack.services.assigner.assign(entry, { mailboxId: m }))?.holds).toBeUndefined();
  });
  it('keeps a "keep" rule entry and an entry without a date', async () => {
    const m = mailbox();
    const expired = new Date(stack.clock.now.getTime() - DAY).toISOString();
    const kept = await archiveEntry(stack, { mailboxId: m, receivedAt: '2010-01-01T00:00:00Z', retentionRuleId: 'COUR-DIR', retainUntil: null });
    const unknown = await archiveEntry(stack, { mailboxId: m, receivedAt: '2010-01-01T00:00:00Z', retentionRuleId: 'RETIRED-RULE', retainUntil: expired });
    const result = await stack.services.disposition.run();
    expect(result.skippedUnknownRule).toBeGreaterThanOrEqual(1);
    expect(await readEntry(stack, kept.entry)).toBeDefined();
    expect(await readEntry(stack, unknown.entry)).toBeDefined();
  });

  it('takes the Azure WORM and legal hold path when immutability is on (Azurite answers 501 Not Implemented)', async () => {
    const { entry } = await archiveEntry(stack, { mailboxId: mailbox(), receivedAt: '2020-01-01T00:00:00Z' });
    const on = new RetentionLock(blobServiceClient(), 'unlocked');
    await expect(on.setContentLegalHold(entry.contentHash, true)).rejects.toMatchObject({ statusCode: 501 });
    await expect(on.protectContentUntil(entry.contentHash, new Date(Date.now() + DAY))).rejects.toMatchObject({ statusCode: 501 });
    const off = new RetentionLock(blobServiceClient(), 'off');
    await expect(off.setContentLegalHold(entry.contentHash, true)).resolves.toBeUndefined();
  });
});
