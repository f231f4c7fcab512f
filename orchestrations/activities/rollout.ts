import * as df from 'durable-functions';
import { z } from 'zod';
import { archiveServices } from '../../shared/archive/adapters/capture-services';
import { recordsServices } from '../../shared/archive/adapters/records-services';
import { archiveMailboxCompletely } from '../../shared/archive/capture/offboarding';
import { enrolMailbox } from '../../shared/archive/capture/people-scope';
import { collaborationDeps as depsFor, collaborationFollowerDeps } from '../../shared/collaboration/adapters/collaboration-services';
import { verifySpace } from '../../shared/collaboration/engine';
import { serviceSpaceKey } from '../../shared/collaboration/plan';
import { followPeopleEvent as followInSpaces } from '../../shared/collaboration/roster';
import { peopleCatalogue, peopleNames, peopleOfService } from '../../shared/people/adapters/people-services';
import { PeopleEventSchema, type PeopleEvent } from '../../shared/people/events';
import { SYSTEM_ACTOR } from '../../shared/platform/audit';
import { createLogger } from '../../shared/platform/logger';
import { rolloutServices } from '../../shared/rollout/adapters/rollout-services';
import { recordProgress } from '../../shared/rollout/ledger';
import { ensureLicences, LicencesUnavailable, releaseLicences, removeLicences } from '../../shared/rollout/licences';
import type { ProgressUpdate } from '../../shared/rollout/model';
import { reminderDeps } from '../../shared/training/adapters/reminder-services';
import { trainingDeps } from '../../shared/training/adapters/training-services';
import { followPeopleEvent as followInTraining } from '../../shared/training/assignments';
import { resendReminder } from '../../shared/training/reminders/pass';

/**
 * The rollout's activities: each composes other capabilities' use cases (the archive, training,
 * collaboration, people) and the rollout's own, and each is safe to run twice (an activity may run
 * again after a crash): licences are read before they are assigned, enrolment and followers are
 * idempotent by id and version, ledger writes are ordered by the orchestration's counter.
 */
export const ROLLOUT_ACTIVITIES = {
  progress: 'rolloutProgress',
  alert: 'rolloutAlert',
  serviceScope: 'rolloutServiceScope',
  licences: 'rolloutLicences',
  archiveProof: 'rolloutArchiveProof',
  holds: 'rolloutHolds',
  followSpaces: 'rolloutFollowSpaces',
  followTraining: 'rolloutFollowTraining',
  trainingStatus: 'rolloutTrainingStatus',
  trainingRound: 'rolloutTrainingRound',
  templates: 'rolloutTemplates',
  report: 'rolloutReport',
  compensationScope: 'rolloutCompensationScope',
} as const;

/** The invocation's own log (what the Functions runtime hands an activity), typed here without its SDK. */
interface InvocationLog {
  invocationId: string;
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}
const log = (context: InvocationLog) => createLogger((level, line) => context[level](line), { invocationId: context.invocationId });
const collaborationDeps = () => depsFor(peopleCatalogue().services);

/** The ledger writes an orchestration made since its last wait, in one go; a report kept is audited. */
df.app.activity(ROLLOUT_ACTIVITIES.progress, {
  handler: async (updates: ProgressUpdate | ProgressUpdate[]) => {
    const { store, audit } = rolloutServices();
    const { reportsKept } = await recordProgress(store, updates);
    for (const runId of reportsKept) await audit.record(SYSTEM_ACTOR, 'report-kept', { runId });
  },
});

/** A step needs a person: logged as `rollout.blocked` (the alert rule in Azure Monitor fires on it); ids and codes only. */
df.app.activity(ROLLOUT_ACTIVITIES.alert, {
  handler: (input: { runId: string; step: string; code: string }, context: InvocationLog) => {
    log(context).warn('rollout.blocked', input);
  },
});

df.app.activity(ROLLOUT_ACTIVITIES.serviceScope, {
  handler: async (input: { serviceCode: string }): Promise<{ personIds: string[]; spaceKey: string | null }> => {
    const service = peopleCatalogue().services.find((s) => s.code === input.serviceCode);
    return { personIds: await peopleOfService().activeIn(input.serviceCode), spaceKey: service ? serviceSpaceKey(service) : null };
  },
});

const LicencesInput = z.object({ runId: z.string(), personId: z.string().min(1), mode: z.enum(['ensure', 'remove', 'release']), partNumbers: z.array(z.string()).default([]) });

