import type { JWTPayload } from 'jose';

/**
 * Validation of Entra ID v2 access tokens for this API. Locally the dev stack's token issuer signs
 * tokens with its own key and serves its own JWKS, so this same code runs everywhere.
 */

export { APP_ROLES, APPLICATION_ROLES, type AppRole, type ApplicationRole } from './roles';
import { APP_ROLES, APPLICATION_ROLES, type AppRole, type ApplicationRole } from './roles';

/** The delegated scope the Teams tab asks for (exposed by the API's app registration). */
export const API_SCOPE = 'access_as_user';

export interface Principal {
  /** Object id in the tenant: with tid, the only identity decisions are made on (never email/UPN). */
  oid: string;
  tid: string;
  /** `app`: an app-only token (`idtyp=app`, or no `scp`): no person signed in. */
  kind: 'user' | 'app';
  roles: AppRole[];
  /** The application roles an app-only token holds (always empty for a person). */
  applicationRoles: ApplicationRole[];
  scopes: string[];
  /** Display name, for greeting only; never logged. */
  name?: string;
}

export type TokenProblem =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'unknown_key'
  | 'bad_algorithm'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_tenant'
  | 'no_scope_or_role'
  | 'client_not_allowed'
  | 'keys_unavailable';

export class TokenRejected extends Error {
  constructor(readonly problem: TokenProblem) {
    super(`Access token rejected: ${problem}`);
    this.name = 'TokenRejected';
  }
}

export interface TokenValidatorOptions {
  tenantId: string;
  clientId: string;
  /** https://login.microsoftonline.com in Azure; the local token issuer's origin locally. */
  authority: string;
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSeconds?: number;
  /** Minimum time between two key-set fetches, so a flood of unknown key ids cannot hammer Entra. */
  jwksCooldownMs?: number;
  /**
   * Client apps whose tokens are taken (`azp`, or `appid` in v1 tokens): by default the Teams
   * clients the registration pre-authorises. The API's own registration is always allowed.
   */
  allowedClientApps?: readonly string[];
}

/**
 * Teams desktop and mobile, and Teams on the web: the clients that obtain the tab's token by SSO,
 * pre-authorised for access_as_user in the API's registration (infra/entra/api-app.json).
 */
export const TEAMS_CLIENT_APPS = ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346'] as const;

export interface TokenValidator {
  validate(authorizationHeader: string | null | undefined): Promise<Principal>;
}

export function createTokenValidator(options: TokenValidatorOptions): TokenValidator {
  const jose = require('jose') as typeof import('jose');
  const tenant = options.tenantId.toLowerCase();
  const issuer = `${options.authority}/${tenant}/v2.0`;
  const audiences = [options.clientId, `api://${options.clientId}`];
  // A token for this API obtained by any other app of the tenant (a script, a phishing app a user
  // consented to) is refused: only the clients the registration expects may call it.
  const clients = new Set([...(options.allowedClientApps ?? TEAMS_CLIENT_APPS), options.clientId].map((c) => c.toLowerCase()));
  // createRemoteJWKSet caches the key set, and refetches (at most every 30 s) when a token names a
  // key id it does not know: that is how Entra's key rollover is followed without a restart.
  const keys = jose.createRemoteJWKSet(new URL(`${options.authority}/${tenant}/discovery/v2.0/keys`), {
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: 24 * 3600_000,
    timeoutDuration: 5_000,
  });

  return {
    async validate(header) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
      if (!token) throw new TokenRejected('missing');
      let payload: JWTPayload;
      try {
        ({ payload } = await jose.jwtVerify(token, keys, {
          algorithms: ['RS256'],
          issuer,
          audience: audiences,
          clockTolerance: options.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'iat', 'tid', 'oid'],
          // jose checks that `iat` is not in the future only with a maximum age. Entra access tokens
          // live 60 to 90 minutes, up to about 28 hours with continuous access evaluation: 30 h
          // refuses nothing Entra issues and every token minted ahead of its time.
          maxTokenAge: 30 * 3600,
        }));
      } catch (error) {
        throw new TokenRejected(problemOf(error, jose));
      }
      if (String(payload.tid).toLowerCase() !== tenant) throw new TokenRejected('wrong_tenant');
      const client = payload.azp ?? payload.appid;
      if (typeof client !== 'string' || !clients.has(client.toLowerCase())) throw new TokenRejected('client_not_allowed');
      const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
      const claimedRoles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
      // Entra marks app-only tokens with idtyp=app (optional claim) and gives them no scp: either
      // one means no person signed in, whatever roles the token carries.
      const kind = scopes.length > 0 && payload.idtyp !== 'app' ? 'user' : 'app';
      // A delegated token must carry our scope; an app-only token must carry app roles.
      if (kind === 'user' ? !scopes.includes(API_SCOPE) : claimedRoles.length === 0) throw new TokenRejected('no_scope_or_role');
      return {
        oid: String(payload.oid).toLowerCase(),
        tid: tenant,
        kind,
        roles: claimedRoles.filter((r): r is AppRole => (APP_ROLES as readonly string[]).includes(r)),
        applicationRoles: kind === 'app' ? claimedRoles.filter((r): r is ApplicationRole => (APPLICATION_ROLES as readonly string[]).includes(r)) : [],
        scopes,
        name: typeof payload.name === 'string' ? payload.name : undefined,
      };
    },
  };
}

function problemOf(error: unknown, jose: typeof import('jose')): TokenProblem {
  const { errors } = jose;
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not_yet_valid';
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'aud') return 'wrong_audience';
    return 'malformed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'bad_algorithm';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'keys_unavailable';
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return 'keys_unavailable';
  return 'malformed';
}

/** Authorization: does the principal hold at least one of the roles? */
export function hasAnyRole(principal: Principal, roles: readonly AppRole[]): boolean {
  return roles.length === 0 || roles.some((r) => principal.roles.includes(r));
}

let appValidator: TokenValidator | undefined;

/** The app's validator, built from settings on first use and kept (its key cache lives with it). */
export function appTokenValidator(s: { auth: { tenantId: string; clientId: string; authority: string; allowedClientApps?: readonly string[] } }): TokenValidator {
  appValidator ??= createTokenValidator(s.auth);
  return appValidator;
}
