import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sweepOrphans } from '../../shared/archive/capture/orphan-sweep';
import { FakeClock, FakeContentStore, FakeMessageIndex, FakeSweepWatermark } from '../fakes/archive-capture';
import { STAFF, addStandardMailbox, far, makeWorld } from '../fakes/capture-world';

/** The orphan sweep over the fakes: what a crash leaves behind goes, nothing referenced or recent does. */

const HOUR = 3600_000;
const GRACE = 6 * HOUR;

async function storeMime(content: FakeContentStore, label: string, protection?: { until: Date | null; legalHold: boolean }): Promise<string> {
  return (await content.store(Readable.from([Buffer.from(`Subject: ${label}\r\n\r\n${label}\r\n`)]), protection)).contentHash;
}

describe('orphan sweep', () => {
  it('keeps referenced content and content within the grace period, removes real orphans and old staging', async () => {
    const w = makeWorld();
    addStandardMailbox(w.mail);
    await w.archiver.archive(STAFF.mailboxId, far());
    const referenced = new Set(w.index.entries().map((e) => e.contentHash));
    w.clock.advance(2 * HOUR);
    const orphan = await storeMime(w.content, 'stocké puis la run a planté');
    w.content.leaveStaging('staging/2026-03-02/ancien');
    w.clock.advance(GRACE + HOUR);
    // Written just now: maybe a run in progress whose entry is not written yet.
    const young = await storeMime(w.content, 'run en cours');
    w.content.leaveStaging('staging/2026-03-02/en-cours');
    const watermark = new FakeSweepWatermark();

    const result = await sweepOrphans({ content: w.content, index: w.index, watermark }, { graceMs: GRACE, now: w.clock.now() });
    expect(result).toEqual({ mode: 'full', staging: 1, content: 1, checked: referenced.size + 1, kept: 0 });
    expect(await w.content.exists(orphan)).toBe(false);
    expect(await w.content.exists(young)).toBe(true);
    for (const hash of referenced) expect(await w.content.exists(hash)).toBe(true);
    expect([...w.content.staging.keys()]).toEqual(['staging/2026-03-02/en-cours']);
    expect(watermark.until).toEqual(new Date(w.clock.now().getTime() - GRACE));

    // The next pass looks only at what was stored since (less an hour for clocks): the young orphan, now past its grace.
    w.clock.advance(GRACE + HOUR);
    const next = await sweepOrphans({ content: w.content, index: w.index, watermark }, { graceMs: GRACE, now: w.clock.now() });
    expect(next).toEqual({ mode: 'window', staging: 1, content: 1, checked: 1, kept: 0 });
    expect(await w.content.exists(young)).toBe(false);
    expect(w.content.blobs.size).toBe(referenced.size);
  });

  it('keeps an orphan still under retention or legal hold, and deletes it on a later pass once it may', async () => {
    const clock = new FakeClock();
    const content = new FakeContentStore(clock);
    const index = new FakeMessageIndex();
    const watermark = new FakeSweepWatermark();
    const retained = await storeMime(content, 'protégé 2 jours', { until: new Date(clock.now().getTime() + 48 * HOUR), legalHold: false });
    const held = await storeMime(content, 'sous suspension légale', { until: null, legalHold: true });
    const plain = await storeMime(content, 'ordinaire');
    clock.advance(GRACE + HOUR);

    const first = await sweepOrphans({ content, index, watermark }, { graceMs: GRACE, now: clock.now() });
    expect(first).toMatchObject({ mode: 'full', checked: 3, content: 1, kept: 2 });
    expect(await content.exists(plain)).toBe(false);
    expect(watermark.keptHashes.sort()).toEqual([retained, held].sort());

    // A day later: both retried from the kept list (outside the window now), both still protected.
    clock.advance(24 * HOUR);
    expect(await sweepOrphans({ content, index, watermark }, { graceMs: GRACE, now: clock.now() })).toMatchObject({ mode: 'window', checked: 2, content: 0, kept: 2 });
    // Two days later the retention date has passed; the legal hold still forbids deletion.
    clock.advance(24 * HOUR);
    expect(await sweepOrphans({ content, index, watermark }, { graceMs: GRACE, now: clock.now() })).toMatchObject({ checked: 2, content: 1, kept: 1 });
    expect(await content.exists(retained)).toBe(false);
    expect(await content.exists(held)).toBe(true);
    expect(watermark.keptHashes).toEqual([held]);
  });
});
