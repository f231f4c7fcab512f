import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTokenIssuer, DEMO_USERS, type TokenIssuer } from '../../dev/token-issuer';
import { endpoint, publicEndpoint } from '../../functions/http/endpoint';
import { useAppEnvironment, httpRequest, invocation } from '../support/app-env';

let issuer: TokenIssuer;
const staff = DEMO_USERS[0]!;
const recordsManager = DEMO_USERS[2]!;

beforeAll(async () => {
  issuer = await startTokenIssuer();
});
afterAll(() => issuer.stop());
beforeEach(() => useAppEnvironment(issuer, { HTTP_MAX_BODY_BYTES: '2048' }));

const holdSchema = z.object({
  matter: z.string().min(3),
  mailboxes: z.array(z.uuid()).min(1),
  from: z.iso.date(),
});

const createHold = endpoint({
  roles: ['RecordsManager'],
  body: holdSchema,
  async handle({ body, principal }) {
    return { status: 201, body: { matter: body.matter, createdBy: principal.oid } };
  },
});

const explode = endpoint({
  roles: [],
  async handle() {
    throw new Error('database password=hunter2 for jane.doe@example.org');
  },
});

async function call(handler: typeof createHold, init: Parameters<typeof httpRequest>[0]) {
  const { context, lines } = invocation();
  const response = await handler(httpRequest(init), context);
  return { response, lines, body: response.jsonBody as { error?: { code: string; message: string; details?: { field: string; message: string }[] } } & Record<string, unknown> };
}

const bearerFor = async (user: { oid: string; roles: string[] }) => ({ authorization: `Bearer ${await issuer.mintUserToken(user)}` });
const goodHold = { matter: 'Grief 2026-114', mailboxes: ['0b1c2d3e-0000-4000-8000-000000000001'], from: '2026-01-01' };

