/**
 * Text analysis: what the emulator puts in its full-text index for a field's value, and what a
 * query term becomes before it is looked up. It stands in for Azure AI Search's language analyzers
 * (fr.lucene, fr.microsoft, en.lucene, en.microsoft, standard.lucene, standardasciifolding.lucene,
 * keyword); docs/decisions/0019-search-emulator.md lists where it differs from them.
 *
 * Every analyzer yields tokens made of letters and digits only (plus '.' and '_' inside a word,
 * as Unicode word segmentation keeps "marie.tremblay" together), so the tokens can be written to
 * SQLite FTS5 as they are.
 */
interface Stemmer {
  stem(word: string): string;
}
// The package ships no types: typed here with what the analyzers call (a declaration file would
// not reach every project that compiles this one, such as the on-prem agent's type check).
const { newStemmer } = require('snowball-stemmers') as { newStemmer(language: string): Stemmer };

export type AnalyzerName =
  | 'fr.lucene'
  | 'fr.microsoft'
  | 'en.lucene'
  | 'en.microsoft'
  | 'standard.lucene'
  | 'standardasciifolding.lucene'
  | 'keyword';

export const ANALYZERS: readonly AnalyzerName[] = [
  'fr.lucene',
  'fr.microsoft',
  'en.lucene',
  'en.microsoft',
  'standard.lucene',
  'standardasciifolding.lucene',
  'keyword',
];

export interface Token {
  /** The indexed (or looked-up) form. */
  term: string;
  /** Where the word is in the original text (UTF-16 offsets), for highlights. */
  start: number;
  end: number;
}

/** A word as Unicode word segmentation sees it: letters/digits, joined by . _ and apostrophes. */
const WORD = /[\p{L}\p{N}]+(?:[.'’_][\p{L}\p{N}]+)*/gu;

/** French elisions removed at the start of a word (Lucene's French elision set). */
const FRENCH_ELISIONS = new Set(['l', 'm', 't', 'qu', 'n', 's', 'j', 'd', 'c', 'jusqu', 'quoiqu', 'lorsqu', 'puisqu']);

// Short stop-word lists: the words Lucene's French and English analyzers drop that matter most for
// matching. Dropping them on both sides (index and query) keeps "all" searches from requiring "la".
const FRENCH_STOP = new Set(
  'au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l à m n s t y été étée étées étés étant suis es est sommes êtes sont serai seras sera serons serez seront'.split(' '),
);
const ENGLISH_STOP = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);

let french: Stemmer | undefined;
let english: Stemmer | undefined;

/** Lower case, accents removed (é → e, ç → c, œ → oe), apostrophes and joiners dropped. */
export function fold(word: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(word)) return word.toLowerCase();
  return word
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/\p{M}/gu, '');
}

function stripElision(lower: string): string {
  const m = /^([\p{L}]+)['’](.+)$/u.exec(lower);
  if (m && FRENCH_ELISIONS.has(m[1]!)) return m[2]!;
  return lower;
}

/** Removes what is left of apostrophes inside a word ("aujourd'hui" → "aujourdhui"). */
function squeeze(word: string): string {
  return word.replace(/['’]/g, '');
}

// Words repeat (Zipf): the analyzed form of each word is kept per analyzer, which makes indexing
// many times faster than stemming every occurrence. Bounded: emptied when it grows past the limit.
const CACHE_LIMIT = 200_000;
const caches = new Map<AnalyzerName, Map<string, string | null>>();

/** One word (already isolated) to its indexed form, or undefined when the analyzer drops it. */
export function analyzeWord(word: string, analyzer: AnalyzerName): string | undefined {
  let cache = caches.get(analyzer);
  if (!cache) caches.set(analyzer, (cache = new Map()));
  const hit = cache.get(word);
  if (hit !== undefined) return hit ?? undefined;
  const term = analyzeUncached(word, analyzer);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(word, term ?? null);
  return term;
}

function analyzeUncached(word: string, analyzer: AnalyzerName): string | undefined {
  const lower = word.toLowerCase();
  switch (analyzer) {
    case 'fr.lucene':
    case 'fr.microsoft': {
      const bare = stripElision(lower);
      if (FRENCH_STOP.has(bare)) return undefined;
      // Accents folded BEFORE stemming so "assemblée" and "assemblee" reach the same stem.
      french ??= newStemmer('french');
      const folded = squeeze(fold(bare));
      return folded.includes('.') || folded.includes('_') ? folded : fold(french.stem(folded));
    }
    case 'en.lucene':
    case 'en.microsoft': {
      const bare = lower.replace(/['’]s$/u, '');
      if (ENGLISH_STOP.has(bare)) return undefined;
      english ??= newStemmer('english');
      const folded = squeeze(fold(bare));
      return folded.includes('.') || folded.includes('_') ? folded : english.stem(folded);
    }
    case 'standardasciifolding.lucene':
      return squeeze(fold(lower));
    case 'standard.lucene':
    case 'keyword':
      return squeeze(lower);
  }
}

/** A field value to tokens with their positions in the original text. */
export function analyze(text: string, analyzer: AnalyzerName): Token[] {
  return [...tokens(text, analyzer)];
}

/** The same, one token at a time (highlighting stops early in long texts). */
export function* tokens(text: string, analyzer: AnalyzerName): Generator<Token> {
  if (analyzer === 'keyword') {
    // The whole value is one term; kept whole with spaces turned to '_' so FTS5 sees one token.
    const term = fold(text).replace(/[^\p{L}\p{N}]+/gu, '_');
    if (term) yield { term, start: 0, end: text.length };
    return;
  }
  for (const m of text.matchAll(WORD)) {
    const term = analyzeWord(m[0], analyzer);
    if (term) yield { term, start: m.index, end: m.index + m[0].length };
  }
}

/**
 * A prefix typed in a query ("form*"): Azure does not run the analyzer on prefix terms, only lower
 * cases them; the emulator also folds accents (the indexed terms have none).
 */
export function analyzePrefix(prefix: string): string {
  return squeeze(fold(prefix)).replace(/[^\p{L}\p{N}._]/gu, '');
}
