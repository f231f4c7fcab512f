/**
 * Route templates as the Functions host understands them (ASP.NET style): `users/{id}`,
 * optional `{id?}`, catch-all `{*path}`, and constraints such as `{id:int}` or `{id:guid}`.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  alpha: /^[a-z]+$/i,
  datetime: /^\d{4}-\d{2}-\d{2}/,
  decimal: /^-?\d+(\.\d+)?$/,
  double: /^-?\d+(\.\d+)?$/,
  float: /^-?\d+(\.\d+)?$/,
};

interface Constraint {
  test(value: string): boolean;
}

/** ASP.NET's length and range constraints: `maxlength(0)` is how an app answers the site root. */
function sizeConstraint(name: string, [a = 0, b = a]: number[]): Constraint {
  const length = (v: string) => v.length;
  const number = (v: string) => (/^-?\d+$/.test(v) ? Number(v) : NaN);
  switch (name) {
    case 'maxlength':
      return { test: (v) => length(v) <= a };
    case 'minlength':
      return { test: (v) => length(v) >= a };
    case 'length':
      return { test: (v) => length(v) >= a && length(v) <= b };
    case 'min':
      return { test: (v) => number(v) >= a };
    case 'max':
      return { test: (v) => number(v) <= a };
    default:
      return { test: (v) => number(v) >= a && number(v) <= b };
  }
}

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraints: Constraint[];
}

function parseSegment(raw: string): Segment {
  const m = /^\{(\*{1,2})?([A-Za-z_][\w]*)((?::[^}?=]+)*)(\?)?(?:=[^}]*)?\}$/.exec(raw);
  if (!m) return { literal: raw.toLowerCase(), constraints: [] };
  const constraints = (m[3] ?? '')
    .split(':')
    .filter(Boolean)
    .map((c): Constraint => {
      const regex = /^regex\((.*)\)$/.exec(c);
      if (regex) return new RegExp(`^(?:${regex[1]})$`);
      const sized = /^(maxlength|minlength|length|min|max|range)\(([^)]*)\)$/i.exec(c);
      if (sized) return sizeConstraint(sized[1]!.toLowerCase(), sized[2]!.split(',').map((n) => Number(n.trim())));
      return CONSTRAINTS[c.replace(/\(.*\)$/, '').toLowerCase()] ?? /.*/;
    });
  return { param: m[2], optional: Boolean(m[4]) || Boolean(m[1]), catchAll: Boolean(m[1]), constraints };
}

export function compileRoute(template: string): CompiledRoute {
  const segments = template.split('/').filter(Boolean).map(parseSegment);
  return {
    template,
    match(path: string) {
      const parts = path.split('/').filter(Boolean);
      const params: Record<string, string> = {};
      let i = 0;
      for (const seg of segments) {
        if (seg.catchAll) {
          const rest = parts.slice(i).map(decodeURIComponent).join('/');
          if (rest) params[seg.param!] = rest;
          return params;
        }
        const part = parts[i];
        if (part === undefined) {
          if (seg.optional) continue;
          return undefined;
        }
        if (seg.literal !== undefined) {
          if (decodeURIComponent(part).toLowerCase() !== seg.literal) return undefined;
        } else {
          const value = decodeURIComponent(part);
          if (!seg.constraints.every((c) => c.test(value))) return undefined;
          params[seg.param!] = value;
        }
        i++;
      }
      return i === parts.length ? params : undefined;
    },
  };
}

/** More literal segments first, so `items/new` wins over `items/{id}` as in ASP.NET routing. */
export function routePrecedence(template: string): number[] {
  return template
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith('{*') ? 3 : s.startsWith('{') ? (s.includes(':') ? 1 : 2) : 0));
}

export function compareRoutes(a: string, b: string): number {
  const pa = routePrecedence(a);
  const pb = routePrecedence(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}
