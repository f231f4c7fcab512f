import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';
import { create_container, types, type Connection, type Session } from 'rhea';
import { describe, expect, it } from 'vitest';
import { delay, useEmulator } from './support';

const { client, emulator } = useEmulator();

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!error) throw new Error('expected the operation to fail');
  expect(isServiceBusError(error)).toBe(true);
  return error as { code?: string; message: string };
}

describe('Service Bus emulator: sessions', () => {
  it('delivers a named session in order, with its session and reply-to-session ids', async () => {
    const sender = client().createSender('sessions');
    await sender.sendMessages([
      { body: 'a1', sessionId: 'a', replyToSessionId: 'reply-a' },
      { body: 'b1', sessionId: 'b' },
      { body: 'a2', sessionId: 'a' },
      { body: 'a3', sessionId: 'a' },
    ]);
    const receiver = await client().acceptSession('sessions', 'a', { maxAutoLockRenewalDurationInMs: 0 });
    expect(receiver.sessionId).toBe('a');
    expect(receiver.sessionLockedUntilUtc.getTime()).toBeGreaterThan(Date.now());
    const got = [];
    while (got.length < 3) got.push(...(await receiver.receiveMessages(3 - got.length, { maxWaitTimeInMs: 2000 })));
    expect(got.map((m) => m.body)).toEqual(['a1', 'a2', 'a3']);
    expect(got.every((m) => m.sessionId === 'a')).toBe(true);
    expect(got[0]!.replyToSessionId).toBe('reply-a');
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();

    const next = await client().acceptNextSession('sessions', { maxAutoLockRenewalDurationInMs: 0 });
    expect(next.sessionId).toBe('b');
    const [b1] = await next.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(b1?.body).toBe('b1');
    await next.completeMessage(b1!);
    await next.close();
    expect(emulator().counts('sessions').active).toBe(0);
  });

  it('allows one receiver per session at a time', async () => {
    await client().createSender('sessions').sendMessages({ body: 'x', sessionId: 'locked' });
    const first = await client().acceptSession('sessions', 'locked', { maxAutoLockRenewalDurationInMs: 0 });
    const error = await errorOf(client().acceptSession('sessions', 'locked', { maxAutoLockRenewalDurationInMs: 0 }));
    expect(error.code).toBe('SessionCannotBeLocked');
    const [m] = await first.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await first.completeMessage(m!);
    await first.close();
    // Once released, the session can be accepted again.
    const second = await client().acceptSession('sessions', 'locked', { maxAutoLockRenewalDurationInMs: 0 });
    expect(second.sessionId).toBe('locked');
    await second.close();
  });

  it('times out accepting the next session when none is free', async () => {
    // The SDK sends its operation timeout in the attach (com.microsoft:timeout); the broker honours it.
    const quick = new ServiceBusClient(emulator().connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 1500 } });
    try {
      const started = Date.now();
      const error = await errorOf(quick.acceptNextSession('sessions', { maxAutoLockRenewalDurationInMs: 0 }));
      expect(error.code).toBe('ServiceTimeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    } finally {
      await quick.close();
    }
  });

  it('waits for a session to become available when accepting the next one', async () => {
    const pending = client().acceptNextSession('sessions', { maxAutoLockRenewalDurationInMs: 0 });
    await delay(300);
    await client().createSender('sessions').sendMessages({ body: 'late', sessionId: 'arrives-later' });
    const receiver = await pending;
    expect(receiver.sessionId).toBe('arrives-later');
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.body).toBe('late');
    await receiver.completeMessage(m!);
    await receiver.close();
  });

  it('gets and sets session state', async () => {
    const receiver = await client().acceptSession('sessions', 'stateful', { maxAutoLockRenewalDurationInMs: 0 });
    expect(await receiver.getSessionState()).toBeNull();
    await receiver.setSessionState({ step: 2, etat: 'en cours' });
    expect(await receiver.getSessionState()).toEqual({ step: 2, etat: 'en cours' });
    await receiver.close();
    const again = await client().acceptSession('sessions', 'stateful', { maxAutoLockRenewalDurationInMs: 0 });
    expect(await again.getSessionState()).toEqual({ step: 2, etat: 'en cours' });
    await again.close();
  });

  it('renews the session lock; an expired session lock frees the session and its messages', async () => {
    await client().createSender('short-sessions').sendMessages({ body: 's', sessionId: 'short' });
    const receiver = await client().acceptSession('short-sessions', 'short', { maxAutoLockRenewalDurationInMs: 0 });
    await delay(600);
    const renewed = await receiver.renewSessionLock();
    expect(renewed.getTime()).toBeGreaterThan(Date.now() + 500);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.body).toBe('s');
    await delay(1300);
    const error = await errorOf(receiver.completeMessage(m!));
    expect(['SessionLockLost', 'MessageLockLost']).toContain(error.code);
    await receiver.close();
    const other = await client().acceptSession('short-sessions', 'short', { maxAutoLockRenewalDurationInMs: 0 });
    const [again] = await other.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(again?.body).toBe('s');
    expect(again?.deliveryCount).toBe(1);
    await other.completeMessage(again!);
    await other.close();
  });
});

