import { cosmosDatabase, graph, serviceBusClient } from '../../platform/adapters/clients';
import { GraphBudget, LocalSlotPool } from '../../platform/graph/graph-budget';
import { settings, type Settings } from '../../platform/settings';
import { loadPeopleCatalogue, type PeopleCatalogue } from '../catalogue';
import type { SyncDeps } from '../sync';
import { CosmosPeople, CosmosSyncState } from './cosmos-people';
import { GraphPeopleDirectory } from './graph-people-directory';
import { ServiceBusPeopleEvents } from './servicebus-people-events';

/**
 * The people capability's ports as the function app builds them from its settings. Directory reads
 * have their own Graph budget: Entra ID throttles them apart from Outlook's mailbox limits, and
 * the timer runs on one instance at a time, so a local pool of slots is the whole app's share.
 */
let built: { settings: Settings; catalogue: PeopleCatalogue; people: CosmosPeople; deps: SyncDeps } | undefined;

export function peopleServices(s: Settings = settings()): { catalogue: PeopleCatalogue; people: CosmosPeople; syncDeps: SyncDeps } {
  if (!built || built.settings !== s) {
    // A broken catalogue stops here with its problems named by line, before any read or write.
    const catalogue = loadPeopleCatalogue(s.people.catalogueFile);
    const budget = new GraphBudget({ concurrency: s.people.graphConcurrency, windowRequests: 2_000, windowMs: 60_000, slots: new LocalSlotPool(s.people.graphConcurrency) });
    const people = new CosmosPeople(cosmosDatabase(s));
    const deps: SyncDeps = {
      directory: new GraphPeopleDirectory(graph(s), budget, catalogue.directory),
      store: people,
      history: people,
      publisher: new ServiceBusPeopleEvents(serviceBusClient(s), s.people.eventsTopic),
      state: new CosmosSyncState(cosmosDatabase(s)),
      catalogue,
      now: () => new Date(),
    };
    built = { settings: s, catalogue, people, deps };
  }
  return { catalogue: built.catalogue, people: built.people, syncDeps: built.deps };
}

export function resetPeopleForTests(): void {
  built = undefined;
}
