import { cosmosDatabase } from '../../platform/adapters/clients';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { settings, type Settings } from '../../platform/settings';
import { CollaborationAuditLog, CollaborationAuditRecord } from '../audit-record';
import type { CollaborationDeps } from '../engine';
import type { ServiceInfo } from '../plan';
import { collaborationAdapters } from './collaboration-adapters';
import { requestProjects } from './request-services';

/** The collaboration audit trail (pk /pk = yyyy-mm). */
const AUDIT_CONTAINER = 'collaboration-audit';

/**
 * The engine's dependencies as the function app builds them: the adapters, the audit trail, and the
 * union's services, which the composition root hands over from the people catalogue (a capability
 * reaches another only through its ports or events).
 */
let built: { settings: Settings; deps: CollaborationDeps } | undefined;

export function collaborationDeps(services: ServiceInfo[], s: Settings = settings()): CollaborationDeps {
  if (!built || built.settings !== s) {
    const adapters = collaborationAdapters(s);
    const database = cosmosDatabase(s);
    built = {
      settings: s,
      deps: {
        template: adapters.template,
        services,
        roster: adapters.roster,
        // Approved project-space requests become spaces to plan.
        projects: requestProjects(s),
        directory: adapters.directory,
        documents: adapters.documents,
        spaces: adapters.spaces,
        reader: adapters.reader,
        writer: adapters.writer,
        audit: new CollaborationAuditLog(new CosmosAuditTrail(database, { container: AUDIT_CONTAINER, schema: CollaborationAuditRecord })),
        now: () => new Date(),
        maxRemovalShare: s.collaboration.maxRemovalShare,
      },
    };
  }
  return built.deps;
}

/** What the people-stream subscription needs. */
export function collaborationFollowerDeps(services: ServiceInfo[], s: Settings = settings()) {
  const deps = collaborationDeps(services, s);
  return { roster: deps.roster, projects: deps.projects, services: deps.services, directionJobCategories: deps.template.direction.jobCategories };
}
