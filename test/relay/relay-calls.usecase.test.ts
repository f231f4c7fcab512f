import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { callRelay, callRelayForActivity, relayStatus, RelayUnavailable } from '../../shared/relay/relay-calls';
import { fakeRelay } from '../fakes/relay';

/** The relay's use cases on in-memory ports: no emulator, every outcome. */
const alice = { oid: '11111111-1111-4111-8111-111111111111', roles: ['Staff' as const] };
const bob = { oid: '22222222-2222-4222-8222-222222222222', roles: ['Staff' as const] };
const T0 = Date.parse('2026-12-05T12:00:00Z');

function online(relay: ReturnType<typeof fakeRelay>, now = T0) {
  relay.heartbeats.beats = [{ agentId: 'a1', agentVersion: '1', at: new Date(now - 1_000).toISOString(), startedAt: new Date(now - 60_000).toISOString(), inFlight: 0, handled: 3, connected: true }];
}

describe('relay use cases', () => {
  it('answers with the agent’s result, sending the caller’s identity and roles', async () => {
    const relay = fakeRelay(() => T0);
    online(relay);
    relay.transport.script.set('lookupMember', { outcome: 'ok', result: { members: [] } });
    const outcome = await callRelay(relay.ports, 'lookupMember', { memberNumber: 'M00042' }, alice);
    expect(outcome).toMatchObject({ kind: 'result', result: { members: [] } });
    expect(relay.transport.calls).toEqual([{ operation: 'lookupMember', params: { memberNumber: 'M00042' }, user: alice }]);
  });

  it('refuses fast when the agent is offline, without sending anything', async () => {
    const relay = fakeRelay(() => T0);
    expect(await callRelay(relay.ports, 'lookupMember', {}, alice)).toEqual({ kind: 'offline', reason: 'no_heartbeat' });
    relay.heartbeats.beats = [{ agentId: 'a1', agentVersion: '1', at: new Date(T0 - 600_000).toISOString(), startedAt: new Date(T0 - 900_000).toISOString(), inFlight: 0, handled: 0, connected: true }];
    expect(await callRelay(relay.ports, 'lookupMember', {}, alice)).toEqual({ kind: 'offline', reason: 'stale' });
    expect(relay.transport.calls).toHaveLength(0);
  });

  it('maps each refusal of the agent to its own outcome with the agent’s reason', async () => {
    const relay = fakeRelay(() => T0);
    online(relay);
    const cases = [
      [{ outcome: 'denied', code: 'role_missing' }, { kind: 'denied', reason: 'role_missing' }],
      [{ outcome: 'not_found' }, { kind: 'not_found' }],
      [{ outcome: 'invalid', code: 'schema' }, { kind: 'invalid', reason: 'schema', problems: [] }],
      [{ outcome: 'unavailable', code: 'timeout' }, { kind: 'timeout', reason: 'timeout' }],
      [{ outcome: 'unavailable', code: 'database_down' }, { kind: 'backend_unavailable', reason: 'database_down' }],
      [{ outcome: 'error' }, { kind: 'agent_error' }],
    ] as const;
    for (const [answer, expected] of cases) {
      relay.transport.script.set('lookupMember', answer);
      expect(await callRelay(relay.ports, 'lookupMember', {}, alice)).toMatchObject(expected);
    }
  });

  it('remembers a slow request for its caller only, and gives the late reply to that caller once', async () => {
    const relay = fakeRelay(() => T0);
    online(relay);
    relay.transport.script.set('lookupMember', { outcome: 'ok', result: { members: [] }, late: true });
    const pending = await callRelay(relay.ports, 'lookupMember', {}, alice);
    expect(pending.kind).toBe('pending');
    const requestId = (pending as { requestId: string }).requestId;
    expect(await relayStatus(relay.ports, requestId, bob)).toEqual({ kind: 'request_unknown' });
    expect(await relayStatus(relay.ports, requestId, alice)).toMatchObject({ kind: 'result', requestId, result: { members: [] } });
    expect(relay.pending.rows.size).toBe(0);
    expect(await relayStatus(relay.ports, requestId, alice)).toEqual({ kind: 'request_unknown' });
  });

  it('refuses a late reply signed for someone else, and audits it', async () => {
    const relay = fakeRelay(() => T0);
    online(relay);
    relay.transport.script.set('lookupMember', { outcome: 'ok', result: { members: [] }, late: true, requestedBy: bob.oid });
    const pending = (await callRelay(relay.ports, 'lookupMember', {}, alice)) as { requestId: string };
    expect(await relayStatus(relay.ports, pending.requestId, alice)).toEqual({ kind: 'reply_refused', requestId: pending.requestId, reason: 'wrong_requester' });
    expect(relay.audit.refused).toEqual([{ requester: alice.oid, requestId: pending.requestId, operation: 'lookupMember', reason: 'wrong_requester', kid: 'fake-agent' }]);
  });

  it('never lets an orchestration act on a forged, misdirected or off-schema reply', async () => {
    const relay = fakeRelay(() => T0);
    online(relay);
    const forger = generateKeyPairSync('ed25519');
    const cases = [
      [{ outcome: 'ok', result: { members: [] }, signWith: 'unsigned' }, 'unsigned'],
      [{ outcome: 'ok', result: { members: [] }, signWith: { kid: 'fake-agent', privateKey: forger.privateKey } }, 'bad_signature'],
      [{ outcome: 'ok', result: { members: [] }, requestId: '33333333-3333-4333-8333-333333333333' }, 'wrong_request'],
      [{ outcome: 'ok', result: { members: 'everyone' } }, 'bad_result'],
    ] as const;
    for (const [answer, reason] of cases) {
      relay.transport.script.set('lookupMember', answer);
      await expect(callRelayForActivity(relay.ports, 'lookupMember', {}, alice)).rejects.toMatchObject({ name: 'RelayUnavailable', code: 'relay_reply_refused', reason });
      expect(await callRelay(relay.ports, 'lookupMember', {}, alice)).toMatchObject({ kind: 'reply_refused', reason });
    }
    expect(relay.audit.refused.map((r) => r.reason)).toEqual(['unsigned', 'unsigned', 'bad_signature', 'bad_signature', 'wrong_request', 'wrong_request', 'bad_result', 'bad_result']);
  });

  it('stays pending while the request may still be answered, then times out and forgets it', async () => {
    let now = T0;
    const relay = fakeRelay(() => now);
    online(relay);
    relay.transport.script.set('lookupMember', { outcome: 'ok', result: {}, late: true });
    const { requestId } = (await callRelay(relay.ports, 'lookupMember', {}, alice)) as { requestId: string };
    relay.transport.withhold(requestId);
    expect(await relayStatus(relay.ports, requestId, alice)).toEqual({ kind: 'pending', requestId });
    now = T0 + 120_000 + 31_000;
    expect(await relayStatus(relay.ports, requestId, alice)).toEqual({ kind: 'timeout', requestId });
    expect(relay.pending.rows.size).toBe(0);
  });

  it('gives an orchestration the reply itself, or RelayUnavailable so it can retry', async () => {
    const relay = fakeRelay(() => T0);
    await expect(callRelayForActivity(relay.ports, 'lookupMember', {}, alice)).rejects.toMatchObject({ name: 'RelayUnavailable', code: 'relay_offline' });
    online(relay);
    relay.transport.script.set('lookupMember', { outcome: 'denied', code: 'role_missing' });
    expect(await callRelayForActivity(relay.ports, 'lookupMember', {}, alice)).toMatchObject({ outcome: 'denied', code: 'role_missing' });
    relay.transport.script.set('lookupMember', { outcome: 'ok', late: true });
    const error = await callRelayForActivity(relay.ports, 'lookupMember', {}, alice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayUnavailable);
    expect(error).toMatchObject({ code: 'relay_timeout' });
  });
});
