import { describe, expect, it } from 'vitest';
import { seedTenant } from '../../dev/m365-sandbox/tenant-seed';
import { MODEL_VERSION, type MailboxRecord } from '../../shared/archive/model';
import { CalendarMismatchError, calendarMismatches, loadRetentionCalendar, type MailboxFacts } from '../../shared/archive/records/retention';
import { CalendarCheck, RecordsAssigner, applyRetentionCalendar } from '../../shared/archive/records/retention-assigner';
import { archived, recordsOverFakes } from '../fakes/archive-records';

/**
 * The calendar (config/retention-rules.json) applied from the mailbox's facts: its assignments name
 * what the directory really has, a key the directory does not know is refused before anything is
 * assigned, and the daily pass corrects entries captured under a rule their mailbox no longer has,
 * in the direction that keeps mail longer only.
 */
const calendar = loadRetentionCalendar('config/retention-rules.json');

/** The sandbox tenant as the archive sees it: mailboxes with their address and service. */
function sandboxMailboxes(): Array<MailboxFacts & { shared: boolean }> {
  return seedTenant(20260101)
    .users.filter((u) => u.hasMailbox)
    .map((u) => ({ mailboxId: u.id, address: u.userPrincipalName, department: u.department, shared: u.isSharedMailbox }));
}

function record(facts: MailboxFacts): MailboxRecord {
  return {
    id: 'mailbox', type: 'mailbox', mailboxId: facts.mailboxId, address: facts.address ?? `${facts.mailboxId}@syndicat-exemple.onmicrosoft.com`, displayName: facts.mailboxId, kind: 'staff',
    department: facts.department ?? null, accountEnabled: true, firstSeenAt: '2026-01-01T00:00:00.000Z', lastSeenInScopeAt: '2026-01-01T00:00:00.000Z', goneAt: null, version: MODEL_VERSION,
  };
}

describe('retention calendar against the directory', () => {
  it('the sample assignments name the sandbox tenant: griefs COUR-GRIEF, the executive (Direction générale) COUR-DIR, the rest COUR-GEN', () => {
    const mailboxes = sandboxMailboxes();
    expect(calendarMismatches(calendar.rules, mailboxes)).toEqual([]);
    const griefs = mailboxes.find((m) => m.address?.startsWith('griefs@'))!;
    expect(calendar.ruleFor(griefs).id).toBe('COUR-GRIEF');
    const executive = mailboxes.filter((m) => m.department === 'Direction générale' && !m.shared);
    expect(executive.length).toBeGreaterThan(2);
    for (const m of executive) expect(calendar.ruleFor(m).id).toBe('COUR-DIR');
    const rest = mailboxes.filter((m) => m !== griefs && !executive.includes(m));
    expect(rest.length).toBeGreaterThan(20);
    for (const m of rest) expect(calendar.ruleFor(m).id).toBe('COUR-GEN');
  });

  it('refuses, naming the key, an assignment to a service or a mailbox the directory does not know; a transient directory error is not remembered', async () => {
    const fakes = recordsOverFakes();
    const known = sandboxMailboxes().filter((m) => m.department !== 'Direction générale');
    let calls = 0;
    let failing = true;
    const check = new CalendarCheck(calendar, async () => {
      calls++;
      if (failing) throw Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
      return known;
    });
    const assigner = new RecordsAssigner(calendar, fakes.holds, check);
    const message = { mailboxId: known[0]!.mailboxId, receivedAt: '2026-02-01T00:00:00Z', from: null, to: [], cc: [], bcc: [] };
    await expect(assigner.assign(message, known[0])).rejects.toThrow(/Service Unavailable/);
    failing = false;
    const refused = await assigner.assign(message, known[0]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CalendarMismatchError);
    // Without the Direction générale service, the service and the Accueil mailbox are unknown.
    expect((refused as CalendarMismatchError).keys).toEqual([
      'assignments.services["Direction générale"]: no mailbox of the directory has this service (department)',
      'assignments.mailboxes[1] ("…@syndicat-exemple.onmicrosoft.com"): no mailbox of the directory has this id or address',
    ]);
    expect(calls).toBe(2);
    // Remembered for a while (not one Graph listing per message), still refused.
    await expect(assigner.assign(message, known[0])).rejects.toThrow(/assignments\.services\["Direction générale"\]/);
    expect(calls).toBe(2);
  });

  it('a caller that knows only the mailbox id still gets the mailbox’s rule, from the facts the check read', async () => {
    const fakes = recordsOverFakes();
    const mailboxes = sandboxMailboxes();
    const assigner = new RecordsAssigner(calendar, fakes.holds, new CalendarCheck(calendar, async () => mailboxes));
    const executive = mailboxes.find((m) => m.department === 'Direction générale' && !m.shared)!;
    const message = { mailboxId: executive.mailboxId, receivedAt: '2026-02-01T00:00:00Z', from: null, to: [], cc: [], bcc: [] };
    expect(await assigner.assign(message, undefined)).toMatchObject({ retentionRuleId: 'COUR-DIR', retainUntil: null });
    expect(await assigner.assign(message, { mailboxId: executive.mailboxId })).toMatchObject({ retentionRuleId: 'COUR-DIR' });
  });

  it('the daily pass corrects entries captured under the wrong rule when the right one keeps them longer, and leaves the shorter ones for a records manager', async () => {
    const fakes = recordsOverFakes();
    const executive: MailboxFacts = { mailboxId: 'mbx-dg', address: 'dg@syndicat-exemple.onmicrosoft.com', department: 'Direction générale' };
    const staff: MailboxFacts = { mailboxId: 'mbx-ri', address: 'ti@syndicat-exemple.onmicrosoft.com', department: 'Ressources informationnelles' };
    fakes.mailboxes.docs.push(record(executive), record(staff));
    const wrongGen = archived(fakes, { mailboxId: executive.mailboxId, receivedAt: '2026-02-01T10:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: '2033-02-01T10:00:00.000Z' });
    const wrongGrief = archived(fakes, { mailboxId: staff.mailboxId, receivedAt: '2026-02-01T10:00:00Z', retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-02-01T10:00:00.000Z' });
    const right = archived(fakes, { mailboxId: staff.mailboxId, receivedAt: '2026-02-02T10:00:00Z', retentionRuleId: 'COUR-GEN', retainUntil: '2033-02-02T10:00:00.000Z' });

    const result = await fakes.passes.disposition();
    expect(result).toMatchObject({ assigned: 0, corrected: 1, needsReview: 1 });
    const entry = (e: { id: string; pk: string }) => fakes.index.entry(e);
    expect(entry(wrongGen)).toMatchObject({ retentionRuleId: 'COUR-DIR', retainUntil: null });
    expect(entry(wrongGrief)).toMatchObject({ retentionRuleId: 'COUR-GRIEF', retainUntil: '2036-02-01T10:00:00.000Z' });
    expect(entry(right)).toMatchObject({ retentionRuleId: 'COUR-GEN' });
    expect(await applyRetentionCalendar(fakes.index, fakes.mailboxes, calendar, fakes.lock)).toEqual({ assigned: 0, corrected: 0, needsReview: 1 });
  });
});
