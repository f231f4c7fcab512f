/**
 * The `search` text of a query, in Azure AI Search's simple syntax (queryType=simple: words,
 * "phrases", +, |, -, prefix*, parentheses) or full Lucene syntax (queryType=full: also
 * field:term, AND/OR/NOT, &&, ||, !), parsed to a tree and compiled to an SQLite FTS5 match
 * expression over the index's searchable columns.
 *
 * How clauses combine follows the service: juxtaposed clauses use searchMode (any = OR, all =
 * AND), and with searchMode=any a negated clause is OR-ed like the others ("wifi -luxury" finds
 * what has wifi OR lacks luxury), as Microsoft documents for both syntaxes.
 */
import { analyze, analyzePrefix, type AnalyzerName } from './analysis';
import { SearchError, type Field } from './schema';

export type Query =
  | { k: 'term'; word: string; fields?: string[] }
  | { k: 'prefix'; prefix: string; fields?: string[] }
  | { k: 'phrase'; text: string; fields?: string[] }
  | { k: 'and'; items: Query[] }
  | { k: 'or'; items: Query[] }
  | { k: 'not'; item: Query }
  | { k: 'must'; item: Query }
  | { k: 'all' };

type Tok =
  | { t: 'word'; v: string; prefix: boolean }
  | { t: 'phrase'; v: string }
  | { t: 'field'; v: string }
  | { t: '(' }
  | { t: ')' }
  | { t: 'and' }
  | { t: 'or' }
  | { t: 'not' }
  | { t: 'plus' };

function badQuery(message: string): SearchError {
  return new SearchError(400, 'InvalidRequestParameter', `Failed to parse query string. ${message}\r\nParameter name: search`);
}

function lex(text: string, full: boolean): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const isSpace = (c: string) => /\s/.test(c);
  // Characters that end a word (besides white space).
  const stops = full ? '()":^~' : '()"|';
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      toks.push({ t: c });
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        v += text[j];
        j++;
      }
      // The simple syntax never fails (a staff member's stray quote): the phrase runs to the end.
      if (j >= text.length && full) throw badQuery(`The phrase starting at position ${i} has no closing quote.`);
      toks.push({ t: 'phrase', v });
      i = skipModifiers(text, j + 1);
      continue;
    }
    if (c === '+') {
      toks.push({ t: 'plus' });
      i++;
      continue;
    }
    if (c === '-' || (full && c === '!')) {
      toks.push({ t: 'not' });
      i++;
      continue;
    }
    if (c === '|') {
      toks.push({ t: 'or' });
      i += text[i + 1] === '|' ? 2 : 1;
      continue;
    }
    if (full && c === '&' && text[i + 1] === '&') {
      toks.push({ t: 'and' });
      i += 2;
      continue;
    }
    if (full && (c === '[' || c === '{')) throw badQuery('Range queries are not supported in search text; use $filter (Azure AI Search does the same).');
    if (full && c === '/') throw badQuery('Regular expression queries are not supported by the search emulator.');
    let v = '';
    let prefix = false;
    let j = i;
    while (j < text.length && !isSpace(text[j]!) && !stops.includes(text[j]!)) {
      if (text[j] === '\\' && j + 1 < text.length) {
        v += text[j + 1];
        j += 2;
        continue;
      }
      if (text[j] === '*' || (full && text[j] === '?')) {
        const atEnd = j + 1 >= text.length || isSpace(text[j + 1]!) || stops.includes(text[j + 1]!);
        if (text[j] === '*' && atEnd) {
          prefix = true;
          j++;
          break;
        }
        if (text[j] === '*' && v === '' ) {
          v += '*';
          j++;
          continue;
        }
        throw badQuery(`Wildcards other than a trailing '*' are not supported by the search emulator (near position ${j}).`);
      }
      v += text[j];
      j++;
    }
    if (full && text[j] === ':') {
      toks.push({ t: 'field', v });
      i = j + 1;
      continue;
    }
    if (full && !prefix && (v === 'AND' || v === 'OR' || v === 'NOT')) {
      toks.push({ t: v === 'AND' ? 'and' : v === 'OR' ? 'or' : 'not' });
      i = j;
      continue;
    }
    if (v === '' && !prefix) throw badQuery(`Unexpected '${text[j] ?? ''}' at position ${j}.`);
    toks.push({ t: 'word', v, prefix });
    i = skipModifiers(text, j);
  }
  return toks;
}

/**
 * The simple syntax is meant for people typing in a box and does not fail on a stray operator or
 * parenthesis: operators with nothing to apply to and unmatched parentheses are dropped, and
 * parentheses left open are closed.
 */
