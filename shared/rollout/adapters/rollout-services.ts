import { cosmosDatabase, graph } from '../../platform/adapters/clients';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { settings, type Settings } from '../../platform/settings';
import { RolloutAuditLog, RolloutAuditRecord, type RolloutAudit } from '../audit-record';
import { loadRolloutConfig, type RolloutConfig } from '../config';
import type { LicenceDirectory, RunStore } from '../ports';
import { CosmosRunStore } from './cosmos-rollout';
import { GraphLicenceDirectory } from './graph-licences';

const AUDIT_CONTAINER = 'rollout-audit';

export interface RolloutServices {
  config: RolloutConfig;
  store: RunStore;
  licences: LicenceDirectory;
  audit: RolloutAudit;
  now: () => Date;
}

let built: { settings: Settings; services: RolloutServices } | undefined;

/** The rollout's adapters as the function app builds them from its settings (a broken config file stops here, named). */
export function rolloutServices(s: Settings = settings()): RolloutServices {
  if (!built || built.settings !== s) {
    const database = cosmosDatabase(s);
    built = {
      settings: s,
      services: {
        config: loadRolloutConfig(s.rollout.configFile),
        store: new CosmosRunStore(database),
        licences: new GraphLicenceDirectory(graph(s)),
        audit: new RolloutAuditLog(new CosmosAuditTrail(database, { container: AUDIT_CONTAINER, schema: RolloutAuditRecord })),
        now: () => new Date(),
      },
    };
  }
  return built.services;
}

export function resetRolloutServicesForTests(): void {
  built = undefined;
}
