import { beforeAll, describe, expect, it } from 'vitest';
import { startTokenIssuer } from '../../dev/token-issuer';
import { cosmosDatabase } from '../../shared/platform/adapters/clients';
import { CosmosAssignments, CosmosCatalogueState, CosmosTrainees } from '../../shared/training/adapters/cosmos-training';
import { followPeopleEvent, reassignIfCatalogueChanged } from '../../shared/training/assignments';
import { AssignmentConflict } from '../../shared/training/ports';
import { TrainingTaking } from '../../shared/training/taking';
import { useAppEnvironment } from '../support/app-env';
import { MemoryTrainingAudit, peopleEvent, trainingCatalogue } from '../fakes/training';

/** The training Cosmos adapters on the emulator: compare-and-swap, the catalogue state kept apart. */
let trainees: CosmosTrainees;
let assignments: CosmosAssignments;
let state: CosmosCatalogueState;

beforeAll(async () => {
  const issuer = await startTokenIssuer({});
  await useAppEnvironment(issuer, { COSMOS_DATABASE: `training-${Math.random().toString(36).slice(2, 10)}` });
  await issuer.stop();
  trainees = new CosmosTrainees(cosmosDatabase());
  assignments = new CosmosAssignments(cosmosDatabase());
  state = new CosmosCatalogueState(cosmosDatabase());
});

describe('training in Cosmos DB', () => {
  it('assigns from an event, and a stale write loses to a completion made meanwhile', async () => {
    const deps = { trainees, assignments, audit: new MemoryTrainingAudit(), catalogue: trainingCatalogue(), now: () => new Date('2026-12-07T14:00:00Z') };
    await followPeopleEvent(peopleEvent('p-ana', 'joined', 1), deps);
    expect((await assignments.forPerson('p-ana')).map((s) => s.assignment.moduleId).sort()).toEqual(['ARCHIVE-POLICY', 'CYBER-BASE', 'CYBER-PHISH', 'DOSSIERS-NUM', 'TEAMS-ESPACES']);
    const stale = (await assignments.get('p-ana|TEAMS-ESPACES'))!;
    await new TrainingTaking(deps).done({ oid: 'p-ana', kind: 'user' }, 'TEAMS-ESPACES');
    await expect(assignments.save({ ...stale.assignment, attempts: 9 }, stale.etag)).rejects.toBeInstanceOf(AssignmentConflict);
    await expect(assignments.save(stale.assignment)).rejects.toBeInstanceOf(AssignmentConflict);
    expect((await assignments.get('p-ana|TEAMS-ESPACES'))!.assignment.status).toBe('completed');
    expect((await assignments.open()).map((s) => s.assignment.moduleId)).not.toContain('TEAMS-ESPACES');
  });

  it('keeps the catalogue state apart from the trainees', async () => {
    const deps = { trainees, assignments, audit: new MemoryTrainingAudit(), catalogue: trainingCatalogue(), now: () => new Date('2026-12-07T14:00:00Z') };
    expect(await state.appliedVersion()).toBeNull();
    await reassignIfCatalogueChanged(deps, state);
    expect(await state.appliedVersion()).toBe('2026.1');
    expect((await trainees.all()).map((t) => t.personId)).toEqual(['p-ana']);
    expect([...(await trainees.many(['p-ana', 'catalogue-state'])).keys()]).toEqual(['p-ana']);
  });
});
