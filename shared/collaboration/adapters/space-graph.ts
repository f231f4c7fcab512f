import { ResponseType, RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import { relativeLink } from '../../platform/graph/graph-links';
import { sharePointUnits, throttleOf, type SharePointPacer } from './sharepoint-pacer';

/**
 * Graph requests of the collaboration adapters. SharePoint requests (sites, drives, a group's
 * drive) spend resource units through the app's one pacer; the others (Teams, groups, labels) are
 * not charged in units but are retried on 429/503 after their Retry-After. The client's own retry
 * handler is off: it would retry throttled calls behind the pacer's back and spend units twice.
 */

/** A Graph refusal as the adapters read it. */
export interface GraphRefusal {
  statusCode: number;
  code: string;
  message: string;
}

export function refusalOf(error: unknown): GraphRefusal | undefined {
  const e = error as { statusCode?: number; code?: string; message?: string; body?: unknown } | null;
  if (!e || typeof e.statusCode !== 'number' || e.statusCode <= 0) return undefined;
  return { statusCode: e.statusCode, code: e.code ?? '', message: e.message ?? '' };
}

export const isStatus = (error: unknown, ...statuses: number[]) => {
  const refusal = refusalOf(error);
  return refusal !== undefined && statuses.includes(refusal.statusCode);
};

const TEAMS_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isSharePointPath(path: string): boolean {
  return /^\/(sites|drives)(\/|$|\?)/.test(path) || /^\/groups\/[^/]+\/drive(\/|$|\?)/.test(path);
}

export class SpaceGraph {
  constructor(
    private readonly client: Client,
    private readonly pacer: SharePointPacer,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.send('GET', path, (r) => r.get() as Promise<T>);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send('POST', path, (r) => r.post(body) as Promise<T>);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.send('PATCH', path, (r) => r.patch(body) as Promise<T>);
  }

  delete(path: string): Promise<void> {
    return this.send('DELETE', path, (r) => r.delete() as Promise<void>);
  }

  putBytes<T>(path: string, bytes: Buffer): Promise<T> {
    return this.send('PUT', path, (r) => r.header('content-type', 'application/octet-stream').put(bytes) as Promise<T>);
  }

  /** A POST whose answer is in its headers (202 Accepted with Location), not its body. */
  async postAccepted(path: string, body: unknown): Promise<{ status: number; location: string | null; contentLocation: string | null }> {
    return this.send('POST', path, async (r) => {
      const res = (await r.responseType(ResponseType.RAW).post(body)) as Response;
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        let error: { code?: string; message?: string } = {};
        try {
          error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error ?? {};
        } catch {
          // Not JSON: the status says enough.
        }
        throw Object.assign(new Error(error.message ?? `HTTP ${res.status}`), { statusCode: res.status, code: error.code ?? '', headers: res.headers });
      }
      await res.body?.cancel();
      return { status: res.status, location: res.headers.get('location'), contentLocation: res.headers.get('content-location') };
    });
  }

  /** Every page of a collection. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value: T[]; '@odata.nextLink'?: string } = await this.get(next);
      items.push(...page.value);
      next = page['@odata.nextLink'] ? relativeLink(page['@odata.nextLink']) : undefined;
    }
    return items;
  }

  private send<T>(method: string, path: string, call: (request: ReturnType<Client['api']>) => Promise<T>): Promise<T> {
    const request = () => call(this.client.api(path).middlewareOptions([new RetryHandlerOptions(0, 0)]));
    if (isSharePointPath(path)) return this.pacer.run(sharePointUnits(method, path), request);
    return this.retryThrottled(request);
  }

  private async retryThrottled<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (e) {
        const throttled = throttleOf(e);
        if (!throttled || attempt >= TEAMS_ATTEMPTS) throw e;
        await sleep(throttled.retryAfterMs ?? 1000 * 2 ** (attempt - 1));
      }
    }
  }
}
