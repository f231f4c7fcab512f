import * as df from 'durable-functions';
import { collaborationDeps as depsFor } from '../../shared/collaboration/adapters/collaboration-services';
import { peopleCatalogue } from '../../shared/people/adapters/people-services';
import { applySpaceStep, plannedSpaceKeys, verifySpace, type RunMode, type StepResult, type VerifyResult } from '../../shared/collaboration/engine';
import type { Actor } from '../../shared/platform/audit';
import { settings } from '../../shared/platform/settings';

/**
 * The collaboration engine's activities. Each is safe to run twice (a durable activity may be
 * retried after a crash): a step re-reads the space and every operation is idempotent.
 */
/** The union's services come from the people catalogue, handed over here (the composition root). */
const collaborationDeps = () => depsFor(peopleCatalogue().services);

export const COLLABORATION_ACTIVITIES = {
  step: 'collaborationSpaceStep',
  verify: 'collaborationVerifySpace',
  list: 'collaborationListSpaces',
} as const;

export interface StepInput {
  spaceKey: string;
  mode: RunMode;
  approveRemovals: boolean;
  operationIds?: string[];
  actor: Actor;
}

df.app.activity(COLLABORATION_ACTIVITIES.step, {
  handler: (input: StepInput): Promise<StepResult> =>
    applySpaceStep(collaborationDeps(), input.spaceKey, {
      mode: input.mode,
      approveRemovals: input.approveRemovals,
      operationIds: input.operationIds,
      actor: input.actor,
      // Well inside functionTimeout: the orchestration calls the next step, so no work is lost.
      budgetMs: settings().collaboration.stepBudgetSeconds * 1000,
    }),
});

df.app.activity(COLLABORATION_ACTIVITIES.verify, {
  handler: (input: { spaceKey: string }): Promise<VerifyResult> => verifySpace(collaborationDeps(), input.spaceKey),
});

df.app.activity(COLLABORATION_ACTIVITIES.list, {
  handler: (): Promise<string[]> => plannedSpaceKeys(collaborationDeps()),
});
