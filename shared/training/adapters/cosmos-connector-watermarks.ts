import type { Container, Database } from '@azure/cosmos';
import { ensureContainer } from '../../platform/adapters/cosmos';
import type { ConnectorWatermarks } from '../ports';
import { TRAINING_CONTAINERS } from './cosmos-training';

type WatermarkDoc = { id: string; connector: string; since: string; updatedAt: string };

/**
 * Connectors' watermarks in Cosmos DB: one document per connector, id `watermark|<connector>`, in
 * a container of their own (the trainees' container is read whole by reports, a watermark there
 * would be read as a person).
 */
export class CosmosConnectorWatermarks implements ConnectorWatermarks {
  private container?: Promise<Container>;

  constructor(private readonly database: Database, private readonly now: () => Date = () => new Date()) {}

  private ready(): Promise<Container> {
    return (this.container ??= ensureContainer(this.database, TRAINING_CONTAINERS.connectors, '/id').catch((e: unknown) => {
      this.container = undefined;
      throw e;
    }));
  }

  async get(connector: string): Promise<string | null> {
    const id = `watermark|${connector}`;
    const { resource } = await (await this.ready()).item(id, id).read<WatermarkDoc>();
    return resource?.since ?? null;
  }

  async set(connector: string, at: string): Promise<void> {
    const id = `watermark|${connector}`;
    await (await this.ready()).items.upsert<WatermarkDoc>({ id, connector, since: at, updatedAt: this.now().toISOString() });
  }
}
