import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, base64url } from 'jose';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { createTokenValidator, hasAnyRole, TokenRejected, type TokenValidator } from '../../shared/platform/auth';

const staff = DEMO_USERS[0]!;
let issuer: TokenIssuer;
let validator: TokenValidator;

beforeAll(async () => {
  issuer = await startTokenIssuer();
  validator = createTokenValidator({ tenantId: issuer.tenantId, clientId: issuer.clientId, authority: issuer.authority });
});
afterAll(() => issuer.stop());

const bearer = (t: string) => `Bearer ${t}`;
async function rejection(header: string | undefined): Promise<string> {
  try {
    await validator.validate(header);
  } catch (e) {
    expect(e).toBeInstanceOf(TokenRejected);
    return (e as TokenRejected).problem;
  }
  throw new Error('token was accepted');
}
const now = () => Math.floor(Date.now() / 1000);

describe('Entra ID v2 access token validation', () => {
  it('accepts a valid delegated token and identifies the user by oid and tid only', async () => {
    const principal = await validator.validate(bearer(await issuer.mintUserToken(staff)));
    expect(principal).toMatchObject({ oid: staff.oid, tid: issuer.tenantId, kind: 'user', roles: ['Staff'], scopes: ['access_as_user'] });
    expect(Object.keys(principal)).not.toContain('preferred_username');
  });

  it('accepts the api:// form of the audience', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { aud: `api://${issuer.clientId}` } });
    await expect(validator.validate(bearer(token))).resolves.toMatchObject({ oid: staff.oid });
  });

  it('accepts an app-only token that carries app roles', async () => {
    const token = await issuer.mintAppToken(issuer.clientId, ['ITAdmin']);
    await expect(validator.validate(bearer(token))).resolves.toMatchObject({ kind: 'app', roles: ['ITAdmin'] });
  });

  describe('calling client apps (azp) allow-list', () => {
    const TEAMS_WEB = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
    const TEAMS_DESKTOP = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
    const STRANGER = '9a3b1c2d-0000-4000-8000-00000000beef';

    it('accepts tokens the Teams clients obtained (the pre-authorised ones) and the API’s own registration', async () => {
      for (const azp of [TEAMS_WEB, TEAMS_DESKTOP, issuer.clientId]) {
        await expect(validator.validate(bearer(await issuer.mintUserToken(staff, { claims: { azp } }))), azp).resolves.toMatchObject({ oid: staff.oid });
      }
    });

    it('refuses a token another client app obtained for this API, and one that names no client', async () => {
      expect(await rejection(bearer(await issuer.mintUserToken(staff, { claims: { azp: STRANGER } })))).toBe('client_not_allowed');
      expect(await rejection(bearer(await issuer.mintUserToken(staff, { claims: { azp: undefined } })))).toBe('client_not_allowed');
      expect(await rejection(bearer(await issuer.mintAppToken(issuer.clientId, ['ITAdmin'], { claims: { azp: STRANGER } })))).toBe('client_not_allowed');
    });

    it('reads appid where a v1 token carries it, and takes the configured clients', async () => {
      const configured = createTokenValidator({ tenantId: issuer.tenantId, clientId: issuer.clientId, authority: issuer.authority, allowedClientApps: [STRANGER] });
      await expect(configured.validate(bearer(await issuer.mintUserToken(staff, { claims: { azp: undefined, appid: STRANGER } })))).resolves.toMatchObject({ oid: staff.oid });
      // Configured clients replace the Teams defaults; the API's own registration stays allowed.
      await expect(configured.validate(bearer(await issuer.mintUserToken(staff, { claims: { azp: TEAMS_WEB } })))).rejects.toMatchObject({ problem: 'client_not_allowed' });
      await expect(configured.validate(bearer(await issuer.mintUserToken(staff)))).resolves.toMatchObject({ oid: staff.oid });
    });
  });

  it('refuses a missing or non-bearer authorization header', async () => {
    expect(await rejection(undefined)).toBe('missing');
    expect(await rejection('Basic dXNlcjpwYXNz')).toBe('missing');
  });

  it('refuses an expired token (beyond the clock tolerance)', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { iat: now() - 7200, nbf: now() - 7200, exp: now() - 120 } });
    expect(await rejection(bearer(token))).toBe('expired');
  });

  it('refuses a token that is not yet valid', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { nbf: now() + 600 } });
    expect(await rejection(bearer(token))).toBe('not_yet_valid');
  });

  it('refuses a token issued in the future (iat beyond the clock tolerance), even when nbf says it is valid', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { iat: now() + 3600, nbf: now() - 60, exp: now() + 7200 } });
    expect(await rejection(bearer(token))).toBe('not_yet_valid');
  });

  it('refuses a token for another audience', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { aud: 'https://graph.microsoft.com' } });
    expect(await rejection(bearer(token))).toBe('wrong_audience');
  });

  it('refuses a token from another tenant', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { tid: '11111111-2222-3333-4444-555555555555' } });
    expect(await rejection(bearer(token))).toBe('wrong_tenant');
  });

  it('refuses a token from another issuer', async () => {
    const token = await issuer.mintUserToken(staff, { claims: { iss: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0' } });
    expect(await rejection(bearer(token))).toBe('wrong_issuer');
  });

  it('refuses a token whose signature does not match the published key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const real = await issuer.mintUserToken(staff);
    const kid = JSON.parse(Buffer.from(real.split('.')[0]!, 'base64url').toString()).kid;
    const forged = await new SignJWT(JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString()))
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    expect(await rejection(bearer(forged))).toBe('bad_signature');
    // A payload altered after signing is caught the same way.
    const [h, p, s] = real.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = [h, base64url.encode(JSON.stringify({ ...payload, roles: ['ITAdmin'] })), s].join('.');
    expect(await rejection(bearer(tampered))).toBe('bad_signature');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const real = await issuer.mintUserToken(staff);
    const payload = real.split('.')[1];
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    expect(await rejection(bearer(`${header}.${payload}.`))).toBe('bad_algorithm');
  });

  it('refuses a symmetric token (algorithm confusion)', async () => {
    const real = await issuer.mintUserToken(staff);
    const claims = JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString());
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await rejection(bearer(hs))).toBe('bad_algorithm');
  });

  it('refuses a token signed with an unknown key id', async () => {
    const token = await issuer.mintUserToken(staff, { kid: 'not-a-published-key' });
    expect(await rejection(bearer(token))).toBe('unknown_key');
  });

  it('refuses a delegated token without the API scope, and an app token without roles', async () => {
    expect(await rejection(bearer(await issuer.mintUserToken(staff, { scopes: ['User.Read'] })))).toBe('no_scope_or_role');
    expect(await rejection(bearer(await issuer.mintAppToken(issuer.clientId, [])))).toBe('no_scope_or_role');
  });

  it('refuses garbage', async () => {
    expect(await rejection('Bearer not.a.jwt')).toBe('malformed');
  });

  it('keeps unknown roles out of the principal, and authorizes on roles', async () => {
    const principal = await validator.validate(bearer(await issuer.mintUserToken({ oid: staff.oid, roles: ['Staff', 'GlobalAdmin'] })));
    expect(principal.roles).toEqual(['Staff']);
    expect(hasAnyRole(principal, ['Staff'])).toBe(true);
    expect(hasAnyRole(principal, ['RecordsManager', 'ITAdmin'])).toBe(false);
  });
});

describe('signing key rollover', () => {
  const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

  it('is followed without a restart: a token signed with a newly published key is accepted', async () => {
    const rolling = await startTokenIssuer();
    try {
      const v = createTokenValidator({ tenantId: rolling.tenantId, clientId: rolling.clientId, authority: rolling.authority, jwksCooldownMs: 100 });
      const before = await rolling.mintUserToken(staff);
      await v.validate(bearer(before)); // the key set is now cached
      await rolling.rotateKey();
      await new Promise((r) => setTimeout(r, 150)); // past the refetch cooldown
      const after = await rolling.mintUserToken(staff);
      expect(kidOf(after)).not.toBe(kidOf(before));
      await expect(v.validate(bearer(after))).resolves.toMatchObject({ oid: staff.oid });
      // Tokens signed with the previous key stay valid while it is still published.
      await expect(v.validate(bearer(before))).resolves.toMatchObject({ oid: staff.oid });
    } finally {
      await rolling.stop();
    }
  });
});