describe('HTTP conventions', () => {
  it('answers 401 with the error shape in French by default when no token is given', async () => {
    const { response, body } = await call(createHold, { method: 'POST', json: goodHold });
    expect(response.status).toBe(401);
    expect(response.headers).toMatchObject({ 'www-authenticate': 'Bearer error="invalid_token"', 'content-language': 'fr-CA' });
    expect(body.error?.code).toBe('unauthenticated');
    expect(body.error?.message).toMatch(/Authentification requise/);
  });

  it('answers in English when Accept-Language prefers it', async () => {
    const { body } = await call(createHold, { method: 'POST', json: goodHold, headers: { 'accept-language': 'en-CA,en;q=0.9,fr;q=0.5' } });
    expect(body.error?.message).toMatch(/Authentication required/);
  });

  it('gives the message in both languages too, so a page that switches language can show it in the new one', async () => {
    const { body } = await call(createHold, { method: 'POST', json: goodHold, headers: { 'accept-language': 'en' } });
    const messages = (body.error as { messages?: Record<string, string> } | undefined)?.messages;
    expect(messages?.['fr-CA']).toMatch(/Authentification requise/);
    expect(messages?.en).toBe(body.error?.message);
  });

  it('answers 401 naming the problem for an expired token', async () => {
    const token = await issuer.mintUserToken(recordsManager, { claims: { exp: Math.floor(Date.now() / 1000) - 600 } });
    const { response, body } = await call(createHold, { method: 'POST', json: goodHold, headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(body.error).toMatchObject({ code: 'invalid_token', details: { reason: 'expired' } });
  });

  it('answers 403 when the caller lacks the role, naming the role needed', async () => {
    const { response, body } = await call(createHold, { method: 'POST', json: goodHold, headers: await bearerFor(staff) });
    expect(response.status).toBe(403);
    expect(body.error?.code).toBe('forbidden');
    expect(body.error?.message).toContain('RecordsManager');
  });

  it('refuses an app-only token (no user) on user endpoints, whatever user roles it claims, in French and English', async () => {
    const appToken = { authorization: `Bearer ${await issuer.mintAppToken(issuer.clientId, ['RecordsManager', 'ITAdmin'])}` };
    const fr = await call(createHold, { method: 'POST', json: goodHold, headers: appToken });
    expect(fr.response.status).toBe(403);
    expect(fr.body.error?.code).toBe('app_not_allowed');
    expect(fr.body.error?.message).toMatch(/application/);
    const anyUser = await call(explode, { method: 'GET', headers: { ...appToken, 'accept-language': 'en' } });
    expect(anyUser.response.status).toBe(403);
    expect(anyUser.body.error?.message).toMatch(/signed-in person/);
    // A delegated token without a scope claim is no user either.
    const noScope = { authorization: `Bearer ${await issuer.mintUserToken(recordsManager, { scopes: [] })}` };
    expect((await call(createHold, { method: 'POST', json: goodHold, headers: noScope })).response.status).toBeGreaterThanOrEqual(401);
  });

  it('lets an application in only where a dedicated application role is declared for the endpoint', async () => {
    const automation = endpoint({
      roles: ['ITAdmin'],
      applicationRoles: ['Automation'],
      async handle({ principal }) {
        return { body: { kind: principal.kind } };
      },
    });
    const withRole = { authorization: `Bearer ${await issuer.mintAppToken(issuer.clientId, ['Automation'])}` };
    const allowed = await call(automation as typeof createHold, { method: 'GET', headers: withRole });
    expect(allowed.response.status).toBe(200);
    expect(allowed.body).toEqual({ kind: 'app' });
    const userRoleOnly = { authorization: `Bearer ${await issuer.mintAppToken(issuer.clientId, ['ITAdmin'])}` };
    expect((await call(automation as typeof createHold, { method: 'GET', headers: userRoleOnly })).response.status).toBe(403);
    // The application role gives nothing on endpoints that do not declare it.
    expect((await call(createHold, { method: 'POST', json: goodHold, headers: withRole })).response.status).toBe(403);
    // And people still pass on their own roles.
    expect((await call(automation as typeof createHold, { method: 'GET', headers: await bearerFor({ oid: staff.oid, roles: ['ITAdmin'] }) })).response.status).toBe(200);
  });

  it('runs the handler for an authorized caller with a valid body', async () => {
    const { response, body } = await call(createHold, { method: 'POST', json: goodHold, headers: await bearerFor(recordsManager) });
    expect(response.status).toBe(201);
    expect(body).toEqual({ matter: goodHold.matter, createdBy: recordsManager.oid });
  });

  it('answers 400 naming each offending field, in French and in English', async () => {
    const bad = { matter: 'x', mailboxes: ['not-a-guid'], from: '2026-13-45' };
    const fr = await call(createHold, { method: 'POST', json: bad, headers: await bearerFor(recordsManager) });
    expect(fr.response.status).toBe(400);
    expect(fr.body.error?.code).toBe('validation_failed');
    expect(fr.body.error?.details?.map((d) => d.field).sort()).toEqual(['body.from', 'body.mailboxes.0', 'body.matter']);
    expect(fr.body.error?.message).toMatch(/données invalides/);
    expect(fr.body.error?.details?.find((d) => d.field === 'body.matter')?.message).toMatch(/Trop petit/);

    const en = await call(createHold, { method: 'POST', json: bad, headers: { ...(await bearerFor(recordsManager)), 'accept-language': 'en' } });
    expect(en.body.error?.message).toMatch(/invalid data/);
    expect(en.body.error?.details?.find((d) => d.field === 'body.matter')?.message).toMatch(/Too small/);
  });

  it('names a missing field', async () => {
    const { body } = await call(createHold, { method: 'POST', json: { matter: 'Grief' }, headers: await bearerFor(recordsManager) });
    expect(body.error?.details?.map((d) => d.field).sort()).toEqual(['body.from', 'body.mailboxes']);
  });

  it('answers 400 for a body that is not JSON and 415 for another content type', async () => {
    const auth = await bearerFor(recordsManager);
    const notJson = await call(createHold, { method: 'POST', body: { string: '{"matter":' }, headers: { ...auth, 'content-type': 'application/json' } });
    expect(notJson.response.status).toBe(400);
    expect(notJson.body.error?.code).toBe('invalid_json');
    const form = await call(createHold, { method: 'POST', body: { string: 'a=b' }, headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.response.status).toBe(415);
  });

  it('answers 413 for a body over the limit, declared or not', async () => {
    const auth = await bearerFor(recordsManager);
    const big = { ...goodHold, matter: 'x'.repeat(4096) };
    const declared = await call(createHold, { method: 'POST', json: big, headers: { ...auth, 'content-length': String(JSON.stringify(big).length) } });
    expect(declared.response.status).toBe(413);
    const undeclared = await call(createHold, { method: 'POST', json: big, headers: auth });
    expect(undeclared.response.status).toBe(413);
    expect(undeclared.body.error?.message).toContain('2048');
  });

  it('answers 500 with a correlation id and no stack trace, and logs no personal information', async () => {
    const { response, body, lines, } = await call(explode, { headers: await bearerFor(staff) });
    expect(response.status).toBe(500);
    const correlationId = (response.headers as Record<string, string>)['x-correlation-id'];
    expect(correlationId).toMatch(/^inv-/);
    expect(body.error?.message).toContain(correlationId);
    expect(JSON.stringify(body)).not.toMatch(/hunter2|at .*\.ts|stack/);
    const logged = lines.join('\n');
    expect(logged).toContain(correlationId);
    expect(logged).not.toContain('jane.doe@example.org');
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  });

  it('lets an anonymous endpoint through without a token', async () => {
    const open = publicEndpoint({ async handle() { return { body: { ok: true } }; } });
    const { response, body } = await call(open, {});
    expect(response.status).toBe(200);
    expect(body).toEqual({ ok: true });
  });
});