function lenient(toks: Tok[]): Tok[] {
  const out: Tok[] = [];
  let depth = 0;
  for (const t of toks) {
    if (t.t === ')') {
      if (depth === 0) continue;
      while (out.length && ['not', 'plus', 'or', 'and'].includes(out[out.length - 1]!.t)) out.pop();
      if (out[out.length - 1]?.t === '(') {
        out.pop();
        depth--;
        continue;
      }
      depth--;
    }
    if (t.t === '(') depth++;
    if ((t.t === 'or' || t.t === 'and' || t.t === 'plus') && (out.length === 0 || ['(', 'or', 'and', 'not', 'plus'].includes(out[out.length - 1]!.t))) {
      if (t.t !== 'plus') continue;
    }
    out.push(t);
  }
  while (out.length && ['not', 'plus', 'or', 'and', '('].includes(out[out.length - 1]!.t)) {
    if (out.pop()!.t === '(') depth--;
  }
  for (; depth > 0; depth--) out.push({ t: ')' });
  return out;
}

/** `~N` (fuzzy, proximity) and `^N` (boost) are accepted and ignored: see the ADR. */
function skipModifiers(text: string, i: number): number {
  while (text[i] === '~' || text[i] === '^') {
    i++;
    while (i < text.length && /[0-9.]/.test(text[i]!)) i++;
  }
  return i;
}

export function parseSearch(text: string | undefined, options: { full: boolean; all: boolean }): Query {
  const trimmed = (text ?? '').trim();
  if (trimmed === '' || trimmed === '*') return { k: 'all' };
  const toks = options.full ? lex(trimmed, true) : lenient(lex(trimmed, false));
  if (toks.length === 0) return { k: 'all' };
  let pos = 0;
  const peek = () => toks[pos];

  function seq(inGroup: boolean): Query {
    const items: Query[] = [];
    while (pos < toks.length && !(inGroup && peek()!.t === ')')) {
      if (peek()!.t === ')') throw badQuery('Unbalanced parentheses.');
      items.push(or());
    }
    if (items.length === 0) throw badQuery('Empty expression.');
    if (items.length === 1) return items[0]!;
    const unwrap = (q: Query) => (q.k === 'must' ? q.item : q);
    if (options.all) return { k: 'and', items: items.map(unwrap) };
    const musts = items.filter((q) => q.k === 'must').map(unwrap);
    const nots = items.filter((q) => q.k === 'not');
    if (musts.length) return { k: 'and', items: [...musts, ...nots] };
    return { k: 'or', items };
  }
  function or(): Query {
    const items = [and()];
    while (peek()?.t === 'or') {
      pos++;
      items.push(and());
    }
    return items.length === 1 ? items[0]! : { k: 'or', items: items.map((q) => (q.k === 'must' ? q.item : q)) };
  }
  function and(): Query {
    const items = [unary()];
    while (peek()?.t === 'and' || (!options.full && peek()?.t === 'plus')) {
      pos++;
      items.push(unary());
    }
    return items.length === 1 ? items[0]! : { k: 'and', items: items.map((q) => (q.k === 'must' ? q.item : q)) };
  }
  function unary(): Query {
    const t = peek();
    if (!t) throw badQuery('The query ends where a term was expected.');
    if (t.t === 'not') {
      pos++;
      return { k: 'not', item: unary() };
    }
    if (t.t === 'plus') {
      pos++;
      return { k: 'must', item: unary() };
    }
    return primary();
  }
  function primary(fields?: string[]): Query {
    const t = toks[pos++];
    if (!t) throw badQuery('The query ends where a term was expected.');
    switch (t.t) {
      case '(': {
        const q = seq(true);
        if (toks[pos++]?.t !== ')') throw badQuery('Unbalanced parentheses.');
        return fields ? scope(q, fields) : q;
      }
      case 'field':
        return primary([t.v]);
      case 'phrase':
        return { k: 'phrase', text: t.v, fields };
      case 'word':
        if (t.v === '*' && !t.prefix) return { k: 'all' };
        return t.prefix ? { k: 'prefix', prefix: t.v, fields } : { k: 'term', word: t.v, fields };
      default:
        throw badQuery(`Unexpected operator at term ${pos}.`);
    }
  }
  const q = seq(false);
  if (pos < toks.length) throw badQuery('Unbalanced parentheses.');
  return q;
}

function scope(q: Query, fields: string[]): Query {
  switch (q.k) {
    case 'term':
    case 'prefix':
    case 'phrase':
      return { ...q, fields: q.fields ?? fields };
    case 'and':
    case 'or':
      return { k: q.k, items: q.items.map((i) => scope(i, fields)) };
    case 'not':
    case 'must':
      return { k: q.k, item: scope(q.item, fields) };
    case 'all':
      return q;
  }
}

