/**
 * A small reader for the subset of Bicep the templates in infra/ use, so the template tests can
 * check facts (locations, names, settings, roles, entities) without the Bicep CLI, which cannot be
 * installed on the build machines (no npm package compiles Bicep without downloading a binary).
 *
 * It reads declarations (param, var, resource, module, output) and their values: objects, arrays,
 * strings (with `${...}` interpolation kept apart), numbers, booleans, `[for ...: ...]` loops and
 * `if (...)` conditions. Any other expression is kept as its source text (`Expr`), so a test can
 * still look at it. It does not type-check: anything it cannot read fails loudly, which is what a
 * test wants when a template drifts from the subset.
 */
import { readFileSync } from 'node:fs';

export class Expr {
  constructor(readonly raw: string) {}
}
export class Interp {
  constructor(
    readonly parts: (string | Expr)[],
    readonly raw: string,
  ) {}
}
export class ForLoop {
  constructor(
    readonly header: string,
    readonly body: BicepValue,
  ) {}
}
export class Conditional {
  constructor(
    readonly condition: string,
    readonly body: BicepValue,
  ) {}
}
export type BicepObject = { [key: string]: BicepValue };
export type BicepValue = string | number | boolean | null | BicepObject | BicepValue[] | Expr | Interp | ForLoop | Conditional;

export interface Decorator {
  name: string;
  args: string;
}
export interface Declaration {
  kind: 'param' | 'var' | 'resource' | 'module' | 'output' | 'type';
  name: string;
  /** param/output: the type; resource: `Type@apiVersion`; module: the file path. */
  type: string;
  existing: boolean;
  value?: BicepValue;
  decorators: Decorator[];
}
export interface BicepFile {
  path: string;
  declarations: Declaration[];
  targetScope?: string;
  extensions: string[];
  /** bicepparam: the template it is for (`using '...'`). */
  using?: string;
}

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_]/.test(c);

class Parser {
  pos = 0;
  constructor(
    readonly src: string,
    readonly path: string,
  ) {}

