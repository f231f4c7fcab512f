/**
 * Facts the template tests compute from infra/*.bicep with the reader (test/infra/bicep-reader.ts):
 * declarations by symbol, loop expansion over `var` arrays, and what a location or name expression
 * can evaluate to.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { at, bodyOf, Conditional, Expr, ForLoop, Interp, isObject, readBicep, type BicepFile, type BicepObject, type BicepValue, type Declaration } from './bicep-reader';

export const ROOT = path.resolve(__dirname, '../..');
export const INFRA = path.join(ROOT, 'infra');
export const CANADIAN = ['canadacentral', 'canadaeast'];

export class Template {
  readonly file: BicepFile;
  constructor(readonly filePath: string) {
    this.file = readBicep(filePath);
  }
  decls(kind: Declaration['kind']): Declaration[] {
    return this.file.declarations.filter((d) => d.kind === kind);
  }
  get(name: string): Declaration | undefined {
    return this.file.declarations.find((d) => d.name === name);
  }
  resources(typePrefix?: string): Declaration[] {
    return this.decls('resource').filter((d) => !typePrefix || d.type.split('@')[0] === typePrefix);
  }
  /** The (first) resource of a type this template declares; throws when there is none. */
  one(type: string): Declaration {
    const d = this.resources(type).find((r) => !r.existing);
    if (!d) throw new Error(`${this.filePath}: no ${type}`);
    return d;
  }
  /** A resource's (first) body; throws when the declaration is missing. */
  body(d: Declaration | undefined): BicepObject {
    const first = d && this.instances(d)[0];
    if (!first) throw new Error(`${this.filePath}: missing declaration`);
    return first.body;
  }
  param(name: string): Declaration | undefined {
    return this.decls('param').find((d) => d.name === name);
  }
  decorator(d: Declaration, name: string): string | undefined {
    return d.decorators.find((x) => x.name === name)?.args;
  }
  allowed(name: string): string[] | undefined {
    const p = this.param(name);
    const args = p && this.decorator(p, 'allowed');
    return args === undefined ? undefined : [...args.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
  }
  /** A var's value, following `a.b` into objects. */
  varValue(ref: string): BicepValue | undefined {
    const [head = '', ...rest] = ref.split('.');
    const v = this.decls('var').find((d) => d.name === head)?.value;
    return rest.length ? at(v, rest.join('.')) : v;
  }
  /**
   * A resource's bodies: one per item of a `[for x in someVar: ...]` loop (with `x.field` and `x`
   * replaced by the item's values), or its single body.
   */
  instances(d: Declaration): { body: BicepObject; condition?: string }[] {
    let condition: string | undefined;
    let v = d.value;
    if (v instanceof Conditional) {
      condition = v.condition;
      v = v.body;
    }
    if (!(v instanceof ForLoop)) return [{ body: bodyOf(v), condition }];
    const m = /^\s*(\w+)\s+in\s+(\w+)\s*$/.exec(v.header) as [string, string, string] | null;
    if (!m) throw new Error(`${d.name}: loop header not understood: ${v.header}`);
    const items = this.varValue(m[2]);
    if (!Array.isArray(items)) throw new Error(`${d.name}: loops over ${m[2]}, which is not a literal array`);
    const inner = v.body instanceof Conditional ? v.body : undefined;
    const body = inner ? inner.body : v.body;
    return items.map((item) => {
      // A condition inside the loop is per item (`[for x in xs: if (x.on) {...}]`).
      const own = inner && substitute(new Expr(inner.condition), m[1], item);
      const itemCondition = own === undefined ? condition : own instanceof Expr ? own.raw : JSON.stringify(own);
      return { body: substitute(bodyOf(body), m[1], item) as BicepObject, condition: itemCondition };
    });
  }
}

/** Replaces `x` and `x.field` with the loop item's values (inside larger expressions too, for strings). */
function substitute(v: BicepValue, name: string, item: BicepValue): BicepValue {
  if (v instanceof Expr) {
    const raw = v.raw.trim();
    if (raw === name) return item;
    if (raw.startsWith(`${name}.`) && /^[\w.]+$/.test(raw)) {
      const got = at(item, raw.slice(name.length + 1));
      if (got !== undefined) return got;
    }
    const replacement = typeof item === 'string' ? `'${item}'` : item instanceof Expr ? item.raw : undefined;
    if (replacement !== undefined) return new Expr(raw.replace(new RegExp(`(?<![.\\w'])${name}(?![\\w'])`, 'g'), replacement));
    // `x.field` inside a larger expression: the item's literal value, when it has one.
    return new Expr(
      raw.replace(new RegExp(`(?<![.\\w'])${name}\\.([\\w.]+)`, 'g'), (whole, field: string) => {
        const got = at(item, field);
        return typeof got === 'string' ? `'${got}'` : typeof got === 'number' || typeof got === 'boolean' ? String(got) : whole;
      }),
    );
  }
  if (v instanceof Interp) {
    return new Interp(
      v.parts.map((p) => {
        if (typeof p === 'string') return p;
        const got = substitute(p, name, item);
        return typeof got === 'string' || typeof got === 'number' ? String(got) : p;
      }),
      v.raw,
    );
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, name, item));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, name, item)]));
  return v;
}

export function infraTemplates(): Template[] {
  return readdirSync(INFRA)
    .filter((f) => f.endsWith('.bicep'))
    .map((f) => new Template(path.join(INFRA, f)));
}

/**
 * Every value a location expression can take: literals as themselves, a param as its @allowed
 * list (no list: the param itself, which the caller rejects), a var or `map[key]` lookup as the
 * var's values. Ternaries and other expressions yield all the literals and names they hold.
 */
export function locationValues(t: Template, v: BicepValue | undefined): string[] {
  if (typeof v === 'string') return [v];
  if (v instanceof Expr) {
    const raw = v.raw.trim();
    if (/^\w+$/.test(raw)) {
      const allowed = t.allowed(raw);
      if (allowed) return allowed;
      const asVar = t.varValue(raw);
      if (asVar !== undefined) return locationValues(t, asVar);
      return [`<unconstrained ${raw}>`];
    }
    const out: string[] = [];
    for (const m of raw.matchAll(/'([^']*)'|\b([A-Za-z_]\w*)\b/g)) {
      const [, literal, name = ''] = m;
      if (literal !== undefined) out.push(literal);
      else if (t.param(name) || t.varValue(name) !== undefined) out.push(...locationValues(t, new Expr(name)));
    }
    return out.length ? out : [`<unknown ${raw}>`];
  }
  if (Array.isArray(v)) return v.flatMap((x) => locationValues(t, x));
  return [`<unknown ${JSON.stringify(v)}>`];
}
