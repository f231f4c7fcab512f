import { describe, expect, it } from 'vitest';
import { bindingDataOf, resolveBindingExpressions } from '../../dev/host/binding-data';

describe('binding expressions', () => {
  const http = bindingDataOf(
    { http: { method: 'POST', url: 'http://x/api/notes/a', headers: {}, params: { name: 'a' }, body: { bytes: Buffer.from(JSON.stringify({ folder: 'équipe', n: 3, nested: { deep: 'oui' } })) } } },
    { name: { string: 'memo-1' }, Query: { json: JSON.stringify({ kind: 'draft' }) } },
  );

  it('reads trigger metadata (case-insensitive, dotted) over JSON payload properties', () => {
    expect(resolveBindingExpressions('out/{Name}/{query.KIND}-{folder}-{n}-{nested.deep}.json', http)).toBe('out/memo-1/draft-équipe-3-oui.json');
  });

  it('fails naming an expression the trigger does not provide, or one that is not a single value', () => {
    expect(() => resolveBindingExpressions('out/{queueTrigger}', http)).toThrow("The binding expression '{queueTrigger}' in 'out/{queueTrigger}' has no value in the trigger's data.");
    expect(() => resolveBindingExpressions('out/{nested}', http)).toThrow("'{nested}'");
  });

  it('keeps {rand-guid} and {DateTime}', () => {
    expect(resolveBindingExpressions('x/{rand-guid}', {})).toMatch(/^x\/[0-9a-f-]{36}$/);
    expect(resolveBindingExpressions('x/{DateTime}', {})).toMatch(/^x\/\d{4}-\d{2}-\d{2}T/);
  });
});
