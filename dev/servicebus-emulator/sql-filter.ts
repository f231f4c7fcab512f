/**
 * A subset of Service Bus SQL for subscription rules: filter conditions (SqlFilter) and actions
 * (SqlRuleAction). No npm package parses this dialect, so this is a small recursive-descent parser.
 *
 * Supported: `sys.<SystemProperty>` and user properties (`name`, `user.name`, `[quoted name]`);
 * string ('it''s'), number and TRUE/FALSE/NULL literals; = <> != < > <= >=; + - * / %; AND OR NOT;
 * [NOT] IN (...); IS [NOT] NULL; [NOT] LIKE with % and _ (and ESCAPE 'c'); EXISTS(prop); parentheses.
 * Actions: `SET prop = expr`, `REMOVE prop`, several separated by `;`.
 *
 * Logic is three-valued as in SQL: a missing property is NULL, a comparison with NULL or between
 * values of different types is unknown, and a filter matches only when its condition is TRUE.
 */

export type SqlValue = string | number | boolean | null;

/** What a condition or action sees of a message. */
export interface MessageView {
  /** System properties by their SQL name (MessageId, Label, To...), absent ones undefined. */
  system: Record<string, unknown>;
  /** Application (user) properties. */
  user: Record<string, unknown>;
}

type Expr =
  | { kind: 'literal'; value: SqlValue }
  | { kind: 'property'; scope: 'sys' | 'user'; name: string }
  | { kind: 'unary'; op: 'NOT' | '-'; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr }
  | { kind: 'in'; operand: Expr; list: Expr[]; negated: boolean }
  | { kind: 'like'; operand: Expr; pattern: Expr; escape?: string; negated: boolean }
  | { kind: 'isNull'; operand: Expr; negated: boolean }
  | { kind: 'exists'; property: Expr & { kind: 'property' } };

export type ActionStep =
  | { kind: 'set'; target: { scope: 'sys' | 'user'; name: string }; value: Expr }
  | { kind: 'remove'; target: { scope: 'sys' | 'user'; name: string } };

export class SqlSyntaxError extends Error {}

// System properties a filter may read, by their canonical SQL name (lookups are case-insensitive).
const SYSTEM_PROPERTIES = [
  'MessageId', 'CorrelationId', 'To', 'ReplyTo', 'Label', 'Subject', 'SessionId', 'ReplyToSessionId',
  'ContentType', 'ContentEncoding', 'UserId', 'TimeToLive', 'ScheduledEnqueueTimeUtc', 'SequenceNumber',
  'EnqueuedTimeUtc', 'DeliveryCount', 'Size',
];
// System properties an action may SET (they live in the message's properties section).
const WRITABLE_SYSTEM_PROPERTIES = new Set(['MessageId', 'CorrelationId', 'To', 'ReplyTo', 'Label', 'Subject', 'SessionId', 'ReplyToSessionId', 'ContentType']);
const SYSTEM_BY_LOWER = new Map(SYSTEM_PROPERTIES.map((name) => [name.toLowerCase(), name]));

// ------------------------------------------------------------------ tokens

type Token =
  | { type: 'word'; text: string; upper: string }
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'op'; text: string }
  | { type: 'end' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      // 'it''s': a doubled quote is a quote.
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new SqlSyntaxError('unterminated string literal');
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i++];
      }
      tokens.push({ type: 'string', value });
    } else if (c === '[') {
      const end = source.indexOf(']', i);
      if (end < 0) throw new SqlSyntaxError('unterminated [quoted identifier]');
      const text = source.slice(i + 1, end);
      tokens.push({ type: 'word', text, upper: '' }); // upper '' so a quoted name is never a keyword
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_$@]/.test(c)) {
      // Identifiers may be dotted: sys.Label, user.color.
      const match = /^[A-Za-z_$@][\w$@]*(?:\.[A-Za-z_$@][\w$@]*)*/.exec(source.slice(i))!;
      tokens.push({ type: 'word', text: match[0], upper: match[0].toUpperCase() });
      i += match[0].length;
    } else {
      const two = source.slice(i, i + 2);
      if (['<>', '!=', '<=', '>='].includes(two)) {
        tokens.push({ type: 'op', text: two });
        i += 2;
      } else if ('=<>+-*/%(),;'.includes(c)) {
        tokens.push({ type: 'op', text: c });
        i++;
      } else {
        throw new SqlSyntaxError(`unexpected character '${c}' at position ${i}`);
      }
    }
  }
  tokens.push({ type: 'end' });
  return tokens;
}

