import type { Client } from '@microsoft/microsoft-graph-client';
import type { AttemptVerdict, GraphBudget } from '../graph/graph-budget';
import { retryAfterMs } from '../graph/graph-links';

export type GraphGetOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * One Graph GET within a budget. Throttling (429, 503, 504, with Retry-After) and failures before
 * any answer (reset, timeout: the Graph client reports them with no status or -1) are retried by
 * the budget; any other answer is final and comes back as the outcome for the caller to read (an
 * error thrown inside the budget's attempt would count as a network failure and be retried).
 */
export function budgetedGet<T>(client: Client, budget: GraphBudget, key: string, url: string, throttleScope: 'mailbox' | 'app' = 'mailbox'): Promise<GraphGetOutcome<T>> {
  return budget.run(key, async (): Promise<AttemptVerdict<GraphGetOutcome<T>>> => {
    try {
      return { kind: 'done', value: { ok: true, value: (await client.api(url).get()) as T } };
    } catch (e) {
      const err = e as { statusCode?: number; headers?: Headers };
      const status = err.statusCode ?? -1;
      if (status === 429 || status === 503 || status === 504) {
        return { kind: 'pushback', status, retryAfterMs: retryAfterMs(err.headers?.get?.('retry-after') ?? undefined), scope: status === 503 ? 'app' : throttleScope };
      }
      if (status <= 0) return { kind: 'transient', error: e };
      return { kind: 'done', value: { ok: false, error: e } };
    }
  });
}
