import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CosmosClient } from '@azure/cosmos';
import { startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { CONTAINERS, type MailboxRun } from '../../shared/archive/model';
import { startAppHost, type AppHost } from '../support/app-host';

/**
 * The real function app in the local host, as `npm start` runs it: the schedule timer runs on
 * start-up, enqueues one item per mailbox on the Service Bus emulator's archive-mailbox queue, and
 * the queue-triggered worker archives each mailbox from the Microsoft 365 sandbox, with the Graph
 * concurrency slots leased in Azurite.
 */
const ROOT = path.resolve(__dirname, '../..');
let sandbox: M365Sandbox;
let bus: ServiceBusEmulator;
let issuer: TokenIssuer;
let host: AppHost;
const database = `archive-host-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  [sandbox, bus, issuer] = await Promise.all([
    startM365Sandbox({ scale: { mailboxes: 3, messagesPerMailbox: 12 } }),
    startServiceBusEmulator({ config: path.join(ROOT, 'dev/local-stack/servicebus-config.json') }),
    startTokenIssuer({}),
  ]);
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'archive-host-')), 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  host = await startAppHost(issuer, {
    COSMOS_DATABASE: database,
    ServiceBusConnection: bus.connectionString,
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    ARCHIVE_RUN_ON_STARTUP: 'true',
    ARCHIVE_SCHEDULE: '0 0 0 1 1 *',
    ARCHIVE_SCOPE_GROUP: 'Archivage-Courriels',
    ARCHIVE_SHARED_MAILBOXES: sandbox.tenant.sharedMailboxIds.join(','),
    ARCHIVE_GRAPH_SLOTS: 'leased',
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([sandbox?.stop(), bus?.stop(), issuer?.stop()]);
});

describe('archive functions in the local host', () => {
  it('archives every mailbox in scope on start-up, through the queue, within a minute', async () => {
    const cosmos = new CosmosClient({ endpoint: /AccountEndpoint=([^;]+)/.exec(inject('cosmos').connectionString)![1]!, key: /AccountKey=([^;]+)/.exec(inject('cosmos').connectionString)![1]!, connectionPolicy: { enableEndpointDiscovery: false } });
    const mailboxes = cosmos.database(database).container(CONTAINERS.mailboxes);
    const started = Date.now();
    let runs: MailboxRun[] = [];
    let expected = 0;
    while (Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 1000));
      const [known, finished] = await Promise.all([
        mailboxes.items.query<number>("SELECT VALUE COUNT(1) FROM c WHERE c.type = 'mailbox'").fetchAll().then((r) => r.resources[0] ?? 0, () => 0),
        mailboxes.items.query<MailboxRun>("SELECT * FROM c WHERE c.type = 'run' AND c.lastOutcome = 'succeeded'").fetchAll().then((r) => r.resources, () => []),
      ]);
      expected = known;
      runs = finished;
      if (known > 0 && finished.length === known) break;
    }
    expect(expected, host.output()).toBeGreaterThan(3);
    expect(runs.length, host.output()).toBe(expected);
    const entries = await cosmos.database(database).container(CONTAINERS.messages).items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
    expect(entries.resources[0]).toBeGreaterThan(10);
    expect(host.output()).toMatch(/archive\.schedule/);
    expect(host.output()).toMatch(/archive\.run\.end/);
    // Nothing personal in the log: no subject, no address of a mailbox.
    expect(host.output()).not.toMatch(/@syndicat-exemple/);
    cosmos.dispose();
  }, 90_000);
});