// ------------------------------------------------------------------ parser

const RESERVED = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'ESCAPE', 'EXISTS', 'TRUE', 'FALSE', 'SET', 'REMOVE']);

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private next(): Token {
    return this.tokens[this.position++]!;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.type === 'word' && t.upper === word;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.text === text;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.position++;
    return true;
  }

  private acceptOp(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.position++;
    return true;
  }

  expectOp(text: string): void {
    if (!this.acceptOp(text)) throw new SqlSyntaxError(`expected '${text}' but found ${describe(this.peek())}`);
  }

  expectEnd(): void {
    if (this.peek().type !== 'end') throw new SqlSyntaxError(`unexpected ${describe(this.peek())}`);
  }

  atEnd(): boolean {
    return this.peek().type === 'end';
  }

  // Precedence, lowest first: OR, AND, NOT, predicates (comparison, IN, LIKE, IS), + -, * / %, unary -.
  expression(): Expr {
    let left = this.and();
    while (this.acceptKeyword('OR')) left = { kind: 'binary', op: 'OR', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptKeyword('AND')) left = { kind: 'binary', op: 'AND', left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.acceptKeyword('NOT')) return { kind: 'unary', op: 'NOT', operand: this.not() };
    return this.predicate();
  }

  private predicate(): Expr {
    if (this.acceptKeyword('EXISTS')) {
      this.expectOp('(');
      const property = this.property();
      this.expectOp(')');
      return { kind: 'exists', property };
    }
    const left = this.additive();
    const t = this.peek();
    if (t.type === 'op' && ['=', '<>', '!=', '<', '>', '<=', '>='].includes(t.text)) {
      this.position++;
      return { kind: 'binary', op: t.text === '!=' ? '<>' : t.text, left, right: this.additive() };
    }
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      if (!this.acceptKeyword('NULL')) throw new SqlSyntaxError(`expected NULL after IS but found ${describe(this.peek())}`);
      return { kind: 'isNull', operand: left, negated };
    }
    const negated = this.acceptKeyword('NOT');
    if (this.acceptKeyword('IN')) {
      this.expectOp('(');
      const list = [this.additive()];
      while (this.acceptOp(',')) list.push(this.additive());
      this.expectOp(')');
      return { kind: 'in', operand: left, list, negated };
    }
    if (this.acceptKeyword('LIKE')) {
      const pattern = this.additive();
      let escape: string | undefined;
      if (this.acceptKeyword('ESCAPE')) {
        const e = this.next();
        if (e.type !== 'string' || e.value.length !== 1) throw new SqlSyntaxError('ESCAPE takes a one-character string');
        escape = e.value;
      }
      return { kind: 'like', operand: left, pattern, escape, negated };
    }
    if (negated) throw new SqlSyntaxError(`expected IN or LIKE after NOT but found ${describe(this.peek())}`);
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'op' || (t.text !== '+' && t.text !== '-')) return left;
      this.position++;
      left = { kind: 'binary', op: t.text, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'op' || !['*', '/', '%'].includes(t.text)) return left;
      this.position++;
      left = { kind: 'binary', op: t.text, left, right: this.unary() };
    }
  }

  private unary(): Expr {
    if (this.acceptOp('-')) return { kind: 'unary', op: '-', operand: this.unary() };
    if (this.acceptOp('+')) return this.unary();
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (this.acceptOp('(')) {
      const inner = this.expression();
      this.expectOp(')');
      return inner;
    }
    if (t.type === 'string' || t.type === 'number') {
      this.position++;
      return { kind: 'literal', value: t.value };
    }
    if (this.acceptKeyword('TRUE')) return { kind: 'literal', value: true };
    if (this.acceptKeyword('FALSE')) return { kind: 'literal', value: false };
    if (this.acceptKeyword('NULL')) return { kind: 'literal', value: null };
    return this.property();
  }

  /** Action statements: `SET prop = expr` or `REMOVE prop`, separated by `;`. */
  actions(): ActionStep[] {
    const steps: ActionStep[] = [];
    for (;;) {
      while (this.acceptOp(';'));
      if (this.atEnd()) return steps;
      const word = this.acceptKeyword('SET') ? 'SET' : this.acceptKeyword('REMOVE') ? 'REMOVE' : undefined;
      if (!word) throw new SqlSyntaxError(`expected SET or REMOVE but found ${describe(this.peek())}`);
      const { scope, name } = this.property();
      if (scope === 'sys' && (word === 'REMOVE' || !WRITABLE_SYSTEM_PROPERTIES.has(name))) {
        throw new SqlSyntaxError(`${word} cannot change the system property sys.${name}`);
      }
      if (word === 'SET') {
        this.expectOp('=');
        steps.push({ kind: 'set', target: { scope, name }, value: this.expression() });
      } else {
        steps.push({ kind: 'remove', target: { scope, name } });
      }
      if (!this.atEnd() && !this.isOp(';')) throw new SqlSyntaxError(`expected ';' but found ${describe(this.peek())}`);
    }
  }

  property(): Expr & { kind: 'property' } {
    const t = this.next();
    if (t.type !== 'word' || RESERVED.has(t.upper)) throw new SqlSyntaxError(`expected a property name but found ${describe(t)}`);
    if (t.upper === '') return { kind: 'property', scope: 'user', name: t.text }; // [quoted]
    const dot = t.text.indexOf('.');
    const prefix = dot > 0 ? t.text.slice(0, dot).toLowerCase() : '';
    if (prefix === 'sys') {
      const name = SYSTEM_BY_LOWER.get(t.text.slice(dot + 1).toLowerCase());
      if (!name) throw new SqlSyntaxError(`unknown system property ${t.text}`);
      return { kind: 'property', scope: 'sys', name };
    }
    if (prefix === 'user') return { kind: 'property', scope: 'user', name: t.text.slice(dot + 1) };
    return { kind: 'property', scope: 'user', name: t.text };
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'end': return 'the end of the expression';
    case 'string': return `'${t.value}'`;
    case 'number': return String(t.value);
    case 'op': return `'${t.text}'`;
    default: return `'${t.text}'`;
  }
}