  fail(message: string): never {
    const line = this.src.slice(0, this.pos).split('\n').length;
    throw new Error(`${this.path}:${line}: ${message}`);
  }
  peek(n = 0) {
    return this.src[this.pos + n] ?? '';
  }
  eof() {
    return this.pos >= this.src.length;
  }
  /** Spaces and comments; newlines too when asked. */
  skip(newlines: boolean) {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.pos++;
      else if (c === '/' && this.peek(1) === '/') while (!this.eof() && this.peek() !== '\n') this.pos++;
      else if (c === '/' && this.peek(1) === '*') {
        const end = this.src.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unclosed comment');
        this.pos = end + 2;
      } else return;
    }
  }
  ident(): string {
    if (!isIdentStart(this.peek())) this.fail(`expected a name, found ${JSON.stringify(this.src.slice(this.pos, this.pos + 20))}`);
    const start = this.pos;
    while (isIdent(this.peek())) this.pos++;
    return this.src.slice(start, this.pos);
  }
  expect(s: string) {
    if (!this.src.startsWith(s, this.pos)) this.fail(`expected ${s}, found ${JSON.stringify(this.src.slice(this.pos, this.pos + 20))}`);
    this.pos += s.length;
  }
  /** Skips a string literal starting at pos, returning its source text. */
  skipString(): string {
    const start = this.pos;
    if (this.src.startsWith("'''", this.pos)) {
      const end = this.src.indexOf("'''", this.pos + 3);
      if (end < 0) this.fail('unclosed multi-line string');
      this.pos = end + 3;
      return this.src.slice(start, this.pos);
    }
    this.pos++;
    while (!this.eof()) {
      const c = this.peek();
      if (c === '\\') this.pos += 2;
      else if (c === "'") {
        this.pos++;
        return this.src.slice(start, this.pos);
      } else if (c === '$' && this.peek(1) === '{') {
        this.pos += 2;
        this.rawUntil(['}']);
        this.expect('}');
      } else this.pos++;
    }
    this.fail('unclosed string');
  }
  /** Source text up to a terminator at bracket depth 0 (a newline counts unless inside brackets). */
  rawUntil(terminators: string[], stopAtNewline = false): string {
    const start = this.pos;
    let depth = 0;
    while (!this.eof()) {
      const c = this.peek();
      if (c === "'") {
        this.skipString();
        continue;
      }
      if (c === '/' && (this.peek(1) === '/' || this.peek(1) === '*')) {
        // A comment ends the expression's text but not a bracketed one.
        const save = this.pos;
        this.skip(false);
        if (this.pos === save) this.pos++;
        continue;
      }
      if (depth === 0 && (terminators.includes(c) || (stopAtNewline && c === '\n'))) break;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      }
      this.pos++;
    }
    return this.src.slice(start, this.pos).replace(/\/\/[^\n]*/g, '').trim();
  }
  parseString(): string | Interp {
    const start = this.pos;
    if (this.src.startsWith("'''", this.pos)) {
      const text = this.skipString();
      return text.slice(3, -3);
    }
    this.pos++;
    const parts: (string | Expr)[] = [];
    let cur = '';
    while (!this.eof()) {
      const c = this.peek();
      if (c === '\\') {
        const n = this.peek(1);
        cur += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
        this.pos += 2;
      } else if (c === "'") {
        this.pos++;
        if (parts.length === 0) return cur;
        if (cur) parts.push(cur);
        return new Interp(parts, this.src.slice(start, this.pos));
      } else if (c === '$' && this.peek(1) === '{') {
        if (cur) parts.push(cur);
        cur = '';
        this.pos += 2;
        parts.push(new Expr(this.rawUntil(['}'])));
        this.expect('}');
      } else {
        cur += c;
        this.pos++;
      }
    }
    this.fail('unclosed string');
  }
  /** After a value: is the expression over (end of line, comma, closing bracket or comment)? */
  atValueEnd(): boolean {
    const save = this.pos;
    this.skip(false);
    const c = this.peek();
    const end = this.eof() || c === '\n' || c === ',' || c === '}' || c === ']' || c === ')';
    this.pos = save;
    return end;
  }
  parseValue(): BicepValue {
    this.skip(false);
    const start = this.pos;
    const c = this.peek();
    let value: BicepValue;
    if (c === '{') value = this.parseObject();
    else if (c === '[') {
      let p = this.pos + 1;
      while (/\s/.test(this.src[p] ?? '')) p++;
      if (this.src.startsWith('for', p) && !isIdent(this.src[p + 3] ?? '')) {
        this.pos = p + 3;
        const header = this.rawUntil([':']);
        this.expect(':');
        const body = this.parseValue();
        this.skip(true);
        this.expect(']');
        value = new ForLoop(header, body);
      } else value = this.parseArray();
    } else if (c === "'") value = this.parseString();
    else if (this.src.startsWith('if', this.pos) && /\s*\(/.test(this.src.slice(this.pos + 2, this.pos + 4))) {
      this.pos += 2;
      this.skip(false);
      this.expect('(');
      const condition = this.rawUntil([')']);
      this.expect(')');
      value = new Conditional(condition, this.parseValue());
    } else {
      const raw = this.rawUntil([','], true);
      if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
      if (raw === 'true' || raw === 'false') return raw === 'true';
      if (raw === 'null') return null;
      if (!raw) this.fail('expected a value');
      return new Expr(raw);
    }
    if (this.atValueEnd()) return value;
    // A literal followed by an operator (`'a' == x ? ...`, `{...}.y`): the whole is an expression.
    this.pos = start;
    return new Expr(this.rawUntil([','], true));
  }
  parseObject(): BicepObject {
    this.expect('{');
    const out: BicepObject = {};
    for (;;) {
      this.skip(true);
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === '}') {
        this.pos++;
        return out;
      }
      while (this.peek() === '@') {
        // Decorators on properties (@description): skipped.
        this.pos++;
        this.ident();
        if (this.peek() === '(') {
          this.pos++;
          this.rawUntil([')']);
          this.expect(')');
        }
        this.skip(true);
      }
      const key = this.peek() === "'" ? (this.parseString() as string) : this.ident();
      this.skip(false);
      this.expect(':');
      out[key] = this.parseValue();
    }
  }
  parseArray(): BicepValue[] {
    this.expect('[');
    const out: BicepValue[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      out.push(this.parseValue());
    }
  }
  parseFile(): BicepFile {
    const file: BicepFile = { path: this.path, declarations: [], extensions: [] };
    let decorators: Decorator[] = [];
    for (;;) {
      this.skip(true);
      if (this.eof()) return file;
      if (this.peek() === '@') {
        this.pos++;
        const name = this.ident();
        let args = '';
        if (this.peek() === '(') {
          this.pos++;
          args = this.rawUntil([')']);
          this.expect(')');
        }
        decorators.push({ name, args });
        continue;
      }
      const keyword = this.ident();
      this.skip(false);
      if (keyword === 'targetScope') {
        this.expect('=');
        file.targetScope = String(this.parseValue());
      } else if (keyword === 'using') {
        file.using = String(this.parseValue());
      } else if (keyword === 'extension' || keyword === 'import' || keyword === 'metadata') {
        file.extensions.push(this.rawUntil([], true));
      } else if (keyword === 'param' || keyword === 'var' || keyword === 'output' || keyword === 'type') {
        const name = this.ident();
        this.skip(false);
        let type = '';
        if (keyword === 'param' && file.using !== undefined) type = '';
        else if (keyword === 'param' || keyword === 'output') type = this.rawUntil(['='], true);
        this.skip(false);
        let value: BicepValue | undefined;
        if (this.peek() === '=') {
          this.pos++;
          value = this.parseValue();
        }
        file.declarations.push({ kind: keyword, name, type, existing: false, value, decorators });
      } else if (keyword === 'resource' || keyword === 'module') {
        const name = this.ident();
        this.skip(false);
        const type = this.parseString();
        if (typeof type !== 'string') this.fail('interpolated resource type');
        this.skip(false);
        let existing = false;
        if (this.src.startsWith('existing', this.pos)) {
          existing = true;
          this.pos += 'existing'.length;
          this.skip(false);
        }
        this.expect('=');
        file.declarations.push({ kind: keyword, name, type, existing, value: this.parseValue(), decorators });
      } else this.fail(`unknown statement ${keyword}`);
      decorators = [];
    }
  }
}

