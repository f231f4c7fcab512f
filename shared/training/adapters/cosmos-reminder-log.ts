import type { Container, Database } from '@azure/cosmos';
import { ensureContainer } from '../../platform/adapters/cosmos';
import type { ReminderKeyState, ReminderLog, ReminderRecord } from '../ports';

/** Container of reminder idempotency keys (pk /id: one key, one logical partition; point reads only). */
export const REMINDER_LOG_CONTAINER = 'training-reminders';

type Doc = ReminderRecord & { id: string; _etag?: string };

const codeOf = (e: unknown) => (e as { code?: number | string }).code;

function record(doc: Doc): ReminderRecord {
  const { key, state, owner, claimedAt, updatedAt, channel, detail } = doc;
  return { key, state, owner, claimedAt, updatedAt, ...(channel ? { channel } : {}), ...(detail ? { detail } : {}) };
}

/**
 * The ReminderLog on Cosmos DB. A claim is a create (409 when the key exists: someone claimed it
 * first); a take-over and every state change are replaces conditioned on the etag read (412 when
 * another pass changed it meanwhile), so two passes never both own a key.
 */
export class CosmosReminderLog implements ReminderLog {
  private container: Promise<Container> | undefined;

  constructor(private readonly database: Database) {}

  private c(): Promise<Container> {
    return (this.container ??= ensureContainer(this.database, REMINDER_LOG_CONTAINER, '/id').catch((e: unknown) => {
      this.container = undefined;
      throw e;
    }));
  }

  async claim(key: string, owner: string, at: string, takeOver?: (record: ReminderRecord) => boolean): Promise<{ claimed: true } | { claimed: false; record: ReminderRecord }> {
    const c = await this.c();
    const doc: Doc = { id: key, key, state: 'claimed', owner, claimedAt: at, updatedAt: at };
    try {
      await c.items.create(doc);
      return { claimed: true as const };
    } catch (e) {
      if (codeOf(e) !== 409) throw e;
    }
    const { resource } = await c.item(key, key).read<Doc>();
    if (!resource) return this.claim(key, owner, at, takeOver);
    if (!takeOver?.(record(resource))) return { claimed: false as const, record: record(resource) };
    try {
      await c.item(key, key).replace(doc, { accessCondition: { type: 'IfMatch', condition: resource._etag! } });
      return { claimed: true as const };
    } catch (e) {
      if (codeOf(e) !== 412) throw e;
      const { resource: now } = await c.item(key, key).read<Doc>();
      return { claimed: false as const, record: record(now ?? resource) };
    }
  }

  async mark(key: string, owner: string, state: Exclude<ReminderKeyState, 'claimed'>, at: string, extra: { channel?: 'teams' | 'email'; detail?: string } = {}): Promise<boolean> {
    const c = await this.c();
    const { resource } = await c.item(key, key).read<Doc>();
    if (!resource || resource.owner !== owner) return false;
    try {
      await c.item(key, key).replace({ ...record(resource), id: key, state, updatedAt: at, ...extra }, { accessCondition: { type: 'IfMatch', condition: resource._etag! } });
      return true;
    } catch (e) {
      if (codeOf(e) === 412) return false;
      throw e;
    }
  }

  async get(key: string): Promise<ReminderRecord | undefined> {
    const { resource } = await (await this.c()).item(key, key).read<Doc>();
    return resource ? record(resource) : undefined;
  }
}
