import { app, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { z } from 'zod';
import { endpoint } from './http/endpoint';
import type { Principal } from '../shared/auth/access-token';
import { recordsServices } from '../shared/archive/records-services';
import { findMailboxes, MAILBOX_PAGE_MAX } from '../shared/archive/mailbox-directory';
import { filtersUsed, SearchFilterSchema, searchSql } from '../shared/archive/search';

/**
 * What the Teams archive page needs beyond the records endpoints (functions/archive-records.ts):
 *   GET  /api/archive/mailboxes?search=&pageSize=   mailboxes by name for the picker
 *   GET  /api/archive/message-count?<filters>       how many messages a search (an export) holds
 *   GET  /api/archive/retention-rule-names          rule titles, so staff see names, not ids
 *   POST /api/archive/integrity/verify              start a verification pass now (202)
 */
const READERS = ['Staff', 'RecordsManager'] as const;
const RECORDS = ['RecordsManager'] as const;
const isRecordsManager = (p: Principal) => p.roles.includes('RecordsManager');

export const archiveMailboxes = endpoint({
  roles: READERS,
  query: z.object({
    search: z.string().trim().max(100).optional(),
    pageSize: z.coerce.number().int().min(1).max(MAILBOX_PAGE_MAX).default(20),
  }),
  async handle({ principal, query }) {
    const services = recordsServices();
    const items = await findMailboxes(services.store.database, {
      search: query.search,
      pageSize: query.pageSize,
      // Staff: their own mailbox only (Graph user id = their object id), as search does.
      onlyMailboxId: isRecordsManager(principal) ? undefined : principal.oid,
    });
    return { body: { items } };
  },
});

export const archiveMessageCount = endpoint({
  roles: RECORDS,
  query: SearchFilterSchema,
  async handle({ principal, query }) {
    const services = recordsServices();
    const messages = await services.store.messagesContainer();
    // The search's own WHERE clause, counted by the database: exact, and one round trip
    // whatever the size (no paging through entries in the function).
    const sql = searchSql(query);
    const { resources } = await messages.items
      .query<number>({ query: sql.query.replace(/^SELECT \* FROM c/, 'SELECT VALUE COUNT(1) FROM c').replace(/ ORDER BY .*$/, ''), parameters: sql.parameters })
      .fetchAll();
    const count = resources.reduce((n, r) => n + r, 0);
    await services.audit.record({ oid: principal.oid, kind: principal.kind }, 'search', {
      ...(query.mailboxId ? { mailboxId: query.mailboxId } : {}),
      filters: filtersUsed(query),
      resultCount: count,
    });
    return { body: { count } };
  },
});

export const archiveRetentionRuleNames = endpoint({
  roles: READERS,
  async handle() {
    return { body: { items: recordsServices().calendar.rules.rules.map((r) => ({ id: r.id, title: r.title })) } };
  },
});

/**
 * Verification runs as a durable orchestration, not in the request: a pass may take up to
 * ARCHIVE_INTEGRITY_BUDGET_MINUTES (20 by default), far beyond the 230 s an HTTP call may last,
 * and work started without awaiting it could be frozen or lost when the instance scales in. A
 * durable activity is checkpointed and retried by the runtime and runs under functionTimeout
 * (host.json, 30 min). One fixed instance id makes a second click while a pass runs a no-op. The
 * activity runs the daily timer's own code (runIntegrity: seal, then verify within the budget),
 * so both paths write the same status the page reads from GET /api/archive/integrity.
 */
export const INTEGRITY_VERIFY_ORCHESTRATION = 'archiveIntegrityVerify';
export const INTEGRITY_VERIFY_ACTIVITY = 'archiveIntegrityVerifyActivity';
const INSTANCE_ID = 'archive-integrity-verify';
const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew']);

export const archiveIntegrityVerify = endpoint({
  roles: RECORDS,
  async handle({ context }) {
    const client = df.getClient(context);
    let running = false;
    try {
      const status = await client.getStatus(INSTANCE_ID);
      running = RUNNING.has(String(status?.runtimeStatus));
    } catch {
      running = false; // never started: no instance yet
    }
    const requestedAt = new Date().toISOString();
    if (!running) await client.startNew(INTEGRITY_VERIFY_ORCHESTRATION, { instanceId: INSTANCE_ID, input: { requestedAt } });
    return { status: 202, headers: { location: '/api/archive/integrity' }, body: { status: running ? 'already-running' : 'started', requestedAt } };
  },
});

df.app.orchestration(INTEGRITY_VERIFY_ORCHESTRATION, function* (context: OrchestrationContext) {
  yield context.df.callActivity(INTEGRITY_VERIFY_ACTIVITY, context.df.getInput());
});

df.app.activity(INTEGRITY_VERIFY_ACTIVITY, {
  handler: async (_input: unknown, context) => {
    // Required here, not at load: that module reads the settings to register its timers.
    const { runIntegrity } = require('./archive-records-timers') as typeof import('./archive-records-timers');
    const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
    await runIntegrity(timer, context);
    return { done: true };
  },
});

const http = (name: string, methods: ('GET' | 'POST')[], route: string, handler: ReturnType<typeof endpoint>, extraInputs: ReturnType<typeof df.input.durableClient>[] = []) =>
  app.http(name, { methods, authLevel: 'anonymous', route, handler, extraInputs });

http('archiveMailboxes', ['GET'], 'archive/mailboxes', archiveMailboxes);
http('archiveMessageCount', ['GET'], 'archive/message-count', archiveMessageCount);
http('archiveRetentionRuleNames', ['GET'], 'archive/retention-rule-names', archiveRetentionRuleNames);
http('archiveIntegrityVerifyNow', ['POST'], 'archive/integrity/verify', archiveIntegrityVerify, [df.input.durableClient()]);

