import { cosmosDatabase, graph } from '../../platform/adapters/clients';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { GraphBudget, LocalSlotPool } from '../../platform/graph/graph-budget';
import { settings, type Settings } from '../../platform/settings';
import type { TrainingDeps } from '../assignments';
import { TrainingAuditLog, TrainingAuditRecord } from '../audit-record';
import { loadTrainingCatalogue } from '../catalogue';
import type { ExternalCompletionsDeps } from '../external-completions';
import { CosmosConnectorWatermarks } from './cosmos-connector-watermarks';
import { CosmosAssignments, CosmosCatalogueState, CosmosTrainees, TRAINING_CONTAINERS } from './cosmos-training';
import { GraphAttackSimulationCompletions } from './graph-attack-simulation';

/** The training capability's ports as the function app builds them from its settings. */
let built: { settings: Settings; deps: TrainingDeps; attackSimulation?: ExternalCompletionsDeps } | undefined;

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

/**
 * The Attack Simulation Training connector's ports: the training ports, Graph (its own small budget:
 * a daily timer on one instance, a few dozen reads) and the watermark in Cosmos DB.
 */
export function attackSimulationDeps(s: Settings = settings()): ExternalCompletionsDeps {
  const deps = trainingDeps(s);
  const b = built!;
  b.attackSimulation ??= {
    ...deps,
    source: new GraphAttackSimulationCompletions(graph(s), new GraphBudget({ concurrency: 2, windowRequests: 1_000, windowMs: 60_000, slots: new LocalSlotPool(2) })),
    watermarks: new CosmosConnectorWatermarks(cosmosDatabase(s)),
  };
  return b.attackSimulation;
}

export function resetTrainingForTests(): void {
  built = undefined;
}
