import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { privateKeyFrom, signRequest, type RelayRequest } from '../../shared/relay/contract';
import { SAMPLE_QUERIES } from '../../dev/relay/sample-data';
import { IT_ONLY, STAFF, auditLines, startRelayStack, type RelayStack } from './support';

/**
 * The agent's promises under faults, through the Service Bus emulator: forged, tampered and
 * expired requests refused and recorded; malformed messages dead-lettered without personal
 * information; duplicates answered once; an agent killed mid-request answers exactly once after
 * restart; SIGTERM finishes in-flight work; a lost broker is reconnected to.
 */

/** A member query made slow on purpose (a recursive count), so a test can act while it runs. */
const SLOW_MEMBER_QUERY = SAMPLE_QUERIES.memberByNumber.replace(
  'WHERE member_number = @memberNumber',
  'WHERE member_number = @memberNumber AND (WITH RECURSIVE spin(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM spin WHERE x < 12000000) SELECT count(*) FROM spin) > 0',
);

async function sendRaw(stack: RelayStack, body: unknown, messageId: string = randomUUID()) {
  const sender = stack.bus.createSender('relay-requests');
  try {
    await sender.sendMessages({ body, messageId, contentType: 'application/json' });
  } finally {
    await sender.close();
  }
}

describe('refusals and duplicates (agent in process)', () => {
  let stack: RelayStack;
  beforeAll(async () => {
    stack = await startRelayStack();
    await stack.startAgent();
  });
  afterAll(async () => stack?.stop());

  it('refuses a request signed with another key, and records it', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const genuine = stack.client.sign('lookupMember', { memberNumber: 'M00001' }, STAFF);
    const { signature: _s, kid: _k, ...unsigned } = genuine;
    const forged = signRequest(unsigned, { kid: stack.relay.kid, privateKey });
    await sendRaw(stack, forged);
    const dead = await waitForDeadLetters(stack, 1);
    expect(dead[0]!.deadLetterReason).toBe('InvalidSignature');
    expect(await stack.drainReplies(forged.replyToSessionId, 500)).toEqual([]);
    expect(auditLines(stack.relay).find((l) => l.requestId === forged.id)).toMatchObject({ outcome: 'refused', code: 'bad_signature' });
  });

  it('refuses a genuine request whose parameters were changed after signing', async () => {
    const genuine = stack.client.sign('lookupMember', { memberNumber: 'M00001' }, STAFF);
    const tampered: RelayRequest = { ...genuine, params: { memberNumber: 'M00002' } };
    await sendRaw(stack, tampered);
    const escalated: RelayRequest = { ...stack.client.sign('getDocument', { documentId: 'DOC-000007' }, STAFF), user: { oid: STAFF.oid, roles: ['Staff', 'RecordsManager'] } };
    await sendRaw(stack, escalated);
    const dead = await waitForDeadLetters(stack, 2);
    expect(dead.map((d) => d.deadLetterReason)).toEqual(['InvalidSignature', 'InvalidSignature']);
  });

  it('refuses an expired request without running it', async () => {
    const now = Date.now();
    const expired = signRequest(
      { ...unsignedOf(stack.client.sign('lookupMember', { memberNumber: 'M00003' }, STAFF)), issuedAt: new Date(now - 300_000).toISOString(), expiresAt: new Date(now - 120_000).toISOString() },
      { kid: stack.relay.kid, privateKey: privateKeyFrom(stack.relay.privateKeyPem) },
    );
    await sendRaw(stack, expired);
    const dead = await waitForDeadLetters(stack, 1);
    expect(dead[0]!.deadLetterReason).toBe('RequestExpired');
    expect(auditLines(stack.relay).find((l) => l.requestId === expired.id)).toMatchObject({ outcome: 'refused', code: 'expired' });
  });

  it('dead-letters malformed messages with a reason that repeats none of their content', async () => {
    await sendRaw(stack, { hello: 'Geneviève Tremblay, M00001' });
    await sendRaw(stack, 'not json at all: Tremblay');
    const dead = await waitForDeadLetters(stack, 2);
    for (const d of dead) {
      expect(d.deadLetterReason).toBe('MalformedRequest');
      expect(`${d.deadLetterReason} ${d.deadLetterErrorDescription}`).not.toMatch(/Tremblay|M00001/);
    }
  });

  it('answers a request delivered twice exactly once', async () => {
    const request = stack.client.sign('getCase', { caseNumber: stack.relay.mission.cases[0]!.caseNumber }, STAFF);
    await sendRaw(stack, request, `${request.id}-a`);
    await sendRaw(stack, request, `${request.id}-b`);
    const replies = await stack.drainReplies(request.replyToSessionId, 1_500);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.outcome).toBe('ok');
    const audit = auditLines(stack.relay).filter((l) => l.requestId === request.id);
    expect(audit.map((l) => l.outcome).sort()).toEqual(['duplicate', 'ok']);
  });

  it('refuses unknown operations, missing roles and invalid input with distinct outcomes', async () => {
    const unknown = await stack.client.call('dropTables' as never, {}, STAFF, 5_000);
    const noRole = await stack.client.call('lookupMember', { memberNumber: 'M00001' }, IT_ONLY, 5_000);
    const invalid = await stack.client.call('lookupMember', { memberNumber: "M1' OR 1=1 --" }, STAFF, 5_000);
    expect(unknown.kind === 'replied' && unknown.reply).toMatchObject({ outcome: 'denied', code: 'unknown_operation' });
    expect(noRole.kind === 'replied' && noRole.reply).toMatchObject({ outcome: 'denied', code: 'role_missing' });
    expect(invalid.kind === 'replied' && invalid.reply).toMatchObject({ outcome: 'invalid', problems: [expect.objectContaining({ path: 'memberNumber' })] });
    expect(JSON.stringify(invalid.kind === 'replied' && invalid.reply)).not.toContain('OR 1=1');
  });
});

