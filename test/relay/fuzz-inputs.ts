import { seededRandom } from '../../dev/relay/sample-data';
import { OPERATIONS, type OperationName } from '../../shared/relay/contract';

/**
 * Generated bad inputs for the relay operations: wrong types, oversize and control-character
 * strings, SQL and path traversal attempts, prototype keys, extra and missing fields, impossible
 * dates and ranges. Deterministic (seeded) so a failure can be replayed.
 */
const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });

export const NASTY_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '  \t\n ', 'a'.repeat(10_000), 'é'.repeat(81),
  '../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/passwd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '....//....//etc/passwd',
  "' OR 1=1 --", "M00001'; DROP TABLE members; --", 'M00001 OR 1=1', '%', '_', '\u0000', 'M0000\u0000', '\uD800', '😀😀😀',
  '<script>alert(1)</script>', 'DOC-000001/../../x', 'DOC-0000010', 'doc-000001', 'M0000', 'm00001', 'M000011', 'GR-2024-00001', 'XX-2024-0001',
  '2024-13-45', '9999-99-99', '1970-01-01T00:00:00Z', '2024-02-30', 'GRF-1', 'grf-01', 'GRFF-01', [], [1, 2], ['M00001'], {}, { a: 1 }, { $gt: '' },
  JSON.parse('{"__proto__":{"admin":true}}'), deep(40), 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data', '\\\\server\\share\\x.pdf',
];

const FIELDS: Record<OperationName, string[]> = {
  lookupMember: ['memberNumber', 'name'],
  getCase: ['caseNumber'],
  listOpenCases: ['memberNumber'],
  searchDocuments: ['words', 'from', 'to', 'classification', 'limit'],
  getDocument: ['documentId'],
  fetchDocument: ['documentId'],
};

const GOOD: Record<OperationName, Record<string, unknown>> = {
  lookupMember: { memberNumber: 'M00001' },
  getCase: { caseNumber: 'GR-2024-0001' },
  listOpenCases: { memberNumber: 'M00001' },
  searchDocuments: { words: 'convention', from: '1980-01-01', to: '1990-12-31', classification: 'CNV-02', limit: 5 },
  getDocument: { documentId: 'DOC-000001' },
  fetchDocument: { documentId: 'DOC-000001' },
};

const EXTRA_KEYS = ['sql', 'path', 'url', 'query', 'constructor', 'prototype', 'file', '$where'];

/** `count` inputs for `operation`, every one rejected by the operation's own schema. */
export function badInputs(operation: OperationName, count: number, seed: number): unknown[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const out: unknown[] = [];
  const schema = OPERATIONS[operation].input;
  let guard = 0;
  while (out.length < count && guard++ < count * 50) {
    const good = { ...GOOD[operation] };
    let candidate: unknown;
    switch (Math.floor(random() * 6)) {
      case 0: // one field replaced by a nasty value
        candidate = { ...good, [pick(FIELDS[operation])]: pick(NASTY_VALUES) };
        break;
      case 1: // an extra key
        candidate = { ...good, [pick(EXTRA_KEYS)]: pick(NASTY_VALUES) };
        break;
      case 2: // not an object at all
        candidate = pick(NASTY_VALUES.filter((v) => typeof v !== 'object' || Array.isArray(v) || v === null));
        break;
      case 3: // every field nasty
        candidate = Object.fromEntries(FIELDS[operation].map((f) => [f, pick(NASTY_VALUES)]));
        break;
      case 4: // fields missing, or both alternatives, or an impossible range
        candidate =
          operation === 'lookupMember' ? pick([{}, { memberNumber: 'M00001', name: 'Tremblay' }]) :
          operation === 'searchDocuments' ? pick([{}, { from: '2000-01-01', to: '1990-01-01' }, { limit: pick([0, -1, 51, 1e9, 2.5]), words: 'x' }, { limit: 10 }]) :
          {};
        break;
      default: // a valid value with one character changed
        {
          const field = pick(FIELDS[operation]);
          const value = String(good[field] ?? 'x');
          const at = Math.floor(random() * value.length);
          candidate = { ...good, [field]: value.slice(0, at) + pick(['/', '.', "'", ';', ' ', '\u0000', '*', '%']) + value.slice(at + 1) };
        }
    }
    if (!schema.safeParse(JSON.parse(JSON.stringify(candidate ?? null))).success) out.push(candidate);
  }
  return out;
}