export function parseBicep(source: string, path = '<bicep>'): BicepFile {
  return new Parser(source, path).parseFile();
}

export function readBicep(path: string): BicepFile {
  return parseBicep(readFileSync(path, 'utf8'), path);
}

/** The object a resource, module or loop declares (the loop's or condition's body). */
export function bodyOf(value: BicepValue | undefined): BicepObject {
  let v = value;
  while (v instanceof ForLoop || v instanceof Conditional) v = v.body;
  if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Expr || v instanceof Interp) throw new Error('not an object body');
  return v as BicepObject;
}

export function isObject(v: BicepValue | undefined): v is BicepObject {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Expr) && !(v instanceof Interp) && !(v instanceof ForLoop) && !(v instanceof Conditional);
}

/** Follows `a.b.c` into nested objects; undefined where a step is missing. */
export function at(v: BicepValue | undefined, path: string): BicepValue | undefined {
  let cur = v;
  for (const step of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[step];
  }
  return cur;
}

/** Evaluates a string value whose interpolations are names given in `env` (params, vars). */
export function evalString(v: BicepValue | undefined, env: Record<string, string>): string {
  if (typeof v === 'string') return v;
  if (v instanceof Interp) return v.parts.map((p) => (typeof p === 'string' ? p : evalExpr(p.raw, env))).join('');
  if (v instanceof Expr) return evalExpr(v.raw, env);
  throw new Error(`not a string: ${JSON.stringify(v)}`);
}

function evalExpr(raw: string, env: Record<string, string>): string {
  const name = raw.trim();
  const known = env[name];
  if (known !== undefined) return known;
  const call = /^(toLower|toUpper|take)\((.*)\)$/s.exec(name) as [string, string, string] | null;
  if (call) {
    const [, fn, args] = call;
    if (fn === 'take') {
      const m = /^(.*),\s*(\d+)$/s.exec(args) as [string, string, string] | null;
      if (!m) throw new Error(`cannot evaluate ${raw}`);
      return evalArg(m[1], env).slice(0, Number(m[2]));
    }
    const s = evalArg(args, env);
    return fn === 'toLower' ? s.toLowerCase() : s.toUpperCase();
  }
  throw new Error(`cannot evaluate ${raw}`);
}

function evalArg(raw: string, env: Record<string, string>): string {
  const t = raw.trim();
  if (t.startsWith("'")) return evalString(new Parser(t, '<arg>').parseString(), env);
  return evalExpr(t, env);
}
