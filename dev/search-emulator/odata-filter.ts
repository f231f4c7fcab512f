/**
 * The OData `$filter` subset Azure AI Search accepts, compiled to an SQL condition on the
 * emulator's tables: comparisons (eq ne gt ge lt le) between a field and a constant (string,
 * number, true/false, null, date-time), `and` / `or` / `not` and parentheses with OData's
 * precedence (not, then and, then or), a bare boolean field, `search.in(field, 'a,b', ',')`,
 * `coll/any(x: ...)`, `coll/any()`, `coll/all(x: ...)` on collections, and
 * `search.ismatch('text', 'fields', 'queryType', 'searchMode')` / `search.ismatchscoring`.
 *
 * Logic is two-valued as on the service: a comparison with a missing value is false, `ne` with a
 * missing value is true, so `not (x gt 3)` includes documents without x.
 */
import { SearchError, type Field, type ScalarType } from './schema';

export interface FilterContext {
  fields: Map<string, Field>;
  /** SQL column of a simple field. */
  column(field: Field): string;
  /** Table of collection values: (r = document rowid, f = field name, v = value). */
  collectionTable: string;
  /** search.ismatch: an SQL condition on d.rowid for a full-text query. */
  fullText(search: string, searchFields: string | undefined, queryType: string | undefined, searchMode: string | undefined): { sql: string; params: unknown[] };
}

