import { endpoint, type EndpointHandler, type ProtectedSpec } from '../http/endpoint';
import { appTokenValidator } from '../../shared/platform/auth';
import { settings } from '../../shared/platform/settings';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { ANONYMOUS_ACTOR, type Actor } from '../../shared/archive/records/audit-record';

/**
 * An archive endpoint whose refusals are audited (docs/decisions/0015): a request answered 401 (no
 * valid token) or 403 (not the role) before its use case ran is recorded as `access-refused` with
 * the endpoint's name and the status. Refusals decided by the access rules (another's mailbox) are
 * recorded by the use case itself, so they are not recorded twice. A token that failed validation
 * is never read: its claims could say anything, so the actor is `anonymous`.
 */
export function archiveEndpoint<B = undefined, Q = Record<string, string>, P = Record<string, string>>(name: string, spec: ProtectedSpec<B, Q, P>): EndpointHandler {
  const reached = new WeakSet<object>();
  const inner = endpoint<B, Q, P>({
    ...spec,
    handle(input) {
      reached.add(input.request);
      return spec.handle(input);
    },
  });
  return async (request, context) => {
    const response = await inner(request, context);
    if ((response.status === 401 || response.status === 403) && !reached.has(request)) {
      try {
        await recordsServices().audit.record(await refusedActor(request.headers.get('authorization')), 'access-refused', { endpoint: name, httpStatus: response.status }, 'denied');
      } catch {
        // The refusal stands either way; the missing record shows in the warning (ids only).
        context.warn(JSON.stringify({ event: 'archive.audit.refusal-unrecorded', endpoint: name, status: response.status }));
      }
    }
    return response;
  };
}

async function refusedActor(authorization: string | null): Promise<Actor> {
  if (!authorization) return ANONYMOUS_ACTOR;
  try {
    const principal = await appTokenValidator(settings()).validate(authorization);
    return { oid: principal.oid, kind: principal.kind };
  } catch {
    return ANONYMOUS_ACTOR;
  }
}
