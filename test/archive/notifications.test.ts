import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CosmosClient, type Database } from '@azure/cosmos';
import { SandboxControl, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { CONTAINERS, type ArchiveSubscription, type MessageEntry } from '../../shared/archive/model';
import { clientStateFor } from '../../shared/archive/capture/notifications';
import { startAppHost, type AppHost } from '../support/app-host';

/**
 * Change notifications end to end (docs/decisions/0018): the app in the local host subscribes each
 * mailbox in scope at the Microsoft 365 sandbox (which makes the validation handshake against the
 * host's endpoint), the sandbox posts notifications as mail arrives and leaves, the endpoint enqueues
 * on the Service Bus emulator, and the worker archives into Cosmos DB and Azurite. The schedule ticks
 * every 10 s, but listening mailboxes are only swept daily: what gets archived between sweeps came
 * through notifications.
 */
const ROOT = path.resolve(__dirname, '../..');
const KEY = 'cle-de-test-des-notifications-de-l-archive-0123456789';
const WINDOW_SECONDS = 20;
let sandbox: M365Sandbox;
let control: SandboxControl;
let bus: ServiceBusEmulator;
let issuer: TokenIssuer;
let host: AppHost;
let cosmos: CosmosClient;
let db: Database;
const database = `archive-notify-${Math.random().toString(36).slice(2, 8)}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `check` gives a value (generous bounds: this machine is shared). */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}\n${host.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function subscriptionsDocs(): Promise<ArchiveSubscription[]> {
  const { resources } = await db.container(CONTAINERS.subscriptions).items.query<ArchiveSubscription>("SELECT * FROM c WHERE c.type = 'subscription'").fetchAll();
  return resources;
}

async function entryBySubject(mailboxId: string, subject: string): Promise<MessageEntry | undefined> {
  const { resources } = await db.container(CONTAINERS.messages).items
    .query<MessageEntry>({ query: 'SELECT * FROM c WHERE c.mailboxId = @m AND c.subject = @s', parameters: [{ name: '@m', value: mailboxId }, { name: '@s', value: subject }] })
    .fetchAll();
  return resources[0];
}

function runStarts(mailboxId: string, reason: string): number {
  return host.output().split('\n').filter((l) => l.includes('archive.run.start') && l.includes(mailboxId) && l.includes(`"reason":"${reason}"`)).length;
}

/**
 * Runs of the mailbox for this reason that did archive: an attempt that found the mailbox locked
 * (by a run still going, slow on a loaded machine) is skipped and tried again after the window.
 */
function runsThatRan(mailboxId: string, reason: string): number {
  const events = host
    .output()
    .split('\n')
    .flatMap((l) => {
      const at = l.indexOf('{');
      try {
        return at < 0 ? [] : [JSON.parse(l.slice(at)) as { event?: string; mailboxId?: string; reason?: string; status?: string; invocationId?: string }];
      } catch {
        return [];
      }
    })
    .filter((e) => e.mailboxId === mailboxId);
  const skipped = new Set(events.filter((e) => e.event === 'archive.run.end' && e.status === 'skipped' && e.reason === 'locked').map((e) => e.invocationId));
  return events.filter((e) => e.event === 'archive.run.start' && e.reason === reason && !skipped.has(e.invocationId)).length;
}

/** Every mailbox in scope has a subscription and listens (the repair run after subscribing succeeded). */
async function allListening(): Promise<ArchiveSubscription[]> {
  return waitFor('every mailbox listening', async () => {
    const docs = await subscriptionsDocs();
    const mailboxes = (await db.container(CONTAINERS.mailboxes).items.query<number>("SELECT VALUE COUNT(1) FROM c WHERE c.type = 'mailbox'").fetchAll()).resources[0] ?? 0;
    // Swept once too (the first schedule tick after listening): from then on only notifications run them.
    return mailboxes > 0 && docs.length === mailboxes && docs.every((d) => d.mode === 'listening' && d.lastSweepAt) ? docs : undefined;
  }, 180_000);
}

beforeAll(async () => {
  [sandbox, bus, issuer] = await Promise.all([
    startM365Sandbox({ scale: { mailboxes: 3, messagesPerMailbox: 6 } }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startTokenIssuer({}),
  ]);
  control = new SandboxControl(sandbox);
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'archive-notify-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const port = await freePort();
  host = await startAppHost(issuer, {
    COSMOS_DATABASE: database,
    ServiceBusConnection: bus.connectionString,
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    APP_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ARCHIVE_NOTIFICATION_KEY: KEY,
    ARCHIVE_NOTIFICATION_WINDOW_SECONDS: String(WINDOW_SECONDS),
    ARCHIVE_RUN_ON_STARTUP: 'true',
    ARCHIVE_SCHEDULE: '*/10 * * * * *',
    ARCHIVE_SUBSCRIPTIONS_SCHEDULE: '*/5 * * * * *',
    ARCHIVE_LISTENING_SWEEP_MINUTES: '1440',
    ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels',
    ARCHIVE_SHARED_MAILBOXES: sandbox.tenant.sharedMailboxIds.join(','),
    ARCHIVE_GRAPH_SLOTS: 'leased',
  }, { port });
  const cs = inject('cosmos').connectionString;
  cosmos = new CosmosClient({ endpoint: /AccountEndpoint=([^;]+)/.exec(cs)![1]!, key: /AccountKey=([^;]+)/.exec(cs)![1]!, connectionPolicy: { enableEndpointDiscovery: false } });
  db = cosmos.database(database);
}, 90_000);

afterAll(async () => {
  await host?.stop();
  cosmos?.dispose();
  await Promise.all([sandbox?.stop(), bus?.stop(), issuer?.stop()]);
});

describe('Graph change notifications in the local host', () => {
  it('subscribes every mailbox in scope (validation handshake), which then listens', async () => {
    const docs = await allListening();
    const live = await control.subscriptions();
    for (const d of docs) {
      const s = live.find((x) => x.id === d.subscriptionId);
      expect(s, d.mailboxId).toMatchObject({ userId: d.mailboxId, notificationUrl: `${host.baseUrl}/api/archive/notifications` });
    }
    expect((await control.notificationStats()).validations.ok).toBeGreaterThanOrEqual(docs.length);
  }, 200_000);

  it('answers the validation handshake with the decoded token as text/plain, and nothing else', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1234';
    const res = await fetch(`${host.baseUrl}/api/archive/notifications?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(token);
  });

  it('archives new mail and deletions from notifications, between sweeps', async () => {
    const [target] = await allListening();
    const mailboxId = target!.mailboxId;
    const sent = await control.addMessage(mailboxId, { subject: 'Avis par notification 1' });
    const entry = await waitFor('the new message archived', () => entryBySubject(mailboxId, 'Avis par notification 1'));
    expect(entry.removedAt).toBeNull();
    // The notification makes a run of its own, even when a sweep that was already under way picked
    // the message up first (it then finds nothing new): wait for it rather than assume it came first.
    await waitFor('a run started by the notification', async () => (runStarts(mailboxId, 'notification') >= 1 ? true : undefined));
    await control.deleteMessage(mailboxId, sent.id);
    await waitFor('the deletion recorded', async () => ((await entryBySubject(mailboxId, 'Avis par notification 1'))?.removedAt ? true : undefined));
    // Listening: no scheduled run of this mailbox since the sweep that followed its subscription.
    expect((await subscriptionsDocs()).find((d) => d.mailboxId === mailboxId)).toMatchObject({ mode: 'listening' });
  }, 200_000);

  it('coalesces 100 notifications for one mailbox into one run', async () => {
    const [, target] = await allListening();
    const mailboxId = target!.mailboxId;
    const before = runsThatRan(mailboxId, 'notification');
    // Windows are fixed slices of time: the burst starts at the beginning of one.
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 - (Date.now() % (WINDOW_SECONDS * 1000)) + 200));
    const burstStart = Date.now();
    const sends = Array.from({ length: 100 }, (_, n) => () => control.addMessage(mailboxId, { subject: `Rafale ${n}` }));
    for (let i = 0; i < sends.length; i += 10) await Promise.all(sends.slice(i, i + 10).map((f) => f()));
    const burstMs = Date.now() - burstStart;
    await waitFor('the burst archived', async () => {
      const { resources } = await db.container(CONTAINERS.messages).items
        .query<number>({ query: "SELECT VALUE COUNT(1) FROM c WHERE c.mailboxId = @m AND STARTSWITH(c.subject, 'Rafale ')", parameters: [{ name: '@m', value: mailboxId }] })
        .fetchAll();
      return resources[0] === 100 ? true : undefined;
    });
    expect((await control.notificationStats()).delivered).toBeGreaterThanOrEqual(100);
    const lines = host.output().split('\n').filter((l) => l.includes('archive.run.start') && l.includes(mailboxId));
    const ends = host.output().split('\n').filter((l) => l.includes('archive.run.end') && l.includes(mailboxId));
    expect(runsThatRan(mailboxId, 'notification') - before, `burst ${burstMs} ms\n${[...lines, ...ends].join('\n')}`).toBe(1);
  }, 200_000);

  it('refuses a forged notification (wrong clientState) with 403 in both languages, audits it, and runs nothing', async () => {
    const [target] = await allListening();
    const forged = { value: [{ subscriptionId: target!.subscriptionId, clientState: clientStateFor(Buffer.from('pas-la-bonne-cle-pas-la-bonne-cle-pas'), target!.mailboxId), changeType: 'created', resource: `Users/${target!.mailboxId}/Messages/x` }] };
    const before = runStarts(target!.mailboxId, 'notification');
    const res = await fetch(`${host.baseUrl}/api/archive/notifications`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'fr-CA' }, body: JSON.stringify(forged) });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; messages: Record<string, string> } };
    expect(body.error).toMatchObject({ code: 'notification_refused', messages: { 'fr-CA': 'Notification refusée.', en: 'Notification refused.' } });
    const audit = await waitFor('the refusal audited', async () => {
      const { resources } = await db.container(CONTAINERS.audit).items.query<{ action: string; outcome: string; actorKind: string; target: Record<string, unknown> }>("SELECT * FROM c WHERE c.action = 'notification-refused'").fetchAll();
      return resources.length ? resources : undefined;
    });
    expect(audit[0]).toMatchObject({ outcome: 'denied', actorKind: 'anonymous', target: { endpoint: 'archiveNotifications', resultCount: 1, httpStatus: 403 } });
    // The clientState is never written anywhere: not in the audit record, not in the log.
    expect(JSON.stringify(audit)).not.toContain(forged.value[0]!.clientState);
    expect(host.output()).not.toContain(forged.value[0]!.clientState);
    expect(host.output()).not.toContain(clientStateFor(Buffer.from(KEY), target!.mailboxId));
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 5) * 1000));
    expect(runStarts(target!.mailboxId, 'notification')).toBe(before);
  }, 200_000);

  it('dropped notifications are caught by the daily sweep', async () => {
    const docs = await allListening();
    const target = docs[docs.length - 1]!;
    await control.dropNotifications({ mailbox: target.mailboxId, count: 1 });
    await control.addMessage(target.mailboxId, { subject: 'Avis perdu' });
    await waitFor('the notification dropped', async () => ((await control.notificationStats()).dropped.fault >= 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 15) * 1000));
    expect(await entryBySubject(target.mailboxId, 'Avis perdu')).toBeUndefined();
    // A day later: the last sweep is a day old, and the next schedule tick sweeps the mailbox.
    const container = db.container(CONTAINERS.subscriptions);
    const { resource } = await container.item('subscription', target.mailboxId).read<ArchiveSubscription>();
    await container.items.upsert({ ...resource!, lastSweepAt: new Date(Date.now() - 25 * 3600_000).toISOString() });
    await waitFor('the sweep archived it', () => entryBySubject(target.mailboxId, 'Avis perdu'));
  }, 200_000);

  it('missed: the mailbox is repaired by a run over every folder and listens again', async () => {
    const [target] = await allListening();
    await control.dropNotifications({ mailbox: target!.mailboxId, count: 1 });
    await control.addMessage(target!.mailboxId, { subject: 'Avis manqué' });
    await waitFor('the notification dropped', async () => ((await control.notificationStats()).dropped.fault >= 2 ? true : undefined));
    const repairs = runStarts(target!.mailboxId, 'repair');
    expect((await control.emitLifecycle(target!.subscriptionId!, 'missed')).sent).toBe(true);
    await waitFor('the repair run', async () => (runStarts(target!.mailboxId, 'repair') > repairs ? true : undefined));
    await waitFor('the missed message archived', () => entryBySubject(target!.mailboxId, 'Avis manqué'));
    await waitFor('listening again', async () => ((await subscriptionsDocs()).find((d) => d.mailboxId === target!.mailboxId)?.mode === 'listening' ? true : undefined));
  }, 200_000);

  it('subscriptionRemoved: a new subscription is made, and mail is archived through it', async () => {
    const [, target] = await allListening();
    const old = target!.subscriptionId!;
    expect((await control.emitLifecycle(old, 'subscriptionRemoved')).sent).toBe(true);
    const renewed = await waitFor('a new subscription, listening', async () => {
      const d = (await subscriptionsDocs()).find((x) => x.mailboxId === target!.mailboxId);
      return d && d.subscriptionId && d.subscriptionId !== old && d.mode === 'listening' ? d : undefined;
    });
    expect((await control.subscriptions()).filter((s) => s.userId === target!.mailboxId).map((s) => s.id)).toEqual([renewed.subscriptionId]);
    await control.addMessage(target!.mailboxId, { subject: 'Après la nouvelle souscription' });
    await waitFor('archived through the new subscription', () => entryBySubject(target!.mailboxId, 'Après la nouvelle souscription'));
  }, 200_000);
});
