import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

/** What a real notification endpoint received: validation handshakes and notification POSTs. */
interface Received {
  path: string;
  validationToken: string | null;
  contentType: string | undefined;
  body: { value?: Array<Record<string, unknown>> } | null;
  /** The status the listener answered. */
  status: number;
}

type Mode = 'ok' | 'fail' | 'wrong-echo' | 'html';

/**
 * A real HTTP listener on loopback, as the app's notification endpoint would be: echoes the
 * validation token (or fails, per `validation`), and answers notifications with `status` (or
 * `failNext` 500s first).
 */
class Listener {
  readonly received: Received[] = [];
  validation: Mode = 'ok';
  /** While set, notification POSTs on /notify wait for release() before being answered. */
  private held: Array<() => void> | null = null;
  /** 500s to answer on /notify before accepting again (the lifecycle URL keeps accepting). */
  failNext = 0;
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const token = url.searchParams.get('validationToken');
        const text = Buffer.concat(chunks).toString('utf8');
        const entry: Received = { path: url.pathname, validationToken: token, contentType: req.headers['content-type'], body: token === null && text ? JSON.parse(text) : null, status: 202 };
        this.received.push(entry);
        if (token !== null) {
          if (this.validation === 'fail') return void res.writeHead(500).end();
          if (this.validation === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(token);
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          return void res.end(this.validation === 'wrong-echo' ? encodeURIComponent(token) : token);
        }
        if (this.failNext > 0 && url.pathname === '/notify') {
          this.failNext--;
          entry.status = 500;
          return void res.writeHead(500).end();
        }
        if (this.held && url.pathname === '/notify') return void this.held.push(() => res.writeHead(202).end());
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const answer of held) answer();
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Every notification item accepted on a path, in arrival order. */
  items(path = '/notify'): Array<Record<string, unknown>> {
    return this.posts(path).filter((r) => r.status < 300).flatMap((r) => r.body!.value ?? []);
  }

  /** Notification POSTs on a path, failed ones included. */
  posts(path = '/notify'): Received[] {
    return this.received.filter((r) => r.path === path && r.body);
  }
}

/** Waits on a condition with a generous bound: the machine is shared and loaded. */
async function until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

let sandbox: M365Sandbox;
let graph: Client;
let control: SandboxControl;
let listener: Listener;
let userId: string;
let otherUserId: string;

beforeAll(async () => {
  // Retries every 300 ms for 3 s instead of every 10 minutes for 4 hours.
  sandbox = await startM365Sandbox({ notifications: { retryIntervalMs: 300, retryForMs: 3000 } });
  graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
  control = new SandboxControl(sandbox);
  listener = new Listener();
  await listener.start();
  userId = sandbox.tenant.staffIds[2]!;
  otherUserId = sandbox.tenant.staffIds[3]!;
});
afterAll(async () => {
  await sandbox?.stop();
  await listener?.stop();
});
beforeEach(async () => {
  for (const s of await control.subscriptions()) await graph.api(`/subscriptions/${s.id}`).delete().catch(() => undefined);
  await control.dropNotifications({});
  listener.release();
  listener.validation = 'ok';
  listener.failNext = 0;
  listener.received.length = 0;
});

const subscribe = (overrides: Record<string, unknown> = {}, prefer?: string) => {
  const request = graph.api('/subscriptions');
  if (prefer) request.header('Prefer', prefer);
  return request.post({
    changeType: 'created,updated,deleted',
    notificationUrl: `${listener.url}/notify?source=graph`,
    lifecycleNotificationUrl: `${listener.url}/lifecycle`,
    resource: `users/${userId}/messages`,
    expirationDateTime: inHours(48),
    clientState: 'secret-client-state-123',
    ...overrides,
  }) as Promise<{ id: string; resource: string; changeType: string; clientState: string; notificationUrl: string; expirationDateTime: string; applicationId: string; lifecycleNotificationUrl: string }>;
};

const graphError = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a Graph error'); }, (e: { statusCode: number; code: string; message: string }) => ({ status: e.statusCode, code: e.code, message: e.message }));

