import type { ManifestIndex, ManifestStore } from '../ports';
import { DailyManifest, MANIFEST_FORMAT, MANIFEST_PROTECTION_YEARS, merkleRoot, nextDay, SEAL_DELAY_MS, sha256, type ManifestItem, type StoredManifest } from './manifest';

/** Open (unsealed) days verified by each pass: today, yesterday (sealed two hours after it ends) and one spare. */
export const OPEN_DAYS_MAX = 3;

/**
 * Sealing and reading the daily manifests (the format in manifest.ts): each day of capture is
 * sealed once, chained to the day before, written once and, in Azure, protected for
 * MANIFEST_PROTECTION_YEARS.
 */
export class Manifests {
  constructor(private readonly store: ManifestStore, private readonly index: ManifestIndex, private readonly now: () => Date = () => new Date()) {}

  /** Days that have a manifest, oldest first. */
  days(): Promise<string[]> {
    return this.store.days();
  }

  async read(day: string): Promise<StoredManifest> {
    const { bytes, name } = await this.store.read(day);
    return { manifest: DailyManifest.parse(JSON.parse(bytes.toString('utf8'))), hash: sha256(bytes), blobName: name };
  }

  /** The entries captured on a day, as the index holds them now, sorted by entry id. */
  async itemsOfDay(day: string): Promise<ManifestItem[]> {
    const start = `${day}T00:00:00.000Z`;
    const end = new Date(Date.parse(start) + 86_400_000).toISOString();
    const items = (await this.index.capturedBetween(start, end)).map((r) => ({ entryId: r.id, pk: r.pk, contentHash: r.contentHash }));
    return items.sort((a, b) => (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0));
  }

  /**
   * Seals every day not yet sealed, from the day after the last manifest (or the first capture) to
   * the last day that ended at least SEAL_DELAY_MS ago. Empty days get a manifest too: the chain
   * has no holes an attacker could hide a day in.
   */
  async seal(): Promise<string[]> {
    const sealed = await this.days();
    const lastSealable = new Date(this.now().getTime() - SEAL_DELAY_MS - 86_400_000).toISOString().slice(0, 10);
    let previous: StoredManifest | undefined = sealed.length ? await this.read(sealed[sealed.length - 1]!) : undefined;
    let day = previous ? nextDay(previous.manifest.day) : await this.firstCaptureDay();
    const written: string[] = [];
    while (day && day <= lastSealable) {
      const items = await this.itemsOfDay(day);
      const manifest: DailyManifest = {
        format: MANIFEST_FORMAT,
        day,
        sealedAt: this.now().toISOString(),
        items,
        merkleRoot: merkleRoot(items),
        previousDay: previous?.manifest.day ?? null,
        previousManifestHash: previous?.hash ?? null,
      };
      const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
      const until = new Date(this.now());
      until.setUTCFullYear(until.getUTCFullYear() + MANIFEST_PROTECTION_YEARS);
      const stored = await this.store.create(day, bytes, until);
      if (!stored.created) {
        // Another instance sealed it first: continue the chain from what is stored.
        previous = await this.read(day);
        day = nextDay(day);
        continue;
      }
      written.push(day);
      previous = { manifest, hash: sha256(bytes), blobName: stored.name };
      day = nextDay(day);
    }
    return written;
  }

  /**
   * The days of capture not sealed yet, oldest first: from the day after the last manifest (or the
   * first capture) to today. Only the last OPEN_DAYS_MAX are returned: sealing runs before every
   * verification, so more open days than that means sealing has not run, and those older days are
   * verified once they are sealed (a full re-hash of a never-sealed archive belongs to sealing).
   */
  async openDays(sealed?: string[]): Promise<string[]> {
    const days = sealed ?? (await this.days());
    const today = this.now().toISOString().slice(0, 10);
    const last = days[days.length - 1];
    let day = last ? nextDay(last) : await this.firstCaptureDay();
    if (!day) return [];
    const earliest = new Date(Date.parse(`${today}T00:00:00.000Z`) - (OPEN_DAYS_MAX - 1) * 86_400_000).toISOString().slice(0, 10);
    if (day < earliest) day = earliest;
    const open: string[] = [];
    for (; day <= today; day = nextDay(day)) open.push(day);
    return open;
  }

  private async firstCaptureDay(): Promise<string | undefined> {
    const first = await this.index.firstCapturedAt();
    return first ? new Date(first).toISOString().slice(0, 10) : undefined;
  }
}
