import { app } from '@azure/functions';
import { endpoint } from '../http/endpoint';

/** GET /api/me: who the caller is to this app (object id, display name, roles). */
export const me = endpoint({
  roles: [],
  async handle({ principal }) {
    return { body: { oid: principal.oid, tid: principal.tid, name: principal.name ?? null, roles: principal.roles, kind: principal.kind } };
  },
});

app.http('me', { methods: ['GET'], authLevel: 'anonymous', route: 'api/me', handler: me });