type Tok =
  | { t: 'id'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'date'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' | ':' | '/' };

export function filterError(message: string): SearchError {
  return new SearchError(400, 'InvalidRequestParameter', `Invalid expression: ${message}\r\nParameter name: $filter`);
}

const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/;

function lex(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ('(),:/'.includes(c)) {
      toks.push({ t: 'punct', v: c as '(' });
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw filterError(`The string starting at position ${i} in '${text}' is not closed.`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += text[j];
        j++;
      }
      toks.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    const date = DATE.exec(text.slice(i));
    if (date) {
      const d = new Date(date[0]);
      if (Number.isNaN(d.getTime())) throw filterError(`'${date[0]}' is not a valid date and time.`);
      toks.push({ t: 'date', v: d.toISOString() });
      i += date[0].length;
      continue;
    }
    const num = /^-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)/.exec(text.slice(i));
    if (num && (c === '-' || /\d|\./.test(c))) {
      toks.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (id) {
      toks.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw filterError(`Syntax error at position ${i} in '${text}'.`);
  }
  return toks;
}

type Operand = { kind: 'field'; field: Field; sql: string } | { kind: 'var'; field: Field; sql: string } | { kind: 'const'; value: unknown; type: ScalarType | 'null' };

const OPS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
const FLIP: Record<string, string> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

/** Compiles a filter to an SQL condition (documents table aliased `d`) with its parameters. */
export function compileFilter(text: string, ctx: FilterContext): { sql: string; params: unknown[] } {
  const toks = lex(text);
  let pos = 0;
  const params: unknown[] = [];
  const peek = () => toks[pos];
  const isId = (v: string) => peek()?.t === 'id' && (peek() as { v: string }).v === v;
  const expect = (v: string) => {
    const t = toks[pos++];
    if (!t || t.t !== 'punct' || t.v !== v) throw filterError(`Syntax error: '${v}' expected at term ${pos} in '${text}'.`);
  };
  /** The range variable of the lambda being compiled, if any. */
  let lambda: { name: string; field: Field } | undefined;

  function or(): string {
    const parts = [and()];
    while (isId('or')) {
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  }
  function and(): string {
    const parts = [not()];
    while (isId('and')) {
      pos++;
      parts.push(not());
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  }
  function not(): string {
    if (isId('not')) {
      pos++;
      return `(NOT ${not()})`;
    }
    return comparison();
  }
  function comparison(): string {
    if (peek()?.t === 'punct' && (peek() as { v: string }).v === '(') {
      pos++;
      const inner = or();
      expect(')');
      return inner;
    }
    const left = operand();
    const t = peek();
    if (t?.t === 'id' && t.v in OPS) {
      pos++;
      const right = operand();
      return compare(left, t.v, right);
    }
    if (typeof left === 'string') return left;
    if ((left.kind === 'field' || left.kind === 'var') && left.field.type === 'Edm.Boolean' && (!left.field.collection || left.kind === 'var')) return `(${left.sql} IS NOT NULL AND ${left.sql} = 1)`;
    if (left.kind === 'const' && left.type === 'Edm.Boolean') return left.value ? '1' : '0';
    throw filterError(`The expression at term ${pos} in '${text}' is not a boolean condition.`);
  }
  function compare(left: Operand | string, op: string, right: Operand | string): string {
    if (typeof left === 'string' || typeof right === 'string') throw filterError(`A comparison needs a field and a constant ('${text}').`);
    if (left.kind === 'const' && right.kind !== 'const') return compare(right, FLIP[op]!, left);
    if (left.kind === 'const' || right.kind !== 'const') throw filterError(`Comparisons must be between a field and a constant ('${text}').`);
    const f = left.field;
    if (f.collection && left.kind === 'field') throw filterError(`The field '${f.name}' is a collection; use ${f.name}/any(...) to compare its values.`);
    if (right.type === 'null') {
      if (op === 'eq') return `(${left.sql} IS NULL)`;
      if (op === 'ne') return `(${left.sql} IS NOT NULL)`;
      throw filterError(`null can only be compared with eq or ne ('${text}').`);
    }
    const numeric = ['Edm.Int32', 'Edm.Int64', 'Edm.Double'];
    const compatible = right.type === f.type || (numeric.includes(f.type) && numeric.includes(right.type));
    if (!compatible) throw filterError(`A binary operator with incompatible types was detected. Found operand types '${f.type}' and '${right.type}' for operator kind '${op}'.`);
    params.push(right.type === 'Edm.Boolean' ? (right.value ? 1 : 0) : right.value);
    // Two-valued without hiding the column from SQLite's indexes (a COALESCE would).
    return op === 'ne' ? `(${left.sql} IS NULL OR ${left.sql} <> ?)` : `(${left.sql} IS NOT NULL AND ${left.sql} ${OPS[op]} ?)`;
  }
  function operand(): Operand | string {
    const t = toks[pos++];
    if (!t) throw filterError(`Syntax error: the expression '${text}' ends too early.`);
    if (t.t === 'str') return { kind: 'const', value: t.v, type: 'Edm.String' };
    if (t.t === 'num') return { kind: 'const', value: t.v, type: Number.isInteger(t.v) ? 'Edm.Int64' : 'Edm.Double' };
    if (t.t === 'date') return { kind: 'const', value: t.v, type: 'Edm.DateTimeOffset' };
    if (t.t === 'punct') throw filterError(`Syntax error at '${t.v}' (term ${pos}) in '${text}'.`);
    const v = t.v;
    if (v === 'true' || v === 'false') return { kind: 'const', value: v === 'true', type: 'Edm.Boolean' };
    if (v === 'null') return { kind: 'const', value: null, type: 'null' };
    if (v === 'search.in') return searchIn();
    if (v === 'search.ismatch' || v === 'search.ismatchscoring') return isMatch();
    if (lambda && v === lambda.name) return { kind: 'var', field: lambda.field, sql: 'm.v' };
    const field = ctx.fields.get(v);
    if (!field) throw filterError(`Could not find a property named '${v}' on type 'search.document'.`);
    if (!field.filterable) throw filterError(`The field '${v}' is not filterable. Only filterable fields can be used in filter expressions.`);
    if (peek()?.t === 'punct' && (peek() as { v: string }).v === '/') {
      pos++;
      const fn = toks[pos++];
      if (fn?.t !== 'id' || (fn.v !== 'any' && fn.v !== 'all')) throw filterError(`Only any() and all() can follow '${v}/' in '${text}'.`);
      if (!field.collection) throw filterError(`'${fn.v}' can only be used on a collection field; '${v}' is not one.`);
      return lambdaCall(field, fn.v);
    }
    return { kind: 'field', field, sql: `d.${ctx.column(field)}` };
  }
  function lambdaCall(field: Field, fn: 'any' | 'all'): string {
    expect('(');
    // Uncorrelated subqueries (computed once, using the (f, v, r) index), not EXISTS per document.
    const base = `SELECT m.r FROM ${ctx.collectionTable} m WHERE m.f = ?`;
    params.push(field.name);
    if (peek()?.t === 'punct' && (peek() as { v: string }).v === ')') {
      pos++;
      if (fn === 'all') throw filterError(`all() needs a condition, as in ${field.name}/all(x: x ne 'value').`);
      return `d.rowid IN (${base})`;
    }
    const name = toks[pos++];
    if (name?.t !== 'id') throw filterError(`A range variable is expected in ${field.name}/${fn}(...).`);
    expect(':');
    if (lambda) throw filterError('Nested lambda expressions are not supported.');
    lambda = { name: name.v, field };
    const body = or();
    lambda = undefined;
    expect(')');
    return fn === 'any' ? `d.rowid IN (${base} AND ${body})` : `d.rowid NOT IN (${base} AND NOT ${body})`;
  }
  function args(): (string | Operand)[] {
    expect('(');
    const list: (string | Operand)[] = [];
    for (;;) {
      list.push(operand());
      const t = toks[pos++];
      if (t?.t === 'punct' && t.v === ')') return list;
      if (!(t?.t === 'punct' && t.v === ',')) throw filterError(`Syntax error in a function call in '${text}'.`);
    }
  }
  function searchIn(): string {
    const a = args();
    const [target, values, delimiters] = a;
    if (typeof target === 'string' || !target || target.kind === 'const') throw filterError("search.in's first argument must be a field or a range variable.");
    if (target.kind === 'field' && target.field.collection) throw filterError(`search.in cannot take the collection '${target.field.name}' directly; use ${target.field.name}/any(x: search.in(x, ...)).`);
    const str = (o: string | Operand | undefined) => (o && typeof o !== 'string' && o.kind === 'const' && o.type === 'Edm.String' ? (o.value as string) : undefined);
    const list = str(values);
    if (list === undefined) throw filterError("search.in's second argument must be a string of values.");
    const delims = delimiters === undefined ? ' ,' : str(delimiters);
    if (delims === undefined || delims === '') throw filterError("search.in's third argument must be a string of delimiter characters.");
    const escaped = [...delims].map((ch) => ch.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&')).join('');
    const items = list.split(new RegExp(`[${escaped}]`)).filter((s) => s !== '');
    if (target.field.type !== 'Edm.String') throw filterError(`search.in only applies to string fields; '${target.field.name}' is ${target.field.type}.`);
    if (items.length === 0) return '0';
    params.push(...items);
    return `(${target.sql} IS NOT NULL AND ${target.sql} IN (${items.map(() => '?').join(', ')}))`;
  }
  function isMatch(): string {
    const a = args();
    const s = a.map((o) => (o && typeof o !== 'string' && o.kind === 'const' && o.type === 'Edm.String' ? (o.value as string) : undefined));
    if (s[0] === undefined || s.length > 4 || s.some((x) => x === undefined)) throw filterError('search.ismatch takes one to four string arguments: search text, fields, query type, search mode.');
    const { sql, params: p } = ctx.fullText(s[0], s[1], s[2], s[3]);
    params.push(...p);
    return sql;
  }

  const sql = or();
  if (pos < toks.length) throw filterError(`Syntax error at term ${pos + 1} in '${text}'.`);
  return { sql, params };
}
