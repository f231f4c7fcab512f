import { randomUUID } from 'node:crypto';
import type { GraphBudget } from '../../platform/graph/graph-budget';
import type { ArchiveRunResult, MailboxArchiver } from './mailbox-archiver';
import { MODEL_VERSION, type MailboxRun, type MailboxWorkItem, type RunError } from '../model';
import { LeaseLostError, MailboxGoneError, type MailboxLease, type MailboxLock, type MailboxStateStore, type WorkQueue } from '../ports';

export interface MailboxRunDeps {
  archiver: MailboxArchiver;
  lock: MailboxLock;
  state: MailboxStateStore;
  queue: WorkQueue;
  budget: GraphBudget;
  log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface MailboxRunOptions {
  /** How long a run may work before it saves and continues itself (below the function timeout). */
  runSeconds: number;
  lockSeconds: number;
}

export type WorkOutcome =
  | { status: 'done'; result: ArchiveRunResult }
  | { status: 'continued'; result: ArchiveRunResult }
  /** Messages were left behind (see ArchiveRunResult.leftBehind): recorded, retried by the next run. */
  | { status: 'incomplete'; result: ArchiveRunResult }
  | { status: 'skipped'; reason: 'locked' | 'gone' | 'already-covered' };

/**
 * Handles one work item from the archive queue: takes the mailbox's lock (or leaves the mailbox to
 * the run that has it), archives until caught up or out of time, records the run, and enqueues its
 * own continuation when it stopped at the deadline. Errors propagate, so Service Bus redelivers.
 */
export async function handleMailboxWork(item: MailboxWorkItem, deps: MailboxRunDeps, options: MailboxRunOptions): Promise<WorkOutcome> {
  const started = new Date();
  const record = await deps.state.mailbox(item.mailboxId);
  if (record?.goneAt) return { status: 'skipped', reason: 'gone' };
  const previous = await deps.state.run(item.mailboxId);
  // A scheduled item older than a finished run adds nothing (e.g. a backlog after an outage),
  // unless that run synchronised only the folders that changed: the sweep is what covers the rest.
  if (item.reason === 'schedule' && previous?.lastOutcome === 'succeeded' && previous.lastRunScope !== 'changed' && previous.lastRunEndedAt && previous.lastRunEndedAt > item.enqueuedAt) {
    return { status: 'skipped', reason: 'already-covered' };
  }
  const lease = await deps.lock.tryAcquire(item.mailboxId);
  if (!lease) {
    deps.log('Mailbox already being archived by another run; leaving it to that run', { runId: item.runId });
    return { status: 'skipped', reason: 'locked' };
  }
  const { keepAlive, stop } = renewWhileWorking(lease, options.lockSeconds);
  if (lease.carried) deps.budget.importWindow(item.mailboxId, JSON.parse(lease.carried) as Array<[number, number]>);
  const run: MailboxRun = {
    ...(previous ?? emptyRun(item.mailboxId)),
    lastRunId: item.runId,
    lastRunStartedAt: started.toISOString(),
    lastOutcome: 'running',
    updatedAt: started.toISOString(),
  };
  await deps.state.saveRun(run);
  let outcome: WorkOutcome;
  let continueWith: MailboxWorkItem | undefined;
  try {
    // The mailbox's record carries its service (department), which decides the retention rule of
    // every message captured: without it each entry would get the default rule, for good.
    // A notification run syncs only the folders that changed, unless the last run did not finish
    // cleanly (a folder's count may then have been saved before its delta was applied).
    const folders = item.reason === 'notification' && previous?.lastOutcome === 'succeeded' ? 'changed' : 'all';
    run.lastRunScope = folders;
    const result = await deps.archiver.archive(item.mailboxId, { deadline: started.getTime() + options.runSeconds * 1000, checkAlive: keepAlive, folders, ...(record ? { mailbox: record } : {}) });
    const ended = new Date().toISOString();
    Object.assign(run, { lastRunEndedAt: ended, messagesStoredLastRun: result.stored, updatedAt: ended, failedMessages: result.leftBehind });
    if (result.leftBehind.length) {
      // Never a success: lastSuccessAt and caughtUpTo stay at the last run that left nothing behind.
      // The work item is not failed (a redelivery minutes later would meet the same refusal); the
      // next scheduled run redoes the pages and retries these messages.
      const runError: RunError = { at: ended, code: 'messages-left-behind', detail: `${result.leftBehind.length} message(s) not archived: ${[...new Set(result.leftBehind.map((m) => m.code))].join(', ')}` };
      Object.assign(run, { lastOutcome: 'failed', errors: [runError, ...run.errors].slice(0, 20) });
      if (result.outcome === 'continue') continueWith = { mailboxId: item.mailboxId, reason: 'continuation', runId: randomUUID(), enqueuedAt: ended };
      outcome = { status: 'incomplete', result };
    } else if (result.outcome === 'caughtUp') {
      Object.assign(run, { lastOutcome: 'succeeded', lastSuccessAt: ended, caughtUpTo: started.toISOString() });
      outcome = { status: 'done', result };
    } else {
      run.lastOutcome = 'continued';
      continueWith = { mailboxId: item.mailboxId, reason: 'continuation', runId: randomUUID(), enqueuedAt: ended };
      outcome = { status: 'continued', result };
    }
    deps.log('Mailbox archive run ended', { runId: item.runId, outcome: run.lastOutcome, stored: result.stored, leftBehind: result.leftBehind.length, relocated: result.relocated, removed: result.removed, fullSyncRestarts: result.fullSyncRestarts, seconds: Math.round((Date.now() - started.getTime()) / 1000) });
  } catch (error) {
    const ended = new Date().toISOString();
    if (error instanceof MailboxGoneError && record) {
      await deps.state.saveMailbox({ ...record, goneAt: ended });
      Object.assign(run, { lastOutcome: 'succeeded', lastRunEndedAt: ended, updatedAt: ended });
      await deps.state.saveRun(run).catch(() => undefined);
      stop();
      await lease.release(JSON.stringify(deps.budget.exportWindow(item.mailboxId)));
      deps.budget.forget(item.mailboxId);
      return { status: 'skipped', reason: 'gone' };
    }
    const runError: RunError = { at: ended, code: errorCode(error), detail: safeDetail(error) };
    Object.assign(run, { lastOutcome: 'failed', lastRunEndedAt: ended, updatedAt: ended, errors: [runError, ...run.errors].slice(0, 20) });
    await deps.state.saveRun(run).catch(() => undefined);
    stop();
    await lease.release(JSON.stringify(deps.budget.exportWindow(item.mailboxId))).catch(() => undefined);
    deps.budget.forget(item.mailboxId);
    throw error;
  }
  await deps.state.saveRun(run);
  stop();
  await lease.release(JSON.stringify(deps.budget.exportWindow(item.mailboxId)));
  deps.budget.forget(item.mailboxId);
  // Enqueued after the lock is released, or the continuation could find the mailbox still locked.
  if (continueWith) await deps.queue.enqueue([{ item: continueWith, messageId: `${item.mailboxId}|continuation|${continueWith.runId}` }]);
  return outcome;
}

function renewWhileWorking(lease: MailboxLease, lockSeconds: number): { keepAlive: () => void; stop: () => void } {
  let lost: unknown;
  const timer = setInterval(() => {
    lease.renew().catch((e: unknown) => {
      lost = e;
    });
  }, (lockSeconds * 1000) / 3);
  timer.unref();
  return {
    keepAlive: () => {
      if (lost) throw new LeaseLostError();
    },
    stop: () => clearInterval(timer),
  };
}

function emptyRun(mailboxId: string): MailboxRun {
  return {
    id: 'run', type: 'run', mailboxId, lastRunId: null, lastRunStartedAt: null, lastRunEndedAt: null, lastOutcome: null,
    lastSuccessAt: null, caughtUpTo: null, errors: [], messagesStoredLastRun: 0, updatedAt: new Date().toISOString(), version: MODEL_VERSION,
  };
}

/** A stable code for the run record; no message content, addresses or tokens. */
function errorCode(error: unknown): string {
  if (error instanceof LeaseLostError) return 'lock-lost';
  const e = error as { name?: string; statusCode?: number; code?: unknown };
  if (e?.name === 'GraphBudgetExhaustedError') return 'graph-refused';
  if (typeof e?.statusCode === 'number') return `storage-${e.statusCode}`;
  if (typeof e?.code === 'number') return `cosmos-${e.code}`;
  return e?.name ?? 'error';
}

function safeDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Errors from our own code carry no personal data; truncate anything else and drop addresses.
  return message.replace(/[^\s@]+@[^\s@]+/g, '<address>').slice(0, 200);
}
