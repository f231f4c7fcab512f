import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox, type M365SandboxOptions } from '../../dev/m365-sandbox/index';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../../dev/servicebus-emulator';
import { startTokenIssuer, type TokenIssuer } from '../../dev/token-issuer';
import { peopleSyncDeps, resetPeopleForTests } from '../../shared/people/adapters/people-services';
import { PeopleEventSchema, type PeopleEvent } from '../../shared/people/events';
import { useAppEnvironment } from '../support/app-env';

export const TOPIC = 'people-events';

export interface PeopleStack {
  sandbox: M365Sandbox;
  control: SandboxControl;
  bus: ServiceBusEmulator;
  issuer: TokenIssuer;
  client: ServiceBusClient;
  env: Record<string, string>;
  /** Ids of the staff group's and the leave group's members, read from the sandbox's Graph. */
  members(groupId: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The app's real people services against a fresh Microsoft 365 sandbox, this run's Cosmos DB
 * emulator (a database of its own) and a Service Bus emulator with the local stack's entities.
 */
export async function startPeopleStack(options: { sandbox?: M365SandboxOptions } = {}): Promise<PeopleStack> {
  // A tenant of its own (another seed: no mailbox id shared with the archive's tests, whose run
  // locks live in the same Azurite) with empty mailboxes: enrolling joiners queues archive runs,
  // which then have nothing heavy to capture.
  const sandbox = await startM365Sandbox(options.sandbox ?? { seed: 20261205, scale: { mailboxes: 0 } });
  const bus = await startServiceBusEmulator({ config: 'dev/local-stack/servicebus-config.json' });
  const issuer = await startTokenIssuer({});
  const dir = mkdtempSync(path.join(tmpdir(), 'people-test-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  const env: Record<string, string> = {
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    COSMOS_DATABASE: `people-${Math.random().toString(36).slice(2, 10)}`,
    ServiceBusConnection: bus.connectionString,
    ARCHIVE_GRAPH_SLOTS: 'local',
  };
  await useAppEnvironment(issuer, env);
  resetPeopleForTests();
  const client = new ServiceBusClient(bus.connectionString);
  const graph = createSandboxGraphClient(sandbox);
  return {
    sandbox,
    control: new SandboxControl(sandbox),
    bus,
    issuer,
    client,
    env,
    async members(groupId) {
      const ids: string[] = [];
      let url: string | undefined = `/groups/${groupId}/members?$select=id&$top=999`;
      while (url) {
        const page = (await graph.api(url).get()) as { value: Array<{ id: string }>; '@odata.nextLink'?: string };
        ids.push(...page.value.map((u) => u.id));
        url = page['@odata.nextLink'];
      }
      return ids;
    },
    async stop() {
      await client.close();
      await bus.stop();
      await sandbox.stop();
      await issuer.stop();
    },
  };
}

export const syncDeps = () => peopleSyncDeps();

/**
 * Everything waiting on one subscription, read by `receivers` competing session receivers (each
 * session is one person's events, handed to one receiver at a time, in order), completed as read.
 * Ends when no session is left. `order` gets each person's events in the order received.
 */
export async function drainSubscription(bus: { connectionString: string }, subscription: string, options: { receivers?: number; order?: Map<string, PeopleEvent[]> } = {}): Promise<PeopleEvent[]> {
  // Its own client, whose operations give up after a while: "no session left" is a timeout. Ten
  // seconds, not three: on a loaded machine accepting a session that is there can take seconds, and a
  // receiver that gives up early leaves events behind that the test then finds missing.
  const client = new ServiceBusClient(bus.connectionString, { retryOptions: { timeoutInMs: 10_000, maxRetries: 0 } });
  const events: PeopleEvent[] = [];
  try {
    await Promise.all(Array.from({ length: options.receivers ?? 4 }, () => drain(client, subscription, events, options.order)));
    return events;
  } finally {
    await client.close();
  }
}

async function drain(client: ServiceBusClient, subscription: string, events: PeopleEvent[], order?: Map<string, PeopleEvent[]>): Promise<void> {
  for (;;) {
    let receiver;
    try {
      receiver = await client.acceptNextSession(TOPIC, subscription, { maxAutoLockRenewalDurationInMs: 0 });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'SessionCannotBeLocked' || code === 'ServiceTimeout') return;
      throw e;
    }
    try {
      for (;;) {
        const messages: ServiceBusReceivedMessage[] = await receiver.receiveMessages(100, { maxWaitTimeInMs: 200 });
        if (messages.length === 0) break;
        for (const m of messages) {
          const event = PeopleEventSchema.parse(m.body);
          events.push(event);
          order?.set(event.personId, [...(order.get(event.personId) ?? []), event]);
          await receiver.completeMessage(m);
        }
      }
    } finally {
      await receiver.close();
    }
  }
}
