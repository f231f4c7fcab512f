import type { ConnectorWatermarks, ExternalCompletion, ExternalCompletions } from '../../shared/training/ports';

/** In-memory fakes of the external completion ports (Attack Simulation Training connector). */

export class MemoryExternalCompletions implements ExternalCompletions {
  /** What the platform holds; each read returns all of it, as a source that repeats itself would. */
  completions: ExternalCompletion[] = [];
  readonly reads: Array<string | null> = [];
  async since(since: string | null): Promise<ExternalCompletion[]> {
    this.reads.push(since);
    return structuredClone(this.completions);
  }
}

export class MemoryWatermarks implements ConnectorWatermarks {
  readonly byConnector = new Map<string, string>();
  async get(connector: string) {
    return this.byConnector.get(connector) ?? null;
  }
  async set(connector: string, at: string) {
    this.byConnector.set(connector, at);
  }
}