describe('M365 sandbox: change notification subscriptions', () => {
  it('creates a subscription after the validation handshake on both URLs, and returns the subscription resource', async () => {
    const created = await subscribe();
    expect(created).toMatchObject({
      resource: `users/${userId}/messages`, changeType: 'created,updated,deleted', clientState: 'secret-client-state-123',
      notificationUrl: `${listener.url}/notify?source=graph`, lifecycleNotificationUrl: `${listener.url}/lifecycle`, applicationId: 'sandbox-app',
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const handshakes = listener.received.filter((r) => r.validationToken !== null);
    expect(handshakes.map((h) => h.path).sort()).toEqual(['/lifecycle', '/notify']);
    // The token is opaque text the endpoint must URL-decode; the request is text/plain; the URL's own query is kept.
    expect(handshakes[0]!.validationToken).toMatch(/^Validation: .+ /);
    expect(handshakes[0]!.contentType).toMatch(/^text\/plain/);
    expect(await graph.api(`/subscriptions/${created.id}`).get()).toMatchObject({ id: created.id, expirationDateTime: created.expirationDateTime });
    expect((await graph.api('/subscriptions').get()).value.map((s: { id: string }) => s.id)).toEqual([created.id]);
    expect((await control.subscriptions()).map((s) => s.userId)).toEqual([userId]);
  });

  it('refuses the subscription with 400 when the endpoint fails the handshake, answers HTML or echoes the token still encoded', async () => {
    listener.validation = 'fail';
    expect(await graphError(subscribe())).toEqual({ status: 400, code: 'ValidationError', message: 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.' });
    listener.validation = 'wrong-echo';
    expect(await graphError(subscribe())).toMatchObject({ status: 400, code: 'ValidationError', message: expect.stringContaining('must exactly match validationToken') });
    listener.validation = 'html';
    expect(await graphError(subscribe())).toMatchObject({ status: 400, code: 'ValidationError' });
    // An endpoint nobody listens on.
    expect(await graphError(subscribe({ notificationUrl: 'http://127.0.0.1:9/notify' }))).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(await control.subscriptions()).toEqual([]);
  });

  it('answers 400 with Graph error bodies for bad fields, without calling the endpoint', async () => {
    const cases: Array<[Record<string, unknown>, string, string | RegExp]> = [
      [{ changeType: 'created,moved' }, 'InvalidRequest', /changeType/],
      [{ changeType: undefined }, 'InvalidRequest', /changeType/],
      [{ notificationUrl: 'http://example.com/notify' }, 'InvalidRequest', /HTTPS/],
      [{ notificationUrl: 'not a url' }, 'InvalidRequest', /notificationUrl/],
      [{ lifecycleNotificationUrl: 'ftp://127.0.0.1/x' }, 'InvalidRequest', /lifecycleNotificationUrl/],
      [{ clientState: 'x'.repeat(129) }, 'InvalidRequest', /clientState/],
      [{ expirationDateTime: new Date(Date.now() - 60_000).toISOString() }, 'InvalidRequest', 'Subscription expiration can only be in the future.'],
      [{ expirationDateTime: inHours(24 * 7 + 1) }, 'ExtensionError', 'Subscription expiration can only be 10080 minutes in the future.'],
      [{ expirationDateTime: 'tomorrow' }, 'InvalidRequest', /expirationDateTime/],
      [{ resource: 'users/x/events' }, 'InvalidRequest', /resource/],
      [{ resource: 'me/messages' }, 'BadRequest', /delegated/],
    ];
    for (const [fields, code, message] of cases) {
      const error = await graphError(subscribe(fields));
      expect(error, JSON.stringify(fields)).toMatchObject({ status: 400, code });
      expect(error.message, JSON.stringify(fields)).toMatch(message);
    }
    expect(listener.received).toEqual([]);
    // The longest lifetime Outlook allows is accepted; a folder by well-known name too.
    await expect(subscribe({ expirationDateTime: new Date(Date.now() + 10_079 * 60_000).toISOString(), resource: `users/${userId}/mailFolders('inbox')/messages` })).resolves.toMatchObject({ resource: `users/${userId}/mailFolders('inbox')/messages` });
  });

  it('renews with PATCH, deletes with DELETE, and another app sees neither', async () => {
    const created = await subscribe();
    const later = inHours(100);
    const renewed = await graph.api(`/subscriptions/${created.id}`).patch({ expirationDateTime: later });
    expect(Date.parse(renewed.expirationDateTime)).toBe(Date.parse(later));
    expect(await graphError(graph.api(`/subscriptions/${created.id}`).patch({ expirationDateTime: inHours(200) }))).toMatchObject({ status: 400, code: 'ExtensionError' });
    expect(await graphError(graph.api(`/subscriptions/${created.id}`).patch({ clientState: 'other' }))).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const other = createSandboxGraphClient(sandbox, { maxRetries: 0, token: `x.${Buffer.from(JSON.stringify({ appid: 'other-app' })).toString('base64url')}.y` });
    expect(await graphError(other.api(`/subscriptions/${created.id}`).get())).toMatchObject({ status: 404 });
    expect((await other.api('/subscriptions').get()).value).toEqual([]);
    await graph.api(`/subscriptions/${created.id}`).delete();
    expect(await graphError(graph.api(`/subscriptions/${created.id}`).get())).toMatchObject({ status: 404 });
    await control.addMessage(userId, { subject: 'Après la suppression' });
    await control.addMessage(userId, { subject: 'Témoin' });
    // Nothing arrives for a deleted subscription: a live one on another mailbox proves deliveries still run.
    await subscribe({ resource: `users/${otherUserId}/messages` });
    await control.addMessage(otherUserId, { subject: 'Témoin' });
    await until(() => listener.items(), (items) => items.length === 1, 'the live subscription notification');
    expect(listener.items()[0]!.resource).toMatch(new RegExp(`^Users/${otherUserId}/Messages/`));
  });

  it('stops notifying and forgets a subscription past its expiration', async () => {
    const short = await subscribe({ expirationDateTime: new Date(Date.now() + 4000).toISOString() });
    await until(() => graph.api('/subscriptions').get() as Promise<{ value: unknown[] }>, (r) => r.value.length === 0, 'the subscription to expire');
    expect(await graphError(graph.api(`/subscriptions/${short.id}`).get())).toMatchObject({ status: 404 });
    const forced = await subscribe();
    await control.expireSubscription(forced.id);
    expect(await control.subscriptions()).toEqual([]);
    await control.addMessage(userId, { subject: 'Personne ne le saura' });
    const witness = await subscribe({ resource: `users/${otherUserId}/messages` });
    await control.addMessage(otherUserId, { subject: 'Témoin' });
    await until(() => listener.items(), (items) => items.length === 1, 'the witness notification');
    expect(listener.items().map((i) => i.subscriptionId)).toEqual([witness.id]);
    // A short subscription was also told to reauthorize (less than an hour left), on its lifecycle URL.
    expect(listener.items('/lifecycle').filter((i) => i.subscriptionId === short.id).map((i) => i.lifecycleEvent)).toEqual(['reauthorizationRequired']);
  });
});

describe('M365 sandbox: change notifications', () => {
  it('notifies created, updated and deleted with ids only, clientState echoed, batched into few POSTs', async () => {
    const subscription = await subscribe();
    const added = await control.addMessage(userId, { subject: 'Grief 2026-114 : confidentiel', bodyText: 'Contenu à ne jamais transmettre' });
    await control.updateMessage(userId, added.id, { isRead: true });
    await control.deleteMessage(userId, added.id);
    const items = await until(() => listener.items(), (i) => i.length === 3, 'three notifications');
    // Graph does not promise an order across POSTs: the three kinds, whatever the order.
    expect(items.map((i) => i.changeType).sort()).toEqual(['created', 'deleted', 'updated']);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['changeType', 'clientState', 'id', 'resource', 'resourceData', 'subscriptionExpirationDateTime', 'subscriptionId', 'tenantId']);
      expect(item).toMatchObject({ subscriptionId: subscription.id, clientState: 'secret-client-state-123', tenantId: sandbox.tenant.tenantId, subscriptionExpirationDateTime: subscription.expirationDateTime });
      expect(item.resource).toBe(`Users/${userId}/Messages/${added.restId}`);
      expect(item.resourceData).toEqual({ '@odata.type': '#Microsoft.Graph.Message', '@odata.id': `Users/${userId}/Messages/${added.restId}`, '@odata.etag': expect.stringMatching(/^W\/"/), id: added.restId });
    }
    // No content of any kind: no subject, body, sender or address anywhere in what was posted.
    const raw = JSON.stringify(listener.posts());
    expect(raw).not.toMatch(/Grief|confidentiel|Contenu|externe@|Expéditeur/);
    expect(listener.posts()[0]!.contentType).toMatch(/^application\/json/);
  });

  it('uses immutable ids when the subscription was created with Prefer IdType="ImmutableId"; raw deliveries and sendMail to a colleague notify too', async () => {
    await subscribe({}, 'IdType="ImmutableId"');
    const added = await control.addMessage(userId, { subject: 'Immuable' });
    const [created] = await until(() => listener.items(), (i) => i.length === 1, 'the created notification');
    expect((created!.resourceData as { id: string }).id).toBe(added.id);
    expect(created!.resource).toBe(`Users/${userId}/Messages/${added.id}`);
    const raw = await control.addRawMessage(userId, 'From: a@exemple.ca\r\nTo: b@exemple.ca\r\nSubject: Brut\r\n\r\nCorps\r\n');
    await until(() => listener.items(), (i) => i.length === 2, 'the raw delivery notification');
    expect(listener.items()[1]).toMatchObject({ changeType: 'created', resourceData: { id: raw.id } });
    const upn = sandbox.tenant.users.find((u) => u.id === userId)!.userPrincipalName;
    await graph.api(`/users/${otherUserId}/sendMail`).post({ message: { subject: 'Bonjour', body: { contentType: 'text', content: 'x' }, toRecipients: [{ emailAddress: { address: upn } }] } });
    await until(() => listener.items(), (i) => i.length === 3, 'the sendMail delivery notification');
    expect(listener.items()[2]).toMatchObject({ changeType: 'created', resource: expect.stringMatching(new RegExp(`^Users/${userId}/Messages/AAkALg`)) });
  });

  it('reports a move as deleted in the source folder and created in the target for folder subscriptions, updated for the mailbox', async () => {
    const inbox = await subscribe({ resource: `users/${userId}/mailFolders('inbox')/messages` });
    const archive = await subscribe({ resource: `users/${userId}/mailFolders/archive/messages` });
    const mailbox = await subscribe();
    const added = await control.addMessage(userId, { subject: 'À déplacer' });
    await until(() => listener.items(), (i) => i.length === 2, 'created in the inbox and the mailbox');
    listener.received.length = 0;
    const moved = await control.moveMessage(userId, added.id, 'archive');
    const items = await until(() => listener.items(), (i) => i.length === 3, 'three move notifications');
    const bySubscription = new Map(items.map((i) => [i.subscriptionId, i]));
    expect(bySubscription.get(inbox.id)).toMatchObject({ changeType: 'deleted', resourceData: { id: added.restId } });
    expect(bySubscription.get(archive.id)).toMatchObject({ changeType: 'created', resourceData: { id: moved.restId } });
    expect(bySubscription.get(mailbox.id)).toMatchObject({ changeType: 'updated', resourceData: { id: moved.restId } });
    // A changeType filter holds: a created-only subscription hears nothing of an update.
    await graph.api(`/subscriptions/${mailbox.id}`).delete();
    await graph.api(`/subscriptions/${archive.id}`).delete();
    await graph.api(`/subscriptions/${inbox.id}`).delete();
    const createdOnly = await subscribe({ changeType: 'created' });
    listener.received.length = 0;
    await control.updateMessage(userId, moved.id, { isRead: true });
    const next = await control.addMessage(userId, { subject: 'Suivant' });
    const [only] = await until(() => listener.items(), (i) => i.length >= 1, 'the created notification');
    expect(only).toMatchObject({ subscriptionId: createdOnly.id, changeType: 'created', resourceData: { id: next.restId } });
    expect(listener.items()).toHaveLength(1);
  });

  it('sends notifications after the change, never inside it, and batches 100 changes into few POSTs', async () => {
    await subscribe();
    // The endpoint does not answer: if the sandbox notified inside the change, the change would never return.
    listener.hold();
    const first = await control.addMessage(userId, { subject: 'Sans attendre' });
    await until(() => listener.posts(), (p) => p.length === 1, 'the held notification POST');
    expect(listener.posts()[0]!.body!.value![0]).toMatchObject({ resourceData: { id: first.restId } });
    listener.release();
    listener.received.length = 0;
    // Changes arriving together share POSTs (a 100 ms window, at most 50 per POST).
    await Promise.all(Array.from({ length: 100 }, (_v, i) => control.addMessage(userId, { subject: `Lot ${i}` })));
    const items = await until(() => listener.items(), (i) => i.length === 100, 'a hundred notifications');
    expect(new Set(items.map((i) => (i.resourceData as { id: string }).id)).size).toBe(100);
    expect(listener.posts().length).toBeLessThan(100);
  });

  it('retries a failing endpoint, and drops after the retry period with a missed lifecycle notification', async () => {
    const subscription = await subscribe();
    listener.failNext = 2;
    await control.addMessage(userId, { subject: 'Réessayé' });
    await until(() => listener.items(), (i) => i.length === 1, 'the notification after two failures');
    expect(listener.posts()).toHaveLength(3);
    const stats = await control.notificationStats();
    expect(stats.failedAttempts).toBeGreaterThanOrEqual(2);
    // Failing for longer than the retry period (3 s here, 4 hours in Graph): dropped, then `missed`.
    listener.received.length = 0;
    listener.failNext = 1_000;
    await control.addMessage(userId, { subject: 'Perdu' });
    const missed = await until(() => listener.items('/lifecycle'), (i) => i.some((x) => x.lifecycleEvent === 'missed'), 'a missed lifecycle notification');
    expect(missed.find((x) => x.lifecycleEvent === 'missed')).toEqual({
      subscriptionId: subscription.id, subscriptionExpirationDateTime: subscription.expirationDateTime, tenantId: sandbox.tenant.tenantId,
      clientState: 'secret-client-state-123', lifecycleEvent: 'missed',
    });
    expect((await control.notificationStats()).dropped.retriesExhausted).toBeGreaterThanOrEqual(1);
    expect((await control.subscriptions())[0]!.dropped).toBeGreaterThanOrEqual(1);
  });

  it('drops the next N notifications of a mailbox on command, silently, then delivers again', async () => {
    await subscribe();
    await subscribe({ resource: `users/${otherUserId}/messages` });
    await control.dropNotifications({ mailbox: userId, count: 2 });
    await control.addMessage(userId, { subject: 'Perdu 1' });
    await control.addMessage(userId, { subject: 'Perdu 2' });
    await control.addMessage(otherUserId, { subject: 'Autre boîte' });
    const kept = await control.addMessage(userId, { subject: 'Reçu' });
    const items = await until(() => listener.items(), (i) => i.length === 2, 'two notifications');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listener.items()).toHaveLength(2);
    expect(items.map((i) => (i.resourceData as { id: string }).id)).toContain(kept.restId);
    expect(items.map((i) => i.resource as string).filter((r) => r.startsWith(`Users/${otherUserId}/`))).toHaveLength(1);
    expect(listener.items('/lifecycle')).toEqual([]);
    const stats = await control.notificationStats();
    expect(stats.dropped.fault).toBe(2);
    expect(stats.drop[userId]).toMatchObject({ remaining: 0 });
  });

  it('emits missed, reauthorizationRequired and subscriptionRemoved on command; a removed subscription is gone', async () => {
    const subscription = await subscribe();
    await control.emitLifecycle(subscription.id, 'missed');
    await control.emitLifecycle(subscription.id, 'reauthorizationRequired');
    await until(() => listener.items('/lifecycle'), (i) => i.length === 2, 'two lifecycle notifications');
    expect(await graph.api(`/subscriptions/${subscription.id}/reauthorize`).post({})).toBeUndefined();
    await control.emitLifecycle(subscription.id, 'subscriptionRemoved');
    const events = await until(() => listener.items('/lifecycle'), (i) => i.length === 3, 'the removal notice');
    expect(events.map((e) => e.lifecycleEvent).sort()).toEqual(['missed', 'reauthorizationRequired', 'subscriptionRemoved']);
    expect(listener.items()).toEqual([]);
    expect(await graphError(graph.api(`/subscriptions/${subscription.id}`).get())).toMatchObject({ status: 404 });
    await control.addMessage(userId, { subject: 'Après le retrait' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listener.items()).toEqual([]);
    // Without a lifecycleNotificationUrl nothing is sent, as in Graph.
    const bare = await subscribe({ lifecycleNotificationUrl: undefined });
    expect(await control.emitLifecycle(bare.id, 'missed')).toEqual({ sent: false, lifecycleNotificationUrl: null });
    await expect(control.request('POST', `/subscriptions/${bare.id}/lifecycle`, { event: 'bogus' })).rejects.toThrow(/400.*event/);
  });

  it('counts Graph requests per mailbox for benchmarks, and subscription requests apart', async () => {
    await control.resetRequestCounts();
    await graph.api(`/users/${userId}/mailFolders`).get();
    await graph.api(`/users/${userId}/mailFolders/inbox/messages/delta`).get();
    await graph.api('/subscriptions').get();
    const stats = await control.stats();
    expect(stats.byMailbox).toEqual({ [userId]: 2 });
    expect(stats.subscriptionRequests).toBe(1);
  });
});
