import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { JWK, JWTPayload, KeyLike } from 'jose';

/**
 * A local stand-in for Entra ID: it signs v2 access tokens with its own RSA key and publishes the
 * JWKS and OpenID metadata at the same paths as login.microsoftonline.com, so the app validates
 * local tokens with exactly the code it uses in Azure. Development only: never deployed.
 */

export interface LocalUser {
  oid: string;
  name: string;
  /** App roles of this API: Staff, Manager, RecordsManager, HR, ITAdmin. */
  roles: string[];
  preferredUsername?: string;
}

export interface TokenIssuerOptions {
  port?: number;
  host?: string;
  tenantId?: string;
  clientId?: string;
  /** Where to keep the signing key so tokens stay valid across restarts; in memory when absent. */
  dataDir?: string;
  /** Users offered on the local sign-in page. */
  users?: LocalUser[];
}

export interface MintOptions {
  expiresInSeconds?: number;
  /** Claims to set or override (iss, aud, tid, nbf, exp...), for tests of refusals. */
  claims?: JWTPayload;
  /** Signs with this key id, unknown to the JWKS, when given. */
  kid?: string;
  scopes?: string[];
}

export interface TokenIssuer {
  authority: string;
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  tenantId: string;
  clientId: string;
  users: LocalUser[];
  mintUserToken(user: Pick<LocalUser, 'oid' | 'roles'> & Partial<LocalUser>, options?: MintOptions): Promise<string>;
  mintAppToken(audience: string, roles: string[], options?: MintOptions): Promise<string>;
  /** Starts signing with a new key; the old one stays published (as Entra does during rollover). */
  rotateKey(): Promise<void>;
  stop(): Promise<void>;
}

export const LOCAL_TENANT_ID = '3f6d1b8e-5a0c-4c8e-9d3b-2a7f1e4c6b90';
export const LOCAL_CLIENT_ID = '8c2e4f6a-1b3d-4e5f-a7b9-c0d1e2f3a4b5';

/** Roles granted to the app's own identity for Microsoft Graph (what admin consent grants in Azure). */
const GRAPH_APP_ROLES = ['Mail.Read', 'User.Read.All', 'GroupMember.Read.All', 'Sites.FullControl.All', 'Team.Create', 'TeamworkActivity.Send', 'LicenseAssignment.ReadWrite.All', 'AttackSimulation.Read.All'];

export const DEMO_USERS: LocalUser[] = [
  { oid: '0b1c2d3e-0000-4000-8000-000000000001', name: 'Geneviève Tremblay', roles: ['Staff'], preferredUsername: 'gtremblay@spgq.local' },
  { oid: '0b1c2d3e-0000-4000-8000-000000000002', name: 'Marc-André Gagnon', roles: ['Staff', 'Manager'], preferredUsername: 'magagnon@spgq.local' },
  { oid: '0b1c2d3e-0000-4000-8000-000000000003', name: 'Sophie Côté', roles: ['Staff', 'RecordsManager'], preferredUsername: 'scote@spgq.local' },
  { oid: '0b1c2d3e-0000-4000-8000-000000000004', name: 'Karim Belkacem', roles: ['Staff', 'ITAdmin'], preferredUsername: 'kbelkacem@spgq.local' },
];

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

