import { app, type HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { peopleCatalogue, peopleNames } from '../../shared/people/adapters/people-services';
import { PeopleEventSchema } from '../../shared/people/events';
import { ApiError } from '../../shared/platform/api-error';
import type { Actor } from '../../shared/platform/audit';
import type { Principal } from '../../shared/platform/auth';
import { APP_ROLES } from '../../shared/platform/roles';
import { settings } from '../../shared/platform/settings';
import { trainingCatalogueState, trainingDeps } from '../../shared/training/adapters/training-services';
import { followPeopleEvent, openDueCycles, reassignIfCatalogueChanged } from '../../shared/training/assignments';
import { TrainingOversight, WEEKDAYS, type BusinessCalendar } from '../../shared/training/oversight';
import { TrainingTaking } from '../../shared/training/taking';
import { endpoint } from '../http/endpoint';
import { onTimer, onTopic } from '../triggers';

/**
 * Training tracking (docs/decisions/0010-training.md): the people stream assigns, a daily timer
 * opens recurring cycles, and the Teams page takes, oversees and records training.
 *   GET  /api/training/me                                      one's modules
 *   GET  /api/training/modules/{moduleId}/quiz                 a quiz to take (shuffled, no answers)
 *   POST /api/training/modules/{moduleId}/quiz                 submit answers
 *   GET  /api/training/modules/{moduleId}/reading              text, attestation, version hash
 *   POST /api/training/modules/{moduleId}/attest               sign the version read
 *   POST /api/training/modules/{moduleId}/done                 an external course finished
 *   GET  /api/training/modules/{moduleId}/certificates/{cycle} a completed cycle's certificate
 *   GET  /api/training/team                                    a manager's direct reports
 *   GET  /api/training/compliance(.csv)                        HR, ITAdmin
 *   POST /api/training/completions                             manual completion (HR, ITAdmin)
 *   POST /api/training/completions/import?dryRun=              CSV import (HR, ITAdmin)
 *   POST /api/training/assignments                             an explicit assignment (HR, ITAdmin)
 */
const s = settings();

onTopic('trainingPeople', {
  event: 'training.people',
  topicName: '%PEOPLE_EVENTS_TOPIC%',
  subscriptionName: 'training',
  sessions: true,
  schema: PeopleEventSchema,
  async handle(event, log) {
    const outcome = await followPeopleEvent(event, trainingDeps());
    log.info('training.people', { eventId: event.id, kind: event.kind, personId: event.personId, ...outcome });
  },
});

onTimer('trainingCycles', {
  event: 'training.cycles',
  schedule: '%TRAINING_CYCLES_SCHEDULE%',
  async handle(log) {
    // A new catalogue version first, so a new cycle is opened with the new rules.
    const reassigned = await reassignIfCatalogueChanged(trainingDeps(), trainingCatalogueState());
    log.info('training.cycles', { reassigned: reassigned?.reassigned ?? 0, catalogueChanged: reassigned !== null, opened: await openDueCycles(trainingDeps()) });
  },
});

/** Business days: the reminders' holiday calendar when it is there, else weekdays. */
let calendar: BusinessCalendar = WEEKDAYS;
export function useBusinessCalendar(c: BusinessCalendar): void {
  calendar = c;
}

const taking = () => new TrainingTaking(trainingDeps());
function oversight(): TrainingOversight {
  const people = peopleCatalogue();
  return new TrainingOversight({
    ...trainingDeps(),
    names: peopleNames(),
    calendar,
    labels: { services: new Map(people.services.map((x) => [x.code, x.names])), jobCategories: new Map(people.jobCategories.map((x) => [x.code, x.names])) },
  });
}

/** Whether the signed-in manager manages this person (their "Relancer" is for their own people). */
export async function managesPerson(p: Principal, personId: string): Promise<boolean> {
  return oversight().manages({ oid: p.oid, roles: p.roles }, personId);
}

const actorOf = (p: Principal): Actor => ({ oid: p.oid, kind: p.kind });
const viewerOf = (p: Principal) => ({ oid: p.oid, roles: p.roles });

/** The use cases' refusals as the app's errors (French and English). */
function refusal(kind: string): Error {
  switch (kind) {
    case 'not-assigned':
      return new ApiError(404, 'not-assigned', 'training.notAssigned');
    case 'not-open':
      return new ApiError(409, 'not-open', 'training.notOpen');
    case 'wrong-kind':
      return new ApiError(409, 'wrong-kind', 'training.wrongKind');
    case 'no-attempt-left':
      return new ApiError(409, 'no-attempt-left', 'training.noAttemptLeft');
    case 'text-changed':
      return new ApiError(409, 'text-changed', 'training.textChanged');
    case 'not-found':
      return new ApiError(404, 'not-found', 'training.certificateNotFound');
    case 'forbidden':
      return new ApiError(403, 'forbidden', 'training.hrOnly');
    case 'future-date':
      return new ApiError(400, 'future-date', 'training.futureDate', {}, [{ field: 'body.completedAt', code: 'custom', message: 'in the future' }]);
    case 'unknown-module':
      return new ApiError(400, 'unknown-module', 'training.unknownModule', {}, [{ field: 'body.moduleId', code: 'custom', message: 'unknown module' }]);
    default:
      // An outcome this mapping does not know is a bug: the endpoint answers 500 with a correlation id.
      return new Error(`unmapped training outcome ${kind}`);
  }
}

const moduleParams = z.object({ moduleId: z.string().regex(/^[A-Z][A-Z0-9-]{1,39}$/, 'expected a module id') });
const EVERYONE = APP_ROLES;
const HR = ['HR', 'ITAdmin'] as const;

export const trainingMe = endpoint({
  roles: EVERYONE,
  async handle({ principal }) {
    return { body: { items: await taking().mine(principal.oid) } };
  },
});

export const trainingQuiz = endpoint({
  roles: EVERYONE,
  params: moduleParams,
  async handle({ principal, params }) {
    const outcome = await taking().quiz(principal.oid, params.moduleId);
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { body: outcome.value };
  },
});

export const trainingAnswer = endpoint({
  roles: EVERYONE,
  params: moduleParams,
  body: z.object({ answers: z.record(z.string().max(16), z.array(z.string().max(8)).max(8)) }),
  async handle({ principal, params, body }) {
    const outcome = await taking().answer(actorOf(principal), params.moduleId, body.answers);
    if (outcome.kind === 'unanswered') {
      throw new ApiError(400, 'unanswered', 'training.unanswered', { count: outcome.questions.length }, outcome.questions.map((q) => ({ field: `body.answers.${q}`, code: 'custom', message: 'unanswered' })));
    }
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { body: outcome.value };
  },
});

export const trainingReading = endpoint({
  roles: EVERYONE,
  params: moduleParams,
  async handle({ principal, params }) {
    const outcome = await taking().reading(principal.oid, params.moduleId);
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { body: outcome.value };
  },
});

export const trainingAttest = endpoint({
  roles: EVERYONE,
  params: moduleParams,
  body: z.object({ versionHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected the version hash'), language: z.enum(['fr-CA', 'en']) }),
  async handle({ principal, params, body }) {
    const outcome = await taking().attest(actorOf(principal), params.moduleId, body);
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { status: 201, body: outcome.value };
  },
});

export const trainingDone = endpoint({
  roles: EVERYONE,
  params: moduleParams,
  async handle({ principal, params }) {
    const outcome = await taking().done(actorOf(principal), params.moduleId);
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { status: 201, body: outcome.value };
  },
});

export const trainingCertificate = endpoint({
  roles: EVERYONE,
  params: moduleParams.extend({ cycle: z.coerce.number().int().min(1).max(1000) }),
  async handle({ principal, params }) {
    const outcome = await taking().certificate(principal.oid, params.moduleId, params.cycle);
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    const name = (await peopleNames().namesOf([principal.oid])).get(principal.oid) ?? principal.name ?? null;
    return { body: { person: { displayName: name }, ...outcome.value } };
  },
});

export const trainingTeam = endpoint({
  roles: ['Manager'],
  async handle({ principal }) {
    const outcome = await oversight().team(viewerOf(principal));
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { body: outcome.value };
  },
});

const complianceQuery = z.object({
  service: z.string().max(32).optional(),
  jobCategory: z.string().max(32).optional(),
  moduleId: z.string().max(40).optional(),
});

export const trainingCompliance = endpoint({
  roles: HR,
  query: complianceQuery,
  async handle({ principal, query }) {
    const outcome = await oversight().compliance(viewerOf(principal), query);
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { body: outcome.value };
  },
});

export const trainingComplianceCsv = endpoint({
  roles: HR,
  query: complianceQuery,
  async handle({ principal, query }) {
    const outcome = await oversight().complianceCsv(viewerOf(principal), query, actorOf(principal));
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    const day = new Date().toISOString().slice(0, 10);
    return {
      body: Buffer.from(outcome.value, 'utf8'),
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="formations-en-retard-${day}.csv"` },
    };
  },
});

export const trainingCompleteByHand = endpoint({
  roles: HR,
  body: z.object({
    personId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a person id'),
    moduleId: z.string().regex(/^[A-Z][A-Z0-9-]{1,39}$/),
    completedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
    reason: z.string().trim().min(3).max(500),
  }),
  async handle({ principal, body }) {
    const outcome = await oversight().completeByHand(viewerOf(principal), actorOf(principal), body);
    if (outcome.kind === 'not-assigned') throw new ApiError(404, 'not-assigned', 'training.personNotAssigned');
    if (outcome.kind === 'not-open') throw new ApiError(409, 'not-open', 'training.alreadyDone');
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { status: 201, body: { recorded: true } };
  },
});

export const trainingAssignByHand = endpoint({
  roles: HR,
  body: z.object({
    personId: z.string().regex(/^[0-9a-f-]{36}$/i, 'expected a person id'),
    moduleId: z.string().regex(/^[A-Z][A-Z0-9-]{1,39}$/),
    dueDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
    reason: z.string().trim().min(3).max(500),
    newCycle: z.boolean().optional(),
  }),
  async handle({ principal, body }) {
    const outcome = await oversight().assignByHand(viewerOf(principal), actorOf(principal), body);
    if (outcome.kind === 'unknown-person') throw new ApiError(404, 'unknown-person', 'training.unknownPerson');
    if (outcome.kind === 'past-date') throw new ApiError(400, 'past-date', 'training.pastDate', {}, [{ field: 'body.dueDate', code: 'custom', message: 'in the past' }]);
    if (outcome.kind === 'already-completed') throw new ApiError(409, 'already-completed', 'training.alreadyCompleted');
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { status: 201, body: outcome.value };
  },
});

async function csvBody(request: HttpRequest): Promise<string> {
  const limit = s.http.maxBodyBytes;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw new ApiError(413, 'too-large', 'request.tooLarge', { limit });
  const text = await request.text();
  if (Buffer.byteLength(text) > limit) throw new ApiError(413, 'too-large', 'request.tooLarge', { limit });
  return text;
}

export const trainingImport = endpoint({
  roles: HR,
  query: z.object({ dryRun: z.enum(['true', 'false']).default('true') }),
  async handle({ principal, query, request }) {
    const outcome = await oversight().importCompletions(viewerOf(principal), actorOf(principal), await csvBody(request), query.dryRun === 'true');
    if (outcome.kind === 'unreadable') throw new ApiError(400, 'csv-unreadable', 'training.csvUnreadable', { problem: outcome.problem });
    if (outcome.kind === 'too-many') throw new ApiError(400, 'csv-too-many', 'training.csvTooMany', { max: outcome.max });
    if (outcome.kind !== 'ok') throw refusal(outcome.kind);
    return { body: outcome.value };
  },
});

const http = (name: string, methods: Array<'GET' | 'POST'>, route: string, handler: ReturnType<typeof endpoint>) => app.http(name, { methods, authLevel: 'anonymous', route, handler });
http('trainingMe', ['GET'], 'api/training/me', trainingMe);
http('trainingQuiz', ['GET'], 'api/training/modules/{moduleId}/quiz', trainingQuiz);
http('trainingAnswer', ['POST'], 'api/training/modules/{moduleId}/quiz', trainingAnswer);
http('trainingReading', ['GET'], 'api/training/modules/{moduleId}/reading', trainingReading);
http('trainingAttest', ['POST'], 'api/training/modules/{moduleId}/attest', trainingAttest);
http('trainingDone', ['POST'], 'api/training/modules/{moduleId}/done', trainingDone);
http('trainingCertificate', ['GET'], 'api/training/modules/{moduleId}/certificates/{cycle}', trainingCertificate);
http('trainingTeam', ['GET'], 'api/training/team', trainingTeam);
http('trainingCompliance', ['GET'], 'api/training/compliance', trainingCompliance);
http('trainingComplianceCsv', ['GET'], 'api/training/compliance.csv', trainingComplianceCsv);
http('trainingCompleteByHand', ['POST'], 'api/training/completions', trainingCompleteByHand);
http('trainingImport', ['POST'], 'api/training/completions/import', trainingImport);
http('trainingAssignByHand', ['POST'], 'api/training/assignments', trainingAssignByHand);
