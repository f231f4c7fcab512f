import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { MessageEntry } from '../model';
import { isCosmosStatus, type RecordsStore } from '../adapters/records-store';
import type { RetentionLock } from '../adapters/retention-lock';
import { stripSystem } from './audit';

/**
 * Legal hold: for a matter (a grievance, a lawsuit, an access request), everything in the named
 * mailboxes within a date range, optionally only mail with given participants, is kept whatever
 * its retention says. Held entries carry the hold id in `holds` and their content blob carries the
 * Azure legal hold; disposition checks both the field and the active holds themselves.
 */
export const LegalHoldInput = z.object({
  matter: z.string().trim().min(3).max(200),
  mailboxes: z.array(z.string().trim().min(1).max(128)).min(1).max(500),
  from: z.iso.datetime({ offset: true }).nullable().default(null),
  to: z.iso.datetime({ offset: true }).nullable().default(null),
  participants: z.array(z.email()).max(100).default([]),
}).refine((h) => !h.from || !h.to || h.from <= h.to, { message: 'from must be on or before to', path: ['to'] });
export type LegalHoldInput = z.infer<typeof LegalHoldInput>;

export const LegalHold = z.object({
  id: z.string(),
  pk: z.literal('hold'),
  type: z.literal('hold'),
  /** The matter's name: written by a RecordsManager, never message content. */
  matter: z.string(),
  mailboxes: z.array(z.string()),
  from: z.string().nullable(),
  to: z.string().nullable(),
  /** Lower-case addresses; empty means every message in range. */
  participants: z.array(z.string()),
  status: z.enum(['active', 'released']),
  createdBy: z.string(),
  createdAt: z.string(),
  releasedBy: z.string().nullable(),
  releasedAt: z.string().nullable(),
  /** Entries tagged when the hold was last applied. */
  appliedCount: z.number().int().nonnegative(),
});
export type LegalHold = z.infer<typeof LegalHold>;

type HoldScope = Pick<LegalHold, 'mailboxes' | 'from' | 'to' | 'participants'>;
type EntryFacts = Pick<MessageEntry, 'mailboxId' | 'receivedAt' | 'from' | 'to' | 'cc' | 'bcc'>;

/** Whether a hold covers an entry: same mailbox, received within the range, with a named participant. */
export function holdCovers(hold: HoldScope, entry: EntryFacts): boolean {
  if (!hold.mailboxes.some((m) => m.toLowerCase() === entry.mailboxId.toLowerCase())) return false;
  const received = Date.parse(entry.receivedAt);
  if (hold.from && received < Date.parse(hold.from)) return false;
  if (hold.to && received > Date.parse(hold.to)) return false;
  if (hold.participants.length === 0) return true;
  const wanted = new Set(hold.participants.map((p) => p.toLowerCase()));
  return [entry.from, ...entry.to, ...entry.cc, ...entry.bcc].some((a) => a !== null && wanted.has(a.address.toLowerCase()));
}

/**
 * How long capture reuses the list of active holds. Capture asks for every new message; a hold made
 * meanwhile on another instance is missed for at most this long, and nothing is lost by it: the
 * hold's creation tags what exists, disposition tags what came after before it deletes anything
 * (applyActive), and in Azure the retention policy keeps the blob until its date regardless.
 */
const CAPTURE_HOLDS_TTL_MS = 10_000;

export class LegalHolds {
  private forCapture: { at: number; holds: Promise<LegalHold[]> } | undefined;

  constructor(private readonly store: RecordsStore, private readonly lock: RetentionLock, private readonly now: () => Date = () => new Date()) {}

  /** The active holds as capture sees them: read at most every CAPTURE_HOLDS_TTL_MS (see above). */
  activeForCapture(): Promise<LegalHold[]> {
    const at = Date.now();
    if (!this.forCapture || at - this.forCapture.at >= CAPTURE_HOLDS_TTL_MS) {
      const holds = this.active();
      this.forCapture = { at, holds };
      holds.catch(() => {
        if (this.forCapture?.holds === holds) this.forCapture = undefined;
      });
    }
    return this.forCapture.holds;
  }

  async create(input: LegalHoldInput, createdBy: string): Promise<LegalHold> {
    const hold: LegalHold = {
      id: `hold-${randomUUID()}`,
      pk: 'hold',
      type: 'hold',
      matter: input.matter,
      mailboxes: [...new Set(input.mailboxes.map((m) => m.toLowerCase()))],
      from: input.from,
      to: input.to,
      participants: [...new Set(input.participants.map((p) => p.toLowerCase()))],
      status: 'active',
      createdBy,
      createdAt: this.now().toISOString(),
      releasedBy: null,
      releasedAt: null,
      appliedCount: 0,
    };
    const records = await this.store.recordsContainer();
    await records.items.create(hold);
    this.forCapture = undefined;
    // The hold exists (and disposition honours it) before any entry is tagged; tagging adds the blob hold.
    hold.appliedCount = await this.apply(hold);
    await records.item(hold.id, 'hold').patch([{ op: 'set', path: '/appliedCount', value: hold.appliedCount }]);
    return hold;
  }

