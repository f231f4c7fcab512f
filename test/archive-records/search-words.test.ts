import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Requester } from '../../shared/archive/records/access';
import { SearchQuery } from '../../shared/archive/records/search-filter';
import { archiveEntry, startRecordsStack, type RecordsStack } from './records-stack';

/**
 * Subject search is accent- and case-insensitive and matches whole words; participants are found by
 * name as well as by address; entries written before the search words existed are found once the
 * daily pass has added them. On the Cosmos emulator, through the search use case.
 */
let stack: RecordsStack;
const mailboxId = randomUUID();
const records: Requester = { oid: randomUUID(), kind: 'user', recordsManager: true };
const genevieve = { name: 'Geneviève Tremblay', address: 'gtremblay@spgq.local' };

beforeAll(async () => {
  stack = await startRecordsStack();
  const entry = (receivedAt: string, subject: string, extra: Parameters<typeof archiveEntry>[1] extends infer S ? Partial<S> : never = {}) => archiveEntry(stack, { mailboxId, receivedAt, subject, ...extra });
  await entry('2026-03-01T10:00:00Z', 'Réunion du comité'.normalize('NFC'));
  await entry('2026-03-02T10:00:00Z', 'REUNION syndicale'.normalize('NFD'));
  await entry('2026-03-03T10:00:00Z', 'Séance d’information');
  await entry('2026-03-04T10:00:00Z', 'Formation obligatoire', { cc: [genevieve] });
  await entry('2026-03-05T10:00:00Z', 'Réunions préparatoires');
});
afterAll(async () => {
  await stack?.stop();
});

async function subjects(query: Record<string, string>): Promise<string[]> {
  const outcome = await stack.services.reading.searchPage(records, SearchQuery.parse({ mailboxId, pageSize: '100', ...query }));
  if (outcome.kind !== 'ok') throw new Error(outcome.kind);
  return outcome.page.items.map((i) => i.subject.normalize('NFC')).sort();
}

describe('search by words', () => {
  it('finds a subject whatever its accents and case, composed or decomposed', async () => {
    const both = ['REUNION syndicale', 'Réunion du comité'].sort();
    expect(await subjects({ subject: 'reunion' })).toEqual(both);
    expect(await subjects({ subject: 'RÉUNION' })).toEqual(both);
    expect(await subjects({ subject: 'Réunion'.normalize('NFD') })).toEqual(both);
    expect(await subjects({ subject: 'réunion comite' })).toEqual(['Réunion du comité']);
  });

  it('matches whole words: "formation" does not find "information"', async () => {
    expect(await subjects({ subject: 'formation' })).toEqual(['Formation obligatoire']);
    expect(await subjects({ subject: 'information' })).toEqual(['Séance d’information']);
    expect(await subjects({ subject: 'reunions' })).toEqual(['Réunions préparatoires']);
  });

  it('finds a participant by name as well as by address', async () => {
    expect(await subjects({ participant: 'genevieve' })).toEqual(['Formation obligatoire']);
    expect(await subjects({ participant: 'Tremblay Geneviève' })).toEqual(['Formation obligatoire']);
    expect(await subjects({ participant: 'GTremblay@spgq.local' })).toEqual(['Formation obligatoire']);
    expect(await subjects({ participant: 'Tremblay Roger' })).toEqual([]);
  });

  it('finds entries written before the search words once the daily pass has added them', async () => {
    await archiveEntry(stack, { mailboxId, receivedAt: '2026-02-01T10:00:00Z', subject: 'Réunion d’avant', withoutSearchTerms: true });
    const result = await stack.services.passes.disposition();
    expect(result).toMatchObject({ searchTermsAdded: 1 });
    expect(await subjects({ subject: 'reunion avant' })).toEqual(['Réunion d’avant']);
    expect((await stack.services.passes.disposition()).searchTermsAdded).toBe(0);
  });
});
