import { cosmosDatabase, graph, serviceBusClient } from '../../platform/adapters/clients';
import { GraphBudget, LocalSlotPool } from '../../platform/graph/graph-budget';
import { settings, type Settings } from '../../platform/settings';
import { loadPeopleCatalogue, type PeopleCatalogue } from '../catalogue';
import { PeopleDirectoryReader } from '../directory';
import type { SyncDeps } from '../sync';
import { CosmosPeople, CosmosSyncState } from './cosmos-people';
import { GraphPeopleDirectory } from './graph-people-directory';
import { ServiceBusPeopleEvents } from './servicebus-people-events';

/**
 * The people capability's ports as the function app builds them from its settings. The pages'
 * reader needs only Cosmos DB and the catalogue; Graph and Service Bus are built for the sync
 * alone. Directory reads have their own Graph budget: Entra ID throttles them apart from Outlook's
 * mailbox limits, and the timer runs on one instance at a time, so a local pool is the app's share.
 */
interface Built {
  settings: Settings;
  catalogue: PeopleCatalogue;
  people: CosmosPeople;
  state: CosmosSyncState;
  syncDeps?: SyncDeps;
}
let built: Built | undefined;

function base(s: Settings): Built {
  if (!built || built.settings !== s) {
    // A broken catalogue stops here with its problems named by line, before any read or write.
    const catalogue = loadPeopleCatalogue(s.people.catalogueFile);
    built = { settings: s, catalogue, people: new CosmosPeople(cosmosDatabase(s)), state: new CosmosSyncState(cosmosDatabase(s)) };
  }
  return built;
}

export function peopleCatalogue(s: Settings = settings()): PeopleCatalogue {
  return base(s).catalogue;
}

export function peopleReader(s: Settings = settings()): PeopleDirectoryReader {
  const b = base(s);
  return new PeopleDirectoryReader({ store: b.people, history: b.people, state: b.state, catalogue: b.catalogue });
}

/** Display names by person id, for other capabilities' pages (composed by functions/). */
export function peopleNames(s: Settings = settings()): { namesOf(ids: string[]): Promise<Map<string, string>> } {
  const b = base(s);
  return { namesOf: async (ids) => new Map([...(await b.people.get(ids))].map(([id, r]) => [id, r.facts.displayName])) };
}

export function peopleSyncDeps(s: Settings = settings()): SyncDeps {
  const b = base(s);
  if (!b.syncDeps) {
    const budget = new GraphBudget({ concurrency: s.people.graphConcurrency, windowRequests: 2_000, windowMs: 60_000, slots: new LocalSlotPool(s.people.graphConcurrency) });
    b.syncDeps = {
      directory: new GraphPeopleDirectory(graph(s), budget, b.catalogue.directory),
      store: b.people,
      history: b.people,
      publisher: new ServiceBusPeopleEvents(serviceBusClient(s), s.people.eventsTopic),
      state: b.state,
      catalogue: b.catalogue,
      now: () => new Date(),
    };
  }
  return b.syncDeps;
}

export function resetPeopleForTests(): void {
  built = undefined;
}

/** The active members of a service, by person id (the rollout's scope; composed by other capabilities' roots). */
export function peopleOfService(s: Settings = settings()): { activeIn(serviceCode: string): Promise<string[]>; activeCounts(): Promise<Map<string, number>> } {
  const b = base(s);
  const active = async () => (await b.people.all()).filter((r) => r.state.status === 'active' && r.state.serviceCode !== null);
  return {
    activeIn: async (serviceCode) => (await active()).filter((r) => r.state.serviceCode === serviceCode).map((r) => r.id).sort(),
    activeCounts: async () => {
      const counts = new Map<string, number>();
      for (const r of await active()) counts.set(r.state.serviceCode!, (counts.get(r.state.serviceCode!) ?? 0) + 1);
      return counts;
    },
  };
}
