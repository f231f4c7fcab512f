import { cosmosDatabase } from '../../platform/adapters/clients';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { settings, type Settings } from '../../platform/settings';
import type { TrainingDeps } from '../assignments';
import { TrainingAuditLog, TrainingAuditRecord } from '../audit-record';
import { loadTrainingCatalogue } from '../catalogue';
import { CosmosAssignments, CosmosCatalogueState, CosmosTrainees, TRAINING_CONTAINERS } from './cosmos-training';

/** The training capability's ports as the function app builds them from its settings. */
let built: { settings: Settings; deps: TrainingDeps } | undefined;

export function trainingDeps(s: Settings = settings()): TrainingDeps {
  if (!built || built.settings !== s) {
    // A broken catalogue stops here with its problems named by line, before any read or write.
    const catalogue = loadTrainingCatalogue(s.training.catalogueFile);
    const database = cosmosDatabase(s);
    built = {
      settings: s,
      deps: {
        trainees: new CosmosTrainees(database),
        assignments: new CosmosAssignments(database),
        audit: new TrainingAuditLog(new CosmosAuditTrail(database, { container: TRAINING_CONTAINERS.audit, schema: TrainingAuditRecord })),
        catalogue,
        now: () => new Date(),
      },
    };
  }
  return built.deps;
}

export function trainingCatalogueState(s: Settings = settings()): CosmosCatalogueState {
  return new CosmosCatalogueState(cosmosDatabase(s));
}

export function resetTrainingForTests(): void {
  built = undefined;
}