export async function startTokenIssuer(options: TokenIssuerOptions = {}): Promise<TokenIssuer> {
  const jose = require('jose') as typeof import('jose');
  const tenantId = options.tenantId ?? LOCAL_TENANT_ID;
  const clientId = options.clientId ?? LOCAL_CLIENT_ID;
  const users = options.users ?? DEMO_USERS;
  const keys: SigningKey[] = [await loadOrCreateKey(jose, options.dataDir)];
  const host = options.host ?? '127.0.0.1';

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const authority = `http://${host}:${port}`;
  const issuer = `${authority}/${tenantId}/v2.0`;
  const jwksUri = `${authority}/${tenantId}/discovery/v2.0/keys`;
  const tokenEndpoint = `${authority}/${tenantId}/oauth2/v2.0/token`;
  const authorizeEndpoint = `${authority}/${tenantId}/oauth2/v2.0/authorize`;

  async function sign(payload: JWTPayload, options: MintOptions = {}): Promise<string> {
    const key = keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({
      ver: '2.0',
      iss: issuer,
      tid: tenantId,
      iat: now,
      nbf: now,
      exp: now + (options.expiresInSeconds ?? 3600),
      jti: randomUUID(),
      ...payload,
      ...options.claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? key.kid })
      .sign(key.privateKey);
  }

  const mintUserToken: TokenIssuer['mintUserToken'] = (user, options = {}) =>
    sign(
      {
        aud: clientId,
        sub: user.oid,
        oid: user.oid,
        name: user.name,
        preferred_username: user.preferredUsername,
        scp: (options.scopes ?? ['access_as_user']).join(' '),
        roles: user.roles,
        azp: clientId,
      },
      options,
    );

  const mintAppToken: TokenIssuer['mintAppToken'] = (audience, roles, options = {}) =>
    sign({ aud: audience, sub: clientId, oid: clientId, azp: clientId, roles, idtyp: 'app' }, options);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', authority);
    const prefix = `/${tenantId}`;
    if (!url.pathname.startsWith(prefix)) return send(res, 404, { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' });
    const route = url.pathname.slice(prefix.length);
    if (req.method === 'GET' && route === '/v2.0/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer,
        jwks_uri: jwksUri,
        token_endpoint: tokenEndpoint,
        authorization_endpoint: authorizeEndpoint,
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'token', 'id_token'],
        subject_types_supported: ['pairwise'],
      });
    }
    if (req.method === 'GET' && route === '/discovery/v2.0/keys') {
      return send(res, 200, { keys: keys.map((k) => k.publicJwk) });
    }
    if (req.method === 'POST' && route === '/oauth2/v2.0/token') {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
      if (form.get('client_id') !== clientId) return send(res, 400, { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found in the directory.' });
      const scope = form.get('scope') ?? '';
      const resource = scope.replace(/\/\.default$/, '');
      if (!resource) return send(res, 400, { error: 'invalid_scope' });
      const roles = resource === 'https://graph.microsoft.com' ? GRAPH_APP_ROLES : ['Service'];
      const token = await mintAppToken(resource, roles);
      return send(res, 200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token });
    }
    if (route === '/oauth2/v2.0/authorize') return authorize(req, res, url);
    return send(res, 404, { error: 'not_found' });
  }

  /**
   * Local sign-in (implicit grant with the token in the redirect fragment): a page lists the
   * demo users; choosing one sends the browser back to the app with a token for that user.
   * Only loopback redirect URIs are accepted.
   */
  async function authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const params = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const redirectUri = params.get('redirect_uri') ?? '';
    let redirect: URL;
    try {
      redirect = new URL(redirectUri);
    } catch {
      return send(res, 400, { error: 'invalid_request', error_description: 'redirect_uri is missing or invalid' });
    }
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(redirect.hostname)) {
      return send(res, 400, { error: 'invalid_request', error_description: 'only loopback redirect URIs are accepted locally' });
    }
    if (params.get('client_id') !== clientId) return send(res, 400, { error: 'unauthorized_client' });
    const state = params.get('state') ?? '';
    if (req.method === 'POST') {
      const user = users.find((u) => u.oid === params.get('oid'));
      if (!user) return send(res, 400, { error: 'invalid_request', error_description: 'unknown user' });
      const token = await mintUserToken(user);
      redirect.hash = new URLSearchParams({ access_token: token, token_type: 'Bearer', expires_in: '3600', state }).toString();
      res.writeHead(302, { location: redirect.toString(), 'cache-control': 'no-store' });
      res.end();
      return;
    }
    const lang = /^en/i.test(params.get('ui_locales') ?? '') ? 'en' : 'fr';
    const t = lang === 'en'
      ? { title: 'Local sign-in (development)', choose: 'Choose a demo user', submit: 'Sign in as' }
      : { title: 'Connexion locale (développement)', choose: 'Choisissez un utilisateur de démonstration', submit: 'Se connecter en tant que' };
    const hidden = ['client_id', 'redirect_uri', 'state', 'ui_locales']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params.get(k) ?? '')}">`)
      .join('');
    // Roles in words, as the app shows them (what a demo user may do is why one picks them).
    const roleNames: Record<string, [string, string]> = { Staff: ['Personnel', 'Staff'], Manager: ['Gestionnaire', 'Manager'], RecordsManager: ['Responsable de la gestion documentaire', 'Records manager'], HR: ['Ressources humaines', 'Human resources'], ITAdmin: ['Administration TI', 'IT administration'] };
    const roles = (list: readonly string[]) => list.map((r) => roleNames[r]?.[lang === 'en' ? 1 : 0] ?? r).join(', ');
    const buttons = users
      .map((u) => `<li><button type="submit" name="oid" value="${escapeHtml(u.oid)}">${t.submit} ${escapeHtml(u.name)} <small>(${escapeHtml(roles(u.roles))})</small></button></li>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="${lang === 'en' ? 'en' : 'fr-CA'}"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${t.title}</title>
<style>body{font-family:"Segoe UI",system-ui,sans-serif;max-width:32rem;margin:3rem auto;color:#242424}button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;border:1px solid #5b5fc7;border-radius:4px;background:#fff;color:#242424;cursor:pointer;width:100%;text-align:left}button:focus-visible{outline:3px solid #5b5fc7;outline-offset:2px}ul{list-style:none;padding:0}</style></head>
<body><main><h1>${t.title}</h1><form method="post"><fieldset><legend>${t.choose}</legend>${hidden}<ul>${buttons}</ul></fieldset></form></main></body></html>`);
  }

  return {
    authority,
    issuer,
    jwksUri,
    tokenEndpoint,
    tenantId,
    clientId,
    users,
    mintUserToken,
    mintAppToken,
    async rotateKey() {
      keys.unshift(await createKey(jose));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function createKey(jose: typeof import('jose')): Promise<SigningKey> {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  return { kid, privateKey, publicJwk };
}

async function loadOrCreateKey(jose: typeof import('jose'), dataDir?: string): Promise<SigningKey> {
  if (!dataDir) return createKey(jose);
  const file = path.join(dataDir, 'token-issuer-key.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; privateJwk: JWK; publicJwk: JWK };
    return { kid: stored.kid, privateKey: (await jose.importJWK(stored.privateJwk, 'RS256')) as KeyLike, publicJwk: stored.publicJwk };
  }
  const key = await createKey(jose);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ kid: key.kid, privateJwk: await jose.exportJWK(key.privateKey), publicJwk: key.publicJwk }), { mode: 0o600 });
  return key;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64 * 1024) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
