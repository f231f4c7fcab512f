import { randomUUID } from 'node:crypto';
import type { MessageEntry } from '../model';
import type { ContentRetention, HoldIndex, LegalHoldRecords, MetadataChange, Versioned } from '../ports';
import { IndexMetadata } from './full-text-metadata';
import { holdCovers, type LegalHold, type LegalHoldInput } from './legal-hold';

/**
 * How long capture reuses the list of active holds. Capture asks for every new message; a hold made
 * meanwhile on another instance is missed for at most this long, and nothing is lost by it: the
 * hold's creation tags what exists, disposition tags what came after before it deletes anything
 * (applyActive), and in Azure the retention policy keeps the blob until its date regardless.
 */
const CAPTURE_HOLDS_TTL_MS = 10_000;

/** A background application of a hold records its progress every this many entries tagged. */
const PROGRESS_EVERY = 100;

/**
 * Legal holds (the hold itself in legal-hold.ts): a hold is stored first, then every covered entry
 * gets its id in `holds` (If-Match, re-read on a concurrent change) and its content the blob legal
 * hold. Release removes the id, and the blob legal hold once no entry sharing the content is held.
 */
export class LegalHolds {
  private forCapture: { at: number; holds: Promise<LegalHold[]> } | undefined;

  constructor(
    private readonly records: LegalHoldRecords,
    private readonly index: HoldIndex,
    private readonly lock: ContentRetention,
    private readonly now: () => Date = () => new Date(),
    /** The full-text index's copy of `holds`, pushed after each batch of entries tagged or released. */
    private readonly searchMetadata: IndexMetadata = new IndexMetadata(undefined),
  ) {}

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

  /** Creates the hold and tags what it covers at once (small holds, tests; the endpoint uses record + runApply). */
  async create(input: LegalHoldInput, createdBy: string): Promise<LegalHold> {
    const hold = await this.record(input, createdBy, 'completed');
    // The hold exists (and disposition honours it) before any entry is tagged; tagging adds the blob hold.
    hold.appliedCount = await this.apply(hold);
    hold.applyCompletedAt = this.now().toISOString();
    await this.records.setApplyState(hold.id, { appliedCount: hold.appliedCount, applyCompletedAt: hold.applyCompletedAt });
    return hold;
  }

  /**
   * Stores the hold: from then on disposition honours it (it checks the holds themselves) and new
   * mail in its scope is born held; tagging the entries it covers is `runApply`'s, in the background.
   */
  async record(input: LegalHoldInput, createdBy: string, applyStatus: LegalHold['applyStatus'] = 'queued'): Promise<LegalHold> {
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
      applyStatus,
      applyStartedAt: applyStatus === 'queued' ? null : this.now().toISOString(),
      applyCompletedAt: null,
    };
    await this.records.create(hold);
    this.forCapture = undefined;
    return hold;
  }

  /**
   * One delivery of a hold's job: tags every covered entry, recording progress every
   * PROGRESS_EVERY entries. Safe to deliver again (tagging skips tagged entries; a run taken up
   * after a crash adds to the count already recorded). Nothing to do for a released or finished hold.
   */
  async runApply(holdId: string): Promise<{ outcome: 'completed'; appliedCount: number } | { outcome: 'nothing-to-do' }> {
    const hold = await this.get(holdId);
    if (!hold || hold.status !== 'active' || hold.applyStatus === 'completed') return { outcome: 'nothing-to-do' };
    let appliedCount = hold.applyStatus === 'running' ? hold.appliedCount : 0;
    await this.records.setApplyState(holdId, { applyStatus: 'running', applyStartedAt: hold.applyStartedAt ?? this.now().toISOString(), appliedCount });
    let sinceProgress = 0;
    await this.apply(hold, async () => {
      appliedCount++;
      if (++sinceProgress >= PROGRESS_EVERY) {
        sinceProgress = 0;
        await this.records.setApplyState(holdId, { appliedCount });
      }
    });
    await this.records.setApplyState(holdId, { applyStatus: 'completed', appliedCount, applyCompletedAt: this.now().toISOString() });
    return { outcome: 'completed', appliedCount };
  }

  /** Its job could not be queued: said on the hold (which stays active, and disposition still honours it). */
  async markApplyFailed(holdId: string): Promise<void> {
    await this.records.setApplyState(holdId, { applyStatus: 'failed' });
  }

  list(): Promise<LegalHold[]> {
    return this.records.list();
  }

  async active(): Promise<LegalHold[]> {
    return (await this.list()).filter((h) => h.status === 'active');
  }

  get(id: string): Promise<LegalHold | undefined> {
    return this.records.get(id);
  }

  /** Tags every covered entry not yet tagged (idempotent); run at creation and before each disposition. */
  async apply(hold: LegalHold, onTagged?: () => Promise<void>): Promise<number> {
    let tagged = 0;
    const changes: MetadataChange[] = [];
    for await (const entry of this.index.untaggedInScope(hold)) {
      if (!holdCovers(hold, entry)) continue;
      const written = await this.updateHolds(entry, (holds) => (holds.includes(hold.id) ? holds : [...holds, hold.id]));
      await this.lock.setContentLegalHold(entry.contentHash, true);
      if (written) {
        changes.push({ id: entry.id, holds: written });
        if (changes.length >= PROGRESS_EVERY) await this.searchMetadata.push(changes.splice(0));
        tagged++;
        await onTagged?.();
      }
    }
    await this.searchMetadata.push(changes);
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
    if (hold.status === 'active') {
      Object.assign(hold, { status: 'released', releasedBy, releasedAt: this.now().toISOString() });
      this.forCapture = undefined;
      await this.records.markReleased(id, releasedBy, hold.releasedAt!);
    }
    // Done even when already released: finishes a release that crashed half-way.
    const hashes = new Set<string>();
    const changes: MetadataChange[] = [];
    for await (const entry of this.index.taggedWith(id)) {
      const written = await this.updateHolds(entry, (holds) => holds.filter((h) => h !== id));
      if (written) changes.push({ id: entry.id, holds: written });
      if (changes.length >= PROGRESS_EVERY) await this.searchMetadata.push(changes.splice(0));
      hashes.add(entry.contentHash);
    }
    await this.searchMetadata.push(changes);
    for (const hash of hashes) {
      if ((await this.index.countHeldReferences(hash)) === 0) await this.lock.setContentLegalHold(hash, false);
    }
    return hold;
  }

  /** Sets `holds` with If-Match, re-reading on a concurrent change (capture changes other fields); returns the holds written, if any. */
  private async updateHolds(entry: Versioned<MessageEntry>, change: (holds: string[]) => string[]): Promise<string[] | undefined> {
    let current = entry;
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = change(current.holds);
      if (next.length === current.holds.length && next.every((h, i) => h === current.holds[i])) return undefined;
      const written = await this.index.setHolds(current, next);
      if (written === 'written') return next;
      if (written === 'gone') return undefined;
      const again = await this.index.reread(current);
      if (!again) return undefined;
      current = again;
    }
    throw new Error('legal hold: entry kept changing, try again');
  }
}