/** `unavailable`: the tenant has no subscription for a SKU the config names (IT must buy or fix the config). */
df.app.activity(ROLLOUT_ACTIVITIES.licences, {
  handler: async (raw: unknown): Promise<{ added: number; removed: number; unavailable: string[] }> => {
    const input = LicencesInput.parse(raw);
    const { licences, audit } = rolloutServices();
    if (input.mode === 'release') {
      const { released } = await releaseLicences(licences, input.personId, input.partNumbers);
      if (released.length > 0) await audit.record(SYSTEM_ACTOR, 'licences-removed', { runId: input.runId, personId: input.personId, skus: released, count: released.length });
      return { added: 0, removed: released.length, unavailable: [] };
    }
    if (input.mode === 'remove') {
      const { removed } = await removeLicences(licences, input.personId);
      if (removed > 0) await audit.record(SYSTEM_ACTOR, 'licences-removed', { runId: input.runId, personId: input.personId, count: removed });
      return { added: 0, removed, unavailable: [] };
    }
    try {
      const { store } = rolloutServices();
      // Written before the call: an undo then knows what this run set out to assign, even after a crash.
      const intent = async (added: string[]) => void (await recordProgress(store, { runId: input.runId, target: 'licences', at: new Date().toISOString(), added }));
      const { added } = await ensureLicences(licences, input.personId, input.partNumbers, intent);
      if (added.length > 0) await audit.record(SYSTEM_ACTOR, 'licences-assigned', { runId: input.runId, personId: input.personId, skus: added });
      return { added: added.length, removed: 0, unavailable: [] };
    } catch (e) {
      if (e instanceof LicencesUnavailable) return { added: 0, removed: 0, unavailable: e.partNumbers };
      throw e;
    }
  },
});

/**
 * Enrols the person's mailbox (when it is not yet) and archives it to the end, then compares every
 * folder with Graph's count: the completeness proof. Only counts leave this activity.
 */
df.app.activity(ROLLOUT_ACTIVITIES.archiveProof, {
  handler: async (input: { runId: string; personId: string; timeoutSeconds: number }): Promise<{ enrolled: boolean; complete: boolean; folders: number; missing: number; archivedAt: string | null }> => {
    const services = archiveServices();
    const enrolment = await enrolMailbox(input.personId, `rollout|${input.runId}`, services, new Date());
    if (enrolment === 'ignored') return { enrolled: false, complete: false, folders: 0, missing: 0, archivedAt: null };
    const report = await archiveMailboxCompletely(input.personId, services, { timeoutMs: input.timeoutSeconds * 1000 });
    return { enrolled: true, complete: report.complete, folders: report.folders.length, missing: report.folders.reduce((a, f) => a + f.missing, 0), archivedAt: report.archivedAt };
  },
});

/** The active legal holds naming the person's mailbox (their ids: the matter stays with records management). */
df.app.activity(ROLLOUT_ACTIVITIES.holds, {
  handler: async (input: { personId: string }): Promise<{ holdIds: string[] }> => {
    const holds = await recordsServices().holds.active();
    return { holdIds: holds.filter((h) => h.mailboxes.some((m) => m.toLowerCase() === input.personId.toLowerCase())).map((h) => h.id) };
  },
});

/**
 * Brings the collaboration roster to this event (the collaboration subscription may not have
 * seen it yet) and names the spaces the person enters or leaves: their service's before and after.
 */
df.app.activity(ROLLOUT_ACTIVITIES.followSpaces, {
  handler: async (raw: unknown): Promise<{ spaceKeys: string[] }> => {
    const event: PeopleEvent = PeopleEventSchema.parse(raw);
    const services = peopleCatalogue().services;
    const followed = await followInSpaces(event, collaborationFollowerDeps(services));
    const before = event.changes.find((c) => c.field === 'service')?.before ?? null;
    const codes = new Set([before, event.state.serviceCode].filter((c): c is string => typeof c === 'string'));
    const own = services.filter((s) => codes.has(s.code)).map(serviceSpaceKey);
    return { spaceKeys: [...new Set([...own, ...followed])].sort() };
  },
});

