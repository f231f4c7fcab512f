import { TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { HistoryEvent, OrchestratorAction } from './history-events';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';
export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export interface RetryState {
  attempt: number;
  currentId: number;
  waitingTimerId?: number;
  firstAttemptAt: string;
  /** The scheduling action, kept so a retry after a restart knows what to run again. */
  action: OrchestratorAction;
}

/** One orchestration instance's state row. */
export interface InstanceState {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  input: string;
  output: string;
  customStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  parentInstanceId: string;
  parentTaskId: number;
  nextEventId: number;
  /** Event id given to each numbered action, by position in the orchestrator's action list (-1 when not numbered). */
  actionIds: number[];
  retries: Record<string, RetryState>;
  /** Entities only (instance id `@name@key`): whether the entity exists, and its state as JSON text. */
  entityExists?: boolean;
  entityState?: string;
}

export interface InstanceFilter {
  createdTimeFrom?: string;
  createdTimeTo?: string;
  runtimeStatus?: string[];
  instanceIdPrefix?: string;
}

export interface InboxItem {
  rowKey: string;
  postedAt: number;
  event: HistoryEvent;
}

/** A message for another instance's inbox, committed with the episode that sent it and delivered after. */
export interface OutboxItem {
  to: string;
  key: string;
  event: HistoryEvent;
}

export interface LoadedInstance {
  instance: InstanceState | undefined;
  history: HistoryEvent[];
  inbox: InboxItem[];
  outbox: (OutboxItem & { rowKey: string })[];
}

const INSTANCE_ROW = 'instance';
const historyKey = (i: number) => `h-${String(i).padStart(8, '0')}`;

/**
 * A Table storage string property holds at most 32K UTF-16 characters (64 KB), an entity 1 MB. An
 * instance row (its input, e.g. a lane of 30 employee journeys) or a history event (an activity's
 * input or result) can be larger: the JSON is split over `data`, `data1`, `data2`... as the
 * Durable extension's Azure Storage provider moves large payloads out of the row, so an episode
 * never fails on a payload's size (it would otherwise retry every 2 s forever).
 */
const CHUNK = 30_000;

export function packData(json: string): Record<string, string> {
  const fields: Record<string, string> = { data: json.slice(0, CHUNK) };
  for (let i = 1; i * CHUNK < json.length; i++) fields[`data${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
  return fields;
}

export function unpackData(entity: Record<string, unknown>): string {
  let json = String(entity.data ?? '');
  for (let i = 1; typeof entity[`data${i}`] === 'string'; i++) json += entity[`data${i}`] as string;
  return json;
}

/**
 * Orchestration state in Table storage (Azurite locally): one partition per instance holding the
 * instance row, its history rows and its inbox (events not yet given to the orchestrator). Keeping
 * them in one partition lets each episode commit atomically in an entity group transaction, so a
 * host killed mid-episode either recorded the episode or will replay it from the same inbox.
 */
export class TaskHubStore {
  readonly table: TableClient;
  #lastSequence = 0;

  constructor(connectionString: string, hubName: string) {
    const tableName = `${hubName.replace(/[^A-Za-z0-9]/g, '')}Instances`;
    this.table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  }

  /** Microseconds since the epoch, strictly increasing in this process: the order messages were written. */
  #nextSequence(): number {
    this.#lastSequence = Math.max(Date.now() * 1000, this.#lastSequence + 1);
    return this.#lastSequence;
  }

  async ensure() {
    await this.table.createTable();
  }

  async load(instanceId: string): Promise<LoadedInstance> {
    const result: LoadedInstance = { instance: undefined, history: [], inbox: [], outbox: [] };
    const outboxOrder = new Map<string, number>();
    const entities = this.table.listEntities<TableEntity<{ data: string; postedAt?: number }>>({
      queryOptions: { filter: `PartitionKey eq '${escape(instanceId)}'` },
    });
    for await (const e of entities) {
      if (e.rowKey === INSTANCE_ROW) result.instance = JSON.parse(unpackData(e)) as InstanceState;
      else if (e.rowKey.startsWith('h-')) result.history.push(JSON.parse(unpackData(e)) as HistoryEvent);
      else if (e.rowKey.startsWith('i-')) result.inbox.push({ rowKey: e.rowKey, postedAt: Number(e.postedAt ?? 0), event: JSON.parse(unpackData(e)) as HistoryEvent });
      else if (e.rowKey.startsWith('o-')) {
        outboxOrder.set(e.rowKey, Number(e.postedAt ?? 0));
        result.outbox.push({ rowKey: e.rowKey, ...(JSON.parse(unpackData(e)) as OutboxItem) });
      }
    }
    result.inbox.sort((a, b) => a.postedAt - b.postedAt || a.rowKey.localeCompare(b.rowKey));
    // In the order sent, not the rows' (keys are request ids): a restart delivers what an episode
    // left undelivered as the extension does, one sender's messages to an entity in order.
    result.outbox.sort((a, b) => outboxOrder.get(a.rowKey)! - outboxOrder.get(b.rowKey)!);
    return result;
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    try {
      const e = await this.table.getEntity<{ data: string }>(instanceId, INSTANCE_ROW);
      return JSON.parse(unpackData(e)) as InstanceState;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  /**
   * Puts an event in an instance's inbox. `key` makes the write idempotent: an activity that runs
   * twice, or a timer re-armed after a restart, posts the same row again.
   */
  async post(instanceId: string, key: string, event: HistoryEvent): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: instanceId, rowKey: `i-${key}`, ...packData(JSON.stringify(event)), postedAt: this.#nextSequence() },
      'Replace',
    );
  }

  /**
   * Writes an instance row unless one exists: an entity's row is made before its first message is
   * queued, so a host restarted before the entity ran finds the message (it resumes instances it lists).
   */
  async createIfMissing(instance: InstanceState): Promise<void> {
    try {
      await this.table.createEntity({ partitionKey: instance.instanceId, rowKey: INSTANCE_ROW, ...packData(JSON.stringify(instance)), ...indexFields(instance) });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 409) throw e;
    }
  }

  /** Creates (or re-creates, after purging the old history) an instance with its ExecutionStarted event in the inbox. */
  async create(instance: InstanceState, started: HistoryEvent): Promise<void> {
    await this.purge(instance.instanceId);
    await this.table.submitTransaction([
      ['upsert', { partitionKey: instance.instanceId, rowKey: INSTANCE_ROW, ...packData(JSON.stringify(instance)), ...indexFields(instance) }, 'Replace'],
      ['upsert', { partitionKey: instance.instanceId, rowKey: 'i-start', ...packData(JSON.stringify(started)), postedAt: 0 }, 'Replace'],
    ]);
  }

  /** Commits one episode: new history rows, the instance row and the consumed inbox rows, atomically. */
  async commit(
    instance: InstanceState,
    firstIndex: number,
    events: HistoryEvent[],
    consumed: string[],
    restart?: { oldHistoryLength: number; started: HistoryEvent },
    outbox: OutboxItem[] = [],
  ): Promise<string[]> {
    const actions: TransactionAction[] = [];
    const pk = instance.instanceId;
    if (restart) {
      // continueAsNew: a fresh history, and the new execution's start waiting in the inbox.
      for (let i = 0; i < restart.oldHistoryLength; i++) actions.push(['delete', { partitionKey: pk, rowKey: historyKey(i) }]);
      actions.push(['upsert', { partitionKey: pk, rowKey: `i-start-${Date.now()}`, ...packData(JSON.stringify(restart.started)), postedAt: 0 }, 'Replace']);
    }
    events.forEach((event, i) => actions.push(['upsert', { partitionKey: pk, rowKey: historyKey(firstIndex + i), ...packData(JSON.stringify(event)) }, 'Replace']));
    for (const rowKey of consumed) actions.push(['delete', { partitionKey: pk, rowKey }]);
    // Messages to other instances (entity operations, their answers, signals) are written with the
    // episode that sent them, so a crash cannot lose one: they are delivered after, and again on start.
    const outboxRows = outbox.map((item) => `o-${item.key}`);
    outbox.forEach((item, i) => actions.push(['upsert', { partitionKey: pk, rowKey: outboxRows[i]!, ...packData(JSON.stringify(item)), postedAt: this.#nextSequence() }, 'Replace']));
    actions.push(['upsert', { partitionKey: pk, rowKey: INSTANCE_ROW, ...packData(JSON.stringify(instance)), ...indexFields(instance) }, 'Replace']);
    // An entity group transaction holds at most 100 operations; a larger episode is written in parts,
    // history first, so a crash in between replays the same inbox over complete history rows (the
    // instance row, with its event numbering, is always in the last part).
    for (let i = 0; i < actions.length; i += 100) await this.table.submitTransaction(actions.slice(i, i + 100));
    return outboxRows;
  }

  /** Instances with messages not yet delivered (a host stopped between an episode and its delivery). */
  async outboxOwners(): Promise<string[]> {
    const owners = new Set<string>();
    for await (const e of this.table.listEntities({ queryOptions: { filter: "RowKey ge 'o-' and RowKey lt 'o.'", select: ['PartitionKey'] } })) owners.add(e.partitionKey!);
    return [...owners];
  }

  async deleteRow(instanceId: string, rowKey: string): Promise<void> {
    await this.table.deleteEntity(instanceId, rowKey).catch((e: unknown) => {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    });
  }

  async *listInstances(filter: InstanceFilter, pageSize: number, continuationToken?: string) {
    const clauses = [`RowKey eq '${INSTANCE_ROW}'`];
    if (filter.instanceIdPrefix) {
      // A prefix is a key range: from the prefix up to (not including) the prefix with its last character incremented.
      const p = filter.instanceIdPrefix;
      const upper = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
      clauses.push(`PartitionKey ge '${escape(p)}' and PartitionKey lt '${escape(upper)}'`);
    }
    if (filter.createdTimeFrom) clauses.push(`createdTime ge '${escape(filter.createdTimeFrom)}'`);
    if (filter.createdTimeTo) clauses.push(`createdTime le '${escape(filter.createdTimeTo)}'`);
    if (filter.runtimeStatus?.length) clauses.push(`(${filter.runtimeStatus.map((s) => `status eq '${escape(s)}'`).join(' or ')})`);
    const pages = this.table
      .listEntities<TableEntity<{ data: string }>>({ queryOptions: { filter: clauses.join(' and ') } })
      .byPage({ maxPageSize: pageSize, continuationToken });
    for await (const page of pages) {
      yield { instances: page.map((e) => JSON.parse(unpackData(e)) as InstanceState), continuationToken: page.continuationToken };
    }
  }

  /**
   * Where a durable HTTP call is polling (the last 202's Location), kept in the instance's partition
   * so a restarted host resumes polling instead of sending the request again. `scheduledAt` (the
   * TaskScheduled event's time) tells it from a later call that reuses the event id (continueAsNew).
   */
  async savePoll(instanceId: string, eventId: number, scheduledAt: string, location: string): Promise<void> {
    await this.table.upsertEntity({ partitionKey: instanceId, rowKey: `p-${eventId}`, scheduledAt, location }, 'Replace');
  }

  async loadPoll(instanceId: string, eventId: number, scheduledAt: string): Promise<string | undefined> {
    try {
      const e = await this.table.getEntity<{ scheduledAt: string; location: string }>(instanceId, `p-${eventId}`);
      return e.scheduledAt === scheduledAt ? e.location : undefined;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async clearPoll(instanceId: string, eventId: number): Promise<void> {
    await this.table.deleteEntity(instanceId, `p-${eventId}`).catch((e: unknown) => {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    });
  }

  async purge(instanceId: string): Promise<number> {
    const rows: string[] = [];
    for await (const e of this.table.listEntities({ queryOptions: { filter: `PartitionKey eq '${escape(instanceId)}'`, select: ['RowKey'] } })) {
      rows.push(e.rowKey!);
    }
    for (let i = 0; i < rows.length; i += 100) {
      await this.table.submitTransaction(rows.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey: instanceId, rowKey }] as TransactionAction));
    }
    return rows.includes(INSTANCE_ROW) ? 1 : 0;
  }
}

/** Plain columns next to the JSON so instance queries can filter on the server. */
function indexFields(instance: InstanceState) {
  return { status: instance.status, createdTime: instance.createdTime, name: instance.name };
}

function escape(value: string): string {
  return value.replace(/'/g, "''");
}