describe('Service Bus emulator: a client ending a session that waits for a session lock', () => {
  // A client may end its AMQP session while the broker still holds the attach of a link waiting
  // for a message session (the SDK's session listeners do when they stop waiting). The broker then
  // sends nothing more for that link: a detach after its end lands on a released channel, which the
  // client treats as a protocol error and answers by dropping the connection with all its links.
  it('keeps the connection: no frame for the waiting link after the session ended', async () => {
    const protocolErrors: string[] = [];
    const connection: Connection = create_container().connect({ host: '127.0.0.1', port: emulator().port, reconnect: false });
    connection.on('protocol_error', (ctx) => protocolErrors.push(String(ctx.error)));
    connection.on('disconnected', () => protocolErrors.push('disconnected'));
    await new Promise((resolve) => connection.once('connection_open', resolve));
    // Each wait also ends if the connection drops, so a broken broker fails on the assertions below.
    const dropped = new Promise((resolve) => connection.once('disconnected', resolve));
    const ended = (session: Session) => Promise.race([dropped, new Promise((resolve) => session.once('session_close', resolve))]);
    for (let i = 0; i < 3; i++) {
      const session = connection.create_session();
      session.begin();
      // Frames are ordered on the connection: the broker has this attach (and holds it: no session
      // has messages) before it reads the end.
      session.attach_receiver({
        source: { address: 'sessions', filter: { 'com.microsoft:session-filter': types.wrap_described(null, 0x137000000c) } },
        properties: { 'com.microsoft:timeout': types.wrap_uint(60_000) },
        credit_window: 0,
        autoaccept: false,
      } as never);
      session.close();
      await ended(session);
    }
    // A round trip on a new session after the ended ones: anything the broker sent for them came first.
    const session = connection.create_session();
    session.begin();
    const sender = session.attach_sender({ target: { address: 'basic' } });
    await Promise.race([dropped, new Promise((resolve) => sender.once('sendable', resolve))]);
    expect(protocolErrors).toEqual([]);
    expect(connection.is_open()).toBe(true);
    connection.close();
  });
});

describe('Service Bus emulator: session processing with subscribe', () => {
  it('processes a session with subscribe in order and settles every message', async () => {
    const sender = client().createSender('sessions');
    await sender.sendMessages(Array.from({ length: 30 }, (_, i) => ({ body: i, sessionId: 'flow' })));
    const receiver = await client().acceptSession('sessions', 'flow', { maxAutoLockRenewalDurationInMs: 0 });
    const bodies: number[] = [];
    await new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            bodies.push(message.body as number);
            if (bodies.length === 30) resolve();
          },
          processError: async (args) => reject(args.error),
        },
        { maxConcurrentCalls: 1 },
      );
    });
    // subscribe completes each message once its handler returns; wait for the last completions.
    for (let i = 0; i < 30 && emulator().counts('sessions').active > 0; i++) await delay(100);
    await receiver.close();
    expect(bodies).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(emulator().counts('sessions').active).toBe(0);
  });
});