function unsignedOf(request: RelayRequest) {
  const { signature: _s, kid: _k, ...rest } = request;
  return rest;
}

async function waitForDeadLetters(stack: RelayStack, count: number) {
  const found = [];
  const deadline = Date.now() + 10_000;
  while (found.length < count && Date.now() < deadline) found.push(...(await stack.deadLetters()));
  expect(found).toHaveLength(count);
  return found;
}

describe('agent process faults', () => {
  let stack: RelayStack;
  beforeAll(async () => {
    // A generous shutdown deadline: on a loaded machine the slow query can take several seconds.
    stack = await startRelayStack({ lockSeconds: 4, agentConfig: { shutdownDeadlineSeconds: 30, mission: { queries: { memberByNumber: SLOW_MEMBER_QUERY } } } });
  });
  afterAll(async () => stack?.stop());

  function requestState(id: string): string | undefined {
    try {
      const db = new Database(path.join(stack.relay.dataDir, 'requests.sqlite'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT state FROM requests WHERE id = ?').get(id) as { state: string } | undefined)?.state;
      } finally {
        db.close();
      }
    } catch {
      return undefined;
    }
  }

  async function waitForState(id: string, state: string) {
    const deadline = Date.now() + 90_000;
    while (requestState(id) !== state) {
      if (Date.now() > deadline) throw new Error(`request never reached ${state}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('answers exactly once when the agent is SIGKILLed mid-request and restarted', async () => {
    const first = await stack.spawnAgent();
    await first.waitFor(/agent\.ready/);
    const request = stack.client.sign('lookupMember', { memberNumber: 'M00010' }, STAFF);
    await stack.client.send(request);
    await waitForState(request.id, 'started');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await stack.drainReplies(request.replyToSessionId, 300)).toEqual([]);

    const second = await stack.spawnAgent();
    try {
      await second.waitFor(/agent\.ready/);
      // Returns as soon as the reply is in (then waits 1.5 s for a duplicate): the bound only
      // matters on a loaded machine, where the lock expiry and the slow query both stretch.
      const replies = await stack.drainReplies(request.replyToSessionId, 120_000);
      expect(replies, second.output()).toHaveLength(1);
      expect(replies[0]).toMatchObject({ requestId: request.id, outcome: 'ok' });
      expect(requestState(request.id)).toBe('sent');
      // The answer was produced once: by the second agent, or by the first just before the kill
      // (then the second only sent the stored reply: 'replayed'). Later copies (a lock lost while
      // the slow query held the event loop) are recorded as duplicates and not answered again.
      const audit = auditLines(stack.relay).filter((l) => l.requestId === request.id);
      expect(audit.filter((l) => l.code !== 'replayed' && l.outcome !== 'duplicate')).toEqual([expect.objectContaining({ outcome: 'ok' })]);
    } finally {
      // Never left running: a stray agent would take the next test's request.
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 240_000);

  it('on SIGTERM finishes the request in flight, then exits cleanly', async () => {
    const agent = await stack.spawnAgent();
    await agent.waitFor(/agent\.ready/);
    const request = stack.client.sign('lookupMember', { memberNumber: 'M00011' }, STAFF);
    await stack.client.send(request);
    await waitForState(request.id, 'started').catch((e: unknown) => {
      agent.child.kill('SIGKILL');
      throw e;
    });
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toMatch(/agent\.stopped/);
    expect(agent.output()).not.toMatch(/agent\.abandoned_in_flight/);
    const replies = await stack.drainReplies(request.replyToSessionId, 60_000);
    expect(replies, agent.output()).toHaveLength(1);
    expect(replies[0]!.outcome).toBe('ok');
    expect(stack.emulator.counts('relay-requests'), agent.output()).toMatchObject({ active: 0 });
  }, 180_000);
});

describe('agent shutdown when a request held the event loop past its lock', () => {
  let stack: RelayStack;
  beforeAll(async () => {
    // A query that blocks the agent's event loop (SQLite is synchronous) far longer than the 2 s
    // lock, on any machine: the SDK cannot renew the lock meanwhile, as on a loaded machine. The
    // broker hands the message out again at each lock expiry (to this same link, which has credit):
    // a high delivery count keeps that from dead-lettering it, which is not what is tested here.
    const slower = SLOW_MEMBER_QUERY.replace('x < 12000000', 'x < 40000000');
    stack = await startRelayStack({ lockSeconds: 2, requestsMaxDeliveryCount: 100, agentConfig: { shutdownDeadlineSeconds: 120, mission: { queries: { memberByNumber: slower } } } });
  });
  afterAll(async () => stack?.stop());

  it('answers once, keeps its connection, and settles the answered message before exiting', async () => {
    const agent = await stack.spawnAgent();
    await agent.waitFor(/agent\.ready/);
    const request = stack.client.sign('lookupMember', { memberNumber: 'M00012' }, STAFF);
    await stack.client.send(request);
    // Wait until it is started: the query then holds the event loop; SIGTERM is handled once it lets go.
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const db = new Database(path.join(stack.relay.dataDir, 'requests.sqlite'), { readonly: true, fileMustExist: false });
      try {
        if ((db.prepare('SELECT state FROM requests WHERE id = ?').get(request.id) as { state?: string } | undefined)?.state) break;
      } catch {
        // not created yet
      } finally {
        db.close();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.output()).not.toMatch(/agent\.disconnected/);
    // The lock was lost while the loop was held: the agent tried to take the answered message back
    // and complete it before exiting.
    const settling = /"event":"agent\.settled_lost_locks","settled":(\d+),"left":(\d+)/.exec(agent.output());
    expect(settling, agent.output()).not.toBeNull();
    expect(Number(settling![1]) + Number(settling![2])).toBe(1);
    if (settling![2] !== '0') {
      // Not within its shutdown budget (on a loaded machine the message may stay locked to the
      // closing link that long): the next agent finds it answered in the idempotency store and
      // completes it without answering again.
      const next = await stack.spawnAgent();
      await next.waitFor(/agent\.ready/);
      const deadline = Date.now() + 120_000;
      while (stack.emulator.counts('relay-requests').active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    }
    const replies = await stack.drainReplies(request.replyToSessionId, 60_000);
    expect(replies, agent.output()).toHaveLength(1);
    expect(stack.emulator.counts('relay-requests'), agent.output()).toMatchObject({ active: 0, deadLettered: 0 });
  }, 480_000);
});