  async list(): Promise<LegalHold[]> {
    const records = await this.store.recordsContainer();
    const { resources } = await records.items
      .query<LegalHold>({ query: 'SELECT * FROM c WHERE c.pk = "hold" ORDER BY c.createdAt DESC' }, { partitionKey: 'hold' })
      .fetchAll();
    return resources.map((r) => LegalHold.parse(stripSystem(r)));
  }

  async active(): Promise<LegalHold[]> {
    return (await this.list()).filter((h) => h.status === 'active');
  }

  async get(id: string): Promise<LegalHold | undefined> {
    const records = await this.store.recordsContainer();
    const { resource } = await records.item(id, 'hold').read<LegalHold>();
    return resource ? LegalHold.parse(stripSystem(resource)) : undefined;
  }

  /** Tags every covered entry not yet tagged (idempotent); run at creation and before each disposition. */
  async apply(hold: LegalHold): Promise<number> {
    const messages = await this.store.messagesContainer();
    const where = [`c.type = "message"`, `c.mailboxId IN (${hold.mailboxes.map((_, i) => `@m${i}`).join(', ')})`, 'NOT ARRAY_CONTAINS(c.holds, @id)'];
    const parameters = [{ name: '@id', value: hold.id }, ...hold.mailboxes.map((m, i) => ({ name: `@m${i}`, value: m }))];
    if (hold.from) {
      where.push('c.receivedAt >= @from');
      parameters.push({ name: '@from', value: hold.from });
    }
    if (hold.to) {
      where.push('c.receivedAt <= @to');
      parameters.push({ name: '@to', value: hold.to });
    }
    let tagged = 0;
    const iterator = messages.items.query<MessageEntry & { _etag: string }>({ query: `SELECT * FROM c WHERE ${where.join(' AND ')}`, parameters }, { maxItemCount: 200 });
    for await (const page of iterator.getAsyncIterator()) {
      for (const entry of page.resources) {
        if (!holdCovers(hold, entry)) continue;
        if (await this.updateHolds(entry, (holds) => (holds.includes(hold.id) ? holds : [...holds, hold.id]))) tagged++;
        await this.lock.setContentLegalHold(entry.contentHash, true);
      }
    }
    return tagged;
  }

  async applyActive(): Promise<number> {
    let tagged = 0;
    for (const hold of await this.active()) tagged += await this.apply(hold);
    return tagged;
  }

  /** Releases the hold: entries lose its id; content loses the blob legal hold once no hold covers it. */
  async release(id: string, releasedBy: string): Promise<LegalHold | undefined> {
    const hold = await this.get(id);
    if (!hold) return undefined;
    const records = await this.store.recordsContainer();
    if (hold.status === 'active') {
      Object.assign(hold, { status: 'released', releasedBy, releasedAt: this.now().toISOString() });
      this.forCapture = undefined;
      await records.item(id, 'hold').patch([
        { op: 'set', path: '/status', value: 'released' },
        { op: 'set', path: '/releasedBy', value: releasedBy },
        { op: 'set', path: '/releasedAt', value: hold.releasedAt },
      ]);
    }
    // Done even when already released: finishes a release that crashed half-way.
    const messages = await this.store.messagesContainer();
    const iterator = messages.items.query<MessageEntry & { _etag: string }>(
      { query: 'SELECT * FROM c WHERE c.type = "message" AND ARRAY_CONTAINS(c.holds, @id)', parameters: [{ name: '@id', value: id }] },
      { maxItemCount: 200 },
    );
    const hashes = new Set<string>();
    for await (const page of iterator.getAsyncIterator()) {
      for (const entry of page.resources) {
        await this.updateHolds(entry, (holds) => holds.filter((h) => h !== id));
        hashes.add(entry.contentHash);
      }
    }
    for (const hash of hashes) {
      const { resources } = await messages.items
        .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.contentHash = @h AND ARRAY_LENGTH(c.holds) > 0', parameters: [{ name: '@h', value: hash }] })
        .fetchAll();
      if ((resources[0] ?? 0) === 0) await this.lock.setContentLegalHold(hash, false);
    }
    return hold;
  }

  /** Sets `holds` with If-Match, re-reading on a concurrent change (capture patches other fields). */
  private async updateHolds(entry: MessageEntry & { _etag: string }, change: (holds: string[]) => string[]): Promise<boolean> {
    const messages = await this.store.messagesContainer();
    let current = entry;
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = change(current.holds);
      if (next.length === current.holds.length && next.every((h, i) => h === current.holds[i])) return false;
      try {
        await messages.item(current.id, current.pk).patch({ operations: [{ op: 'set', path: '/holds', value: next }] }, { accessCondition: { type: 'IfMatch', condition: current._etag } });
        return true;
      } catch (error) {
        if (isCosmosStatus(error, 404)) return false;
        if (!isCosmosStatus(error, 412)) throw error;
        const { resource } = await messages.item(current.id, current.pk).read<MessageEntry & { _etag: string }>();
        if (!resource) return false;
        current = resource;
      }
    }
    throw new Error('legal hold: entry kept changing, try again');
  }
}