/** A compiled clause: matches `pos`, everything but `neg`, everything, or nothing. */
export type Compiled = { pos: string } | { neg: string } | { all: true } | { none: true };

/**
 * Compiles to FTS5 syntax. `columns` maps searchable field names to FTS5 column names;
 * `defaults` are the fields searched when a clause names none (searchFields, or all).
 * Returns null when every word was dropped by the analyzers (stop words): Azure then matches nothing.
 */
export function compile(q: Query, fields: Map<string, Field>, columns: Map<string, string>, defaults: string[]): Compiled | null {
  const groups = (names: string[] | undefined): Map<AnalyzerName, string[]> => {
    const byAnalyzer = new Map<AnalyzerName, string[]>();
    for (const name of names ?? defaults) {
      const f = fields.get(name);
      if (!f) throw new SearchError(400, 'InvalidRequestParameter', `Unknown field '${name}' in search query.\r\nParameter name: search`);
      if (!f.searchable) throw new SearchError(400, 'InvalidRequestParameter', `Field '${name}' is not searchable; only searchable fields can be searched.\r\nParameter name: search`);
      const list = byAnalyzer.get(f.analyzer) ?? [];
      list.push(columns.get(name)!);
      byAnalyzer.set(f.analyzer, list);
    }
    return byAnalyzer;
  };
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const leaf = (names: string[] | undefined, build: (analyzer: AnalyzerName) => string | undefined): Compiled | null => {
    const parts: string[] = [];
    for (const [analyzer, cols] of groups(names)) {
      const body = build(analyzer);
      if (body) parts.push(`{${cols.join(' ')}} : ${body}`);
    }
    return parts.length ? { pos: parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})` } : null;
  };
  const rec = (n: Query): Compiled | null => {
    switch (n.k) {
      case 'all':
        return { all: true };
      case 'term':
      case 'phrase': {
        const text = n.k === 'term' ? n.word : n.text;
        return leaf(n.fields, (a) => {
          const terms = analyze(text, a).map((t) => t.term);
          return terms.length ? quote(terms.join(' ')) : undefined;
        });
      }
      case 'prefix': {
        const p = analyzePrefix(n.prefix);
        if (!p) return { all: true };
        return leaf(n.fields, () => `${quote(p)}*`);
      }
      case 'must':
        return rec(n.item);
      case 'not': {
        const c = rec(n.item);
        if (!c) return null;
        if ('pos' in c) return { neg: c.pos };
        if ('neg' in c) return { pos: c.neg };
        return 'all' in c ? { none: true } : { all: true };
      }
      case 'and': {
        const cs = n.items.map(rec).filter((c): c is Compiled => c !== null);
        if (cs.some((c) => 'none' in c)) return { none: true };
        const p = cs.flatMap((c) => ('pos' in c ? [c.pos] : []));
        const ng = cs.flatMap((c) => ('neg' in c ? [c.neg] : []));
        if (!p.length && !ng.length) return cs.length ? { all: true } : null;
        if (!p.length) return { neg: ng.map((x) => `(${x})`).join(' OR ') };
        const pe = p.map((x) => `(${x})`).join(' AND ');
        return { pos: ng.length ? `(${pe}) NOT (${ng.map((x) => `(${x})`).join(' OR ')})` : pe };
      }
      case 'or': {
        const cs = n.items.map(rec).filter((c): c is Compiled => c !== null);
        if (cs.some((c) => 'all' in c)) return { all: true };
        const live = cs.filter((c) => !('none' in c));
        if (!live.length) return cs.length ? { none: true } : null;
        const p = live.flatMap((c) => ('pos' in c ? [c.pos] : []));
        const ng = live.flatMap((c) => ('neg' in c ? [c.neg] : []));
        const pe = p.map((x) => `(${x})`).join(' OR ');
        if (!ng.length) return { pos: pe };
        // a OR NOT b OR NOT c = NOT (b AND c AND NOT a)
        const ne = ng.map((x) => `(${x})`).join(' AND ');
        return { neg: p.length ? `(${ne}) NOT (${pe})` : ne };
      }
    }
  };
  return rec(q);
}

/** The words and prefixes of a query, per field, for highlights (negated clauses excluded). */
export function positiveTerms(q: Query): { fields?: string[]; word?: string; prefix?: string }[] {
  switch (q.k) {
    case 'term':
      return [{ fields: q.fields, word: q.word }];
    case 'phrase':
      return [{ fields: q.fields, word: q.text }];
    case 'prefix':
      return [{ fields: q.fields, prefix: q.prefix }];
    case 'and':
    case 'or':
      return q.items.flatMap(positiveTerms);
    case 'must':
      return positiveTerms(q.item);
    case 'not':
    case 'all':
      return [];
  }
}
