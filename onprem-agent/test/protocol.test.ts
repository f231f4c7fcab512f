import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, privateKeyFrom, publicKeyFrom, signRequest, verifyRequestSignature, type UnsignedRelayRequest } from '../../shared/relay/contract';

const keys = generateKeyPairSync('ed25519');
const unsigned: UnsignedRelayRequest = {
  v: 1,
  id: '6f1c1d4e-8a4b-4f7e-9b1a-2c3d4e5f6a7b',
  operation: 'lookupMember',
  params: { name: 'Côté', extra: [1, { b: 2, a: 1 }] },
  user: { oid: '0b1c2d3e-0000-4000-8000-000000000001', roles: ['Staff'] },
  issuedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:02:00.000Z',
  replyToSessionId: 'session-1',
};

describe('relay protocol', () => {
  it('serialises canonically: sorted keys at every level, no whitespace, undefined dropped', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });

  it('verifies what it signed, whatever the key order in transit', () => {
    const signed = signRequest(unsigned, { kid: 'k1', privateKey: keys.privateKey });
    const reordered = JSON.parse(JSON.stringify({ ...signed, params: { extra: [1, { a: 1, b: 2 }], name: 'Côté' } }));
    expect(verifyRequestSignature(reordered, new Map([['k1', keys.publicKey]]))).toBe(true);
  });

  it('refuses a changed field, an unknown key id and another key', () => {
    const signed = signRequest(unsigned, { kid: 'k1', privateKey: keys.privateKey });
    const known = new Map([['k1', keys.publicKey]]);
    for (const changed of [
      { ...signed, params: { name: 'Cote', extra: [1, { b: 2, a: 1 }] } },
      { ...signed, user: { ...signed.user, roles: ['Staff', 'Manager'] } },
      { ...signed, replyToSessionId: 'someone-else' },
      { ...signed, expiresAt: '2027-01-01T00:00:00.000Z' },
      { ...signed, kid: 'k2' },
      { ...signed, signature: 'AAAA' },
    ]) {
      expect(verifyRequestSignature(changed, known)).toBe(false);
    }
    const other = generateKeyPairSync('ed25519');
    expect(verifyRequestSignature(signed, new Map([['k1', other.publicKey]]))).toBe(false);
  });

  it('reads keys as PEM (with \\n escapes, as in app settings) or base64 DER, Ed25519 only', () => {
    const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(privateKeyFrom(pem.replace(/\n/g, '\\n')).asymmetricKeyType).toBe('ed25519');
    expect(privateKeyFrom(keys.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')).asymmetricKeyType).toBe('ed25519');
    expect(publicKeyFrom(keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')).asymmetricKeyType).toBe('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => privateKeyFrom(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(/Ed25519/);
  });
});
