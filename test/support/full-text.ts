import type { RecordsServices } from '../../shared/archive/adapters/records-services';

type FullText = NonNullable<RecordsServices['fullText']>;

/** The records services' full-text search, which the tests using it configure (a search endpoint). */
export function fullTextOf(records: Pick<RecordsServices, 'fullText'>): FullText {
  if (!records.fullText) throw new Error('full-text search is not configured');
  return records.fullText;
}

/** Runs indexing passes until one says it caught up (a pass reads capture in steps). */
export async function indexUntilCaughtUp(fullText: FullText): Promise<void> {
  for (let i = 0; i < 20; i++) if ((await fullText.indexing.pass()).caughtUp) return;
  throw new Error('indexing did not catch up');
}