/** Parses a filter condition; throws SqlSyntaxError. */
export function parseSqlFilter(source: string): Expr {
  const parser = new Parser(tokenize(source));
  if (parser.atEnd()) throw new SqlSyntaxError('empty expression');
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

/** Parses `SET a = expr; REMOVE b; ...`; throws SqlSyntaxError. */
export function parseSqlAction(source: string): ActionStep[] {
  const steps = new Parser(tokenize(source)).actions();
  if (steps.length === 0) throw new SqlSyntaxError('empty action');
  return steps;
}

// ------------------------------------------------------------------ evaluation

function lookup(view: MessageView, e: { scope: 'sys' | 'user'; name: string }): unknown {
  if (e.scope === 'sys') {
    // Label and Subject are the same property (Subject is the newer SDKs' name).
    if (e.name === 'Subject') return view.system.Label;
    return view.system[e.name];
  }
  if (e.name in view.user) return view.user[e.name];
  // Fall back to a case-insensitive match (SQL names are case-insensitive).
  const lower = e.name.toLowerCase();
  for (const key of Object.keys(view.user)) if (key.toLowerCase() === lower) return view.user[key];
  return undefined;
}

/** Plain SQL value of a property: Dates as milliseconds, Buffers (uuids...) as strings. */
function toSqlValue(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return String(value);
}

function evaluate(e: Expr, view: MessageView): SqlValue {
  switch (e.kind) {
    case 'literal': return e.value;
    case 'property': return toSqlValue(lookup(view, e));
    case 'exists': return lookup(view, e.property) !== undefined;
    case 'isNull': {
      const isNull = evaluate(e.operand, view) === null;
      return e.negated ? !isNull : isNull;
    }
    case 'unary': {
      const v = evaluate(e.operand, view);
      if (e.op === 'NOT') return typeof v === 'boolean' ? !v : null;
      return typeof v === 'number' ? -v : null;
    }
    case 'in': {
      const v = evaluate(e.operand, view);
      if (v === null) return null;
      const values = e.list.map((item) => evaluate(item, view));
      const found = values.some((item) => item !== null && typeof item === typeof v && item === v);
      if (found) return !e.negated;
      return values.includes(null) ? null : e.negated;
    }
    case 'like': {
      const v = evaluate(e.operand, view);
      const p = evaluate(e.pattern, view);
      if (typeof v !== 'string' || typeof p !== 'string') return null;
      const matched = likeToRegExp(p, e.escape).test(v);
      return e.negated ? !matched : matched;
    }
    case 'binary': return binary(e.op, e.left, e.right, view);
  }
}

function binary(op: string, leftExpr: Expr, rightExpr: Expr, view: MessageView): SqlValue {
  if (op === 'AND' || op === 'OR') {
    // Kleene logic: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE.
    const l = asBool(evaluate(leftExpr, view));
    const r = asBool(evaluate(rightExpr, view));
    if (op === 'AND') return l === false || r === false ? false : l === null || r === null ? null : true;
    return l === true || r === true ? true : l === null || r === null ? null : false;
  }
  const l = evaluate(leftExpr, view);
  const r = evaluate(rightExpr, view);
  if (l === null || r === null) return null;
  if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
  if (['+', '-', '*', '/', '%'].includes(op)) {
    if (typeof l !== 'number' || typeof r !== 'number') return null;
    switch (op) {
      case '+': return l + r;
      case '-': return l - r;
      case '*': return l * r;
      case '/': return r === 0 ? null : l / r;
      default: return r === 0 ? null : l % r;
    }
  }
  // Comparisons: only between values of the same type.
  if (typeof l !== typeof r) return null;
  switch (op) {
    case '=': return l === r;
    case '<>': return l !== r;
    case '<': return l < r;
    case '>': return l > r;
    case '<=': return l <= r;
    case '>=': return l >= r;
    default: throw new Error(`unknown operator ${op}`);
  }
}

function asBool(v: SqlValue): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

function likeToRegExp(pattern: string, escape: string | undefined): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]!);
    } else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True only when the condition evaluates to TRUE (FALSE and unknown do not match). */
export function matchesSqlFilter(expr: Expr, view: MessageView): boolean {
  return evaluate(expr, view) === true;
}

export interface ActionResult {
  /** Application properties to set (value) or remove (undefined). */
  user: Record<string, SqlValue | undefined>;
  /** System properties to set, by SQL name. */
  system: Record<string, SqlValue>;
}

/** Runs an action's steps in order; later steps see earlier changes. */
export function runSqlAction(steps: ActionStep[], view: MessageView): ActionResult {
  const current: MessageView = { system: { ...view.system }, user: { ...view.user } };
  const result: ActionResult = { user: {}, system: {} };
  for (const step of steps) {
    if (step.kind === 'set') {
      const value = evaluate(step.value, current);
      if (step.target.scope === 'sys') {
        const name = step.target.name === 'Subject' ? 'Label' : step.target.name;
        current.system[name] = value;
        result.system[name] = value;
      } else {
        current.user[step.target.name] = value;
        result.user[step.target.name] = value;
      }
    } else {
      delete current.user[step.target.name];
      result.user[step.target.name] = undefined;
    }
  }
  return result;
}