/** Applies the event to training (idempotent by version) and reports the person's assignments. */
df.app.activity(ROLLOUT_ACTIVITIES.followTraining, {
  handler: async (raw: unknown): Promise<{ open: number; completed: number; closed: number }> => {
    const event: PeopleEvent = PeopleEventSchema.parse(raw);
    const deps = trainingDeps();
    await followInTraining(event, deps);
    const assignments = (await deps.assignments.forPerson(event.personId)).map((s) => s.assignment);
    return {
      open: assignments.filter((a) => a.status === 'open').length,
      completed: assignments.filter((a) => a.status === 'completed').length,
      closed: assignments.filter((a) => a.status === 'closed').length,
    };
  },
});

/** How far a service's people are in their training: assignments completed over those not closed. */
df.app.activity(ROLLOUT_ACTIVITIES.trainingStatus, {
  handler: async (input: { personIds: string[] }): Promise<{ total: number; completed: number }> => {
    const assignments = (await trainingDeps().assignments.forPeople(input.personIds)).map((s) => s.assignment).filter((a) => a.status !== 'closed');
    return { total: assignments.length, completed: assignments.filter((a) => a.status === 'completed').length };
  },
});

/**
 * One batch of a reminder round: the next `limit` open assignments after `after` (by id), each
 * reminded once (training's own pacing, 5 a second for the app, and once an hour per person and
 * module). A round is several batches so that it never nears the function timeout, and the
 * orchestration hears a decision (a skip) between them.
 */
df.app.activity(ROLLOUT_ACTIVITIES.trainingRound, {
  handler: async (input: { personIds: string[]; after?: string | null; limit?: number }): Promise<{ sent: number; open: number; next: string | null }> => {
    const deps = reminderDeps(peopleNames());
    const open = (await deps.assignments.forPeople(input.personIds)).map((s) => s.assignment).filter((a) => a.status === 'open').sort((x, y) => x.id.localeCompare(y.id));
    const from = input.after ? open.filter((a) => a.id > input.after!) : open;
    const batch = from.slice(0, input.limit ?? open.length);
    let sent = 0;
    for (const a of batch) {
      const outcome = await resendReminder(deps, a.personId, a.moduleId, SYSTEM_ACTOR);
      if (outcome.kind === 'sent') sent++;
    }
    return { sent, open: open.length, next: batch.length < from.length ? batch[batch.length - 1]!.id : null };
  },
});

/** The service space's document templates: verified against the template, missing ones counted. */
df.app.activity(ROLLOUT_ACTIVITIES.templates, {
  handler: async (input: { spaceKey: string }): Promise<{ missing: number; status: string }> => {
    const deps = collaborationDeps();
    const verified = await verifySpace(deps, input.spaceKey);
    const record = await deps.spaces.get(input.spaceKey);
    const missing = (record?.record.drift.operations ?? []).filter((op) => op.kind === 'place-document').length;
    return { missing, status: verified.status };
  },
});

/**
 * Keeps a run's closing report. The orchestrations now send the report with their other ledger
 * writes (rolloutProgress); this stays registered for instances started by the previous deployment.
 */
df.app.activity(ROLLOUT_ACTIVITIES.report, {
  handler: async (input: { runId: string; at: string; report: Record<string, unknown> }) => {
    const { store, audit } = rolloutServices();
    await recordProgress(store, { runId: input.runId, target: 'report', at: input.at, report: input.report });
    await audit.record(SYSTEM_ACTOR, 'report-kept', { runId: input.runId });
  },
});

/** Who a service run's journeys set out to give which of these licences (all attempts of each person). */
df.app.activity(ROLLOUT_ACTIVITIES.compensationScope, {
  handler: async (input: { runId: string; partNumbers: string[] }): Promise<Array<{ personId: string; partNumbers: string[] }>> => {
    const journeys = (await rolloutServices().store.list('journeys')).filter((j) => j.id.startsWith(`${input.runId}:p:`));
    const byPerson = new Map<string, Set<string>>();
    for (const j of journeys) {
      const wanted = (j.licencesAdded ?? []).filter((p) => input.partNumbers.includes(p));
      if (wanted.length === 0) continue;
      const set = byPerson.get(j.subject) ?? new Set<string>();
      for (const p of wanted) set.add(p);
      byPerson.set(j.subject, set);
    }
    return [...byPerson].sort(([a], [b]) => a.localeCompare(b)).map(([personId, set]) => ({ personId, partNumbers: [...set].sort() }));
  },
});
