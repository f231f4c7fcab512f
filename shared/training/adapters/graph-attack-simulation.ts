import type { Client } from '@microsoft/microsoft-graph-client';
import { budgetedGet, type GraphGetOutcome } from '../../platform/adapters/graph-get';
import type { GraphBudget } from '../../platform/graph/graph-budget';
import { relativeLink } from '../../platform/graph/graph-links';
import type { ExternalCompletion, ExternalCompletions } from '../ports';

/**
 * Completions from Microsoft Defender's Attack Simulation Training through Graph v1.0 (permission
 * AttackSimulation.Read.All, application):
 *   GET /security/attackSimulation/simulations?$select=id,status,launchDateTime,completionDateTime
 *   GET /security/attackSimulation/simulations/{id}/report/simulationUsers
 * both paged with `@odata.nextLink`. A person completed what a simulation assigned them when every
 * `trainingEvents` entry (userTrainingEventInfo) has `latestTrainingStatus` "completed" and
 * `completedTrainingsCount` is not below `assignedTrainingsCount`; the date is the latest
 * `trainingCompletedProperties.contentDateTime`. The person is `simulationUser.userId`, the Entra
 * object id training keys people by. Names and addresses in the report are never kept.
 *
 * Graph offers no delta or filter on a simulation's report, so "since" selects simulations: those
 * running, and those that ended within `lookbackDays` before `since` (Defender gives a week, a
 * fortnight or a month to finish a training, and late ones can still be finished). The report of
 * each is read whole; the use case skips what it already recorded.
 */
const BUDGET_KEY = 'attack-simulation';
const DAY = 86_400_000;
/** No training is assigned before a simulation launches. */
const NOT_LAUNCHED = new Set(['draft', 'scheduled']);

type GraphSimulation = { id: string; status?: string | null; launchDateTime?: string | null; completionDateTime?: string | null };
type ContentEvent = { contentDateTime?: string | null } | null;
export type UserSimulationDetails = {
  simulationUser?: { userId?: string | null } | null;
  trainingEvents?: Array<{ latestTrainingStatus?: string | null; trainingCompletedProperties?: ContentEvent }> | null;
  assignedTrainingsCount?: number | null;
  completedTrainingsCount?: number | null;
};
type Page<T> = { value: T[]; '@odata.nextLink'?: string };

export class GraphAttackSimulationCompletions implements ExternalCompletions {
  constructor(
    private readonly client: Client,
    private readonly budget: GraphBudget,
    private readonly options: { lookbackDays: number } = { lookbackDays: 90 },
  ) {}

  async since(since: string | null): Promise<ExternalCompletion[]> {
    const from = since === null ? null : Date.parse(since) - this.options.lookbackDays * DAY;
    const simulations = (await this.all<GraphSimulation>('/security/attackSimulation/simulations?$select=id,status,launchDateTime,completionDateTime')) ?? [];
    const wanted = simulations.filter((s) => {
      if (NOT_LAUNCHED.has(s.status ?? '')) return false;
      if (from === null || s.status === 'running' || !s.completionDateTime) return true;
      const ended = Date.parse(s.completionDateTime);
      return Number.isNaN(ended) || ended >= from;
    });
    const completions: ExternalCompletion[] = [];
    for (const simulation of wanted) {
      // Deleted between the list and its report: nothing to read.
      const users = (await this.all<UserSimulationDetails>(`/security/attackSimulation/simulations/${encodeURIComponent(simulation.id)}/report/simulationUsers`)) ?? [];
      for (const user of users) {
        const personId = user.simulationUser?.userId;
        const completedAt = completionOf(user);
        if (personId && completedAt) completions.push({ personId, completedAt, source: simulation.id });
      }
    }
    return completions;
  }

  /** Every page of a collection, or null when Graph answers 404. */
  private async all<T>(url: string): Promise<T[] | null> {
    const items: T[] = [];
    for (let next: string | undefined = url; next; ) {
      const outcome: { ok: true; value: Page<T> } | { ok: false; error: unknown } = await this.call<Page<T>>(next);
      if (!outcome.ok) {
        if ((outcome.error as { statusCode?: number }).statusCode === 404 && items.length === 0) return null;
        throw outcome.error;
      }
      items.push(...outcome.value.value);
      const link: string | undefined = outcome.value['@odata.nextLink'];
      next = link ? relativeLink(link) : undefined;
    }
    return items;
  }

  private call<T>(url: string): Promise<GraphGetOutcome<T>> {
    return budgetedGet<T>(this.client, this.budget, BUDGET_KEY, url, 'app');
  }
}

/** When the person finished every training the simulation assigned them (ISO instant), or null. */
export function completionOf(user: UserSimulationDetails): string | null {
  const events = user.trainingEvents ?? [];
  if (events.length === 0) return null;
  if (typeof user.assignedTrainingsCount === 'number' && typeof user.completedTrainingsCount === 'number' && user.completedTrainingsCount < user.assignedTrainingsCount) return null;
  let latest = -Infinity;
  for (const event of events) {
    if (event.latestTrainingStatus !== 'completed') return null;
    const at = Date.parse(event.trainingCompletedProperties?.contentDateTime ?? '');
    if (Number.isNaN(at)) return null;
    latest = Math.max(latest, at);
  }
  return new Date(latest).toISOString();
}
