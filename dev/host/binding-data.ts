import { randomUUID } from 'node:crypto';
import type { RpcTypedData } from './functions-core';

/** Values a binding expression such as `{name}` or `{Query.kind}` may name, gathered from one invocation's trigger. */
export type BindingData = Record<string, unknown>;

/**
 * The binding data the host derives from a trigger, as documented for binding expressions: the
 * trigger metadata (route parameters, `Query`, `Headers` for HTTP; `MessageId`, `SessionId`... for
 * Service Bus; `name`, `BlobTrigger`... for blobs) and, when the trigger's payload is a JSON object
 * (an HTTP body, a message), its top-level properties. Metadata wins over payload properties.
 */
export function bindingDataOf(triggerData: RpcTypedData | null, triggerMetadata: Record<string, RpcTypedData> = {}): BindingData {
  const data: BindingData = {};
  const payload = payloadObject(triggerData);
  if (payload) Object.assign(data, payload);
  for (const [k, v] of Object.entries(triggerMetadata)) data[k] = typedValue(v);
  return data;
}

/**
 * Resolves `{...}` expressions in a binding property (a blob path): `{rand-guid}`, `{DateTime}`, and
 * names from the binding data, case-insensitively, dotted for nested values (`{Query.kind}`), as the
 * host's binding expressions. A name the trigger does not provide fails the invocation, naming it.
 */
export function resolveBindingExpressions(template: string, bindingData: BindingData): string {
  return template.replace(/\{([^{}]+)\}/g, (_, expression: string) => {
    const name = expression.trim();
    if (name.toLowerCase() === 'rand-guid') return randomUUID();
    if (name.toLowerCase() === 'datetime') return new Date().toISOString().replace(/[:.]/g, '-');
    const value = lookup(bindingData, name.split('.'));
    if (value === undefined || value === null || typeof value === 'object') {
      throw new Error(`The binding expression '{${name}}' in '${template}' has no value in the trigger's data.`);
    }
    return String(value as string | number | boolean);
  });
}

function lookup(data: unknown, parts: string[]): unknown {
  let current = data;
  for (const part of parts) {
    if (!current || typeof current !== 'object') return undefined;
    const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    if (key === undefined) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function typedValue(d: RpcTypedData): unknown {
  if (typeof d.string === 'string') return d.string;
  if (typeof d.json === 'string') return safeJson(d.json);
  if (d.int !== undefined && d.int !== null) return d.int;
  if (d.double !== undefined && d.double !== null) return d.double;
  return undefined;
}

function payloadObject(d: RpcTypedData | null): Record<string, unknown> | undefined {
  if (!d) return undefined;
  let text: string | undefined;
  if (d.http) {
    const body = d.http.body as RpcTypedData | null | undefined;
    if (body?.bytes) text = Buffer.from(body.bytes).toString('utf8');
    else if (typeof body?.string === 'string') text = body.string;
  } else if (typeof d.json === 'string') text = d.json;
  else if (typeof d.string === 'string') text = d.string;
  else if (d.bytes) text = Buffer.from(d.bytes).toString('utf8');
  if (!text) return undefined;
  const value = safeJson(text);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
