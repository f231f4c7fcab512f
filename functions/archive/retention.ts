import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint } from '../http/endpoint';
import { ApiError } from '../../shared/platform/api-error';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { ReassignRequest } from '../../shared/archive/records/retention-reassign';
import { isReassignmentId, reassignDurableClient, reassignmentStatus, startReassignment } from '../../orchestrations/archive-retention-reassign/client';
import { requester } from './requester';

/**
 * A records manager's re-assignment of a mailbox's entries captured under the wrong retention rule
 * (shared/archive/records/retention-reassign.ts):
 *   POST /api/archive/retention/reassignments        {mailboxId, ruleId?} -> 202, runs in the background
 *   GET  /api/archive/retention/reassignments/{id}   progress, then the result: how many were
 *                                                    re-assigned, and the entries whose WORM policy
 *                                                    could not be shortened (kept until its expiry)
 */
const RECORDS = ['RecordsManager'] as const;

export const archiveReassign = endpoint({
  roles: RECORDS,
  body: ReassignRequest,
  async handle({ principal, body, context }) {
    const outcome = await recordsServices().reassignment.request(requester(principal), body);
    if (outcome.kind === 'unknown-mailbox') throw new ApiError(404, 'not_found', 'archive.reassignUnknownMailbox');
    if (outcome.kind === 'unknown-rule') throw new ApiError(400, 'unknown-rule', 'archive.reassignUnknownRule', {}, [{ field: 'body.ruleId', code: 'custom', message: 'unknown rule' }]);
    const id = await startReassignment(context, outcome.job);
    return { status: 202, headers: { location: `/api/archive/retention/reassignments/${id}` }, body: { id, ...outcome.job, status: 'running' } };
  },
});

export const archiveReassignGet = endpoint({
  roles: RECORDS,
  params: z.object({ id: z.string().refine(isReassignmentId) }),
  async handle({ params, context }) {
    const status = await reassignmentStatus(context, params.id);
    if (!status) throw new ApiError(404, 'not_found', 'archive.reassignNotFound');
    return { body: { id: params.id, ...status } };
  },
});

app.http('archiveRetentionReassignStart', { methods: ['POST'], authLevel: 'anonymous', route: 'api/archive/retention/reassignments', handler: archiveReassign, extraInputs: [reassignDurableClient] });
app.http('archiveRetentionReassignStatus', { methods: ['GET'], authLevel: 'anonymous', route: 'api/archive/retention/reassignments/{id}', handler: archiveReassignGet, extraInputs: [reassignDurableClient] });
