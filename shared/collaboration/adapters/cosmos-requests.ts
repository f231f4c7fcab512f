import type { Container, Database } from '@azure/cosmos';
import { ensureContainer } from '../../platform/adapters/cosmos';
import { RequestConflict, type ProjectRequest, type RequestStore, type StoredRequest } from '../request-ports';

export const REQUEST_CONTAINERS = {
  /** One document per request (pk /id): reads by id are point reads; lists are small cross-partition queries. */
  requests: 'collaboration-requests',
  /** The collaboration audit trail, shared with the spaces engine (pk /pk = yyyy-mm). */
  audit: 'collaboration-audit',
} as const;

type RequestDoc = ProjectRequest & { _etag?: string };

export class CosmosRequests implements RequestStore {
  private container: Promise<Container> | undefined;

  constructor(private readonly database: Database) {}

  private requests(): Promise<Container> {
    this.container ??= ensureContainer(this.database, REQUEST_CONTAINERS.requests, '/id').catch((e: unknown) => {
      this.container = undefined;
      throw e;
    });
    return this.container;
  }

  async get(id: string): Promise<StoredRequest | undefined> {
    const { resource } = await (await this.requests()).item(id, id).read<RequestDoc>();
    return resource ? stored(resource) : undefined;
  }

  async save(request: ProjectRequest, etag?: string): Promise<string> {
    const c = await this.requests();
    try {
      if (etag === undefined) {
        const { etag: created } = await c.items.create<ProjectRequest>(request);
        return created!;
      }
      const { etag: replaced } = await c.item(request.id, request.id).replace<ProjectRequest>(request, { accessCondition: { type: 'IfMatch', condition: etag } });
      return replaced!;
    } catch (e) {
      const code = (e as { code?: number }).code;
      // 409: created meanwhile; 412: changed since read. Either way the caller reads again.
      if (code === 409 || code === 412) throw new RequestConflict(request.id);
      throw e;
    }
  }

  async byRequester(personId: string): Promise<ProjectRequest[]> {
    return this.query('SELECT * FROM c WHERE c.requesterId = @p', personId);
  }

  async pendingFor(personId: string): Promise<ProjectRequest[]> {
    return this.query("SELECT * FROM c WHERE c.status = 'pending' AND (ARRAY_CONTAINS(c.approverIds, @p) OR (IS_ARRAY(c.escalatedTo) AND ARRAY_CONTAINS(c.escalatedTo, @p)))", personId);
  }

  async approved(): Promise<ProjectRequest[]> {
    return this.query("SELECT * FROM c WHERE c.status = 'approved' OR c.status = 'provisioned'");
  }

  private async query(query: string, person?: string): Promise<ProjectRequest[]> {
    const { resources } = await (await this.requests()).items.query<RequestDoc>({ query, parameters: person === undefined ? [] : [{ name: '@p', value: person }] }).fetchAll();
    return resources.map((d) => stored(d).request);
  }
}

function stored(doc: RequestDoc): StoredRequest {
  const { _etag, ...rest } = doc;
  const request = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('_'))) as unknown as ProjectRequest;
  return { request, etag: _etag ?? '' };
}
