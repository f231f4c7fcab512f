import { randomUUID } from 'node:crypto';
import { cosmosDatabase, graph } from '../../platform/adapters/clients';
import { CosmosAuditTrail } from '../../platform/adapters/cosmos-audit-trail';
import { activityFeedPacer } from '../../platform/adapters/graph-activity-feed';
import { loadHolidays, type BusinessCalendar } from '../../platform/business-calendar';
import { settings, type Settings } from '../../platform/settings';
import { CollaborationAuditLog, CollaborationAuditRecord } from '../audit-record';
import type { ServiceInfo } from '../plan';
import type { ProjectSource, RosterStore } from '../ports';
import type { RequestDeadlines } from '../request-ports';
import { approvedProjects, requestDeadlines, type NotifyDeps, type RequestDeps } from '../requests';
import { loadCollaborationTemplate } from '../template';
import { CosmosRosterStore } from './cosmos-collaboration';
import { CosmosRequests, REQUEST_CONTAINERS } from './cosmos-requests';
import { GraphRequestNotifier } from './graph-request-notifier';

/**
 * Project space requests' ports as the function app builds them from its settings, once per process.
 * Who is on staff is collaboration's roster (fed by the people stream); the services come from the
 * people catalogue, which functions/ composes and hands in (a capability never imports another).
 */

interface Built {
  settings: Settings;
  store: CosmosRequests;
  roster: RosterStore;
  audit: CollaborationAuditLog;
  rules: RequestDeps['rules'];
  calendar: BusinessCalendar;
  notifier?: GraphRequestNotifier;
}
let built: Built | undefined;

function base(s: Settings): Built {
  if (!built || built.settings !== s) {
    const database = cosmosDatabase(s);
    const template = loadCollaborationTemplate(s.collaboration.templateFile);
    built = {
      settings: s,
      store: new CosmosRequests(database),
      roster: new CosmosRosterStore(database),
      audit: new CollaborationAuditLog(new CosmosAuditTrail(database, { container: REQUEST_CONTAINERS.audit, schema: CollaborationAuditRecord })),
      rules: { managerCategories: template.managers.jobCategories, directionCategories: template.direction.jobCategories },
      calendar: loadHolidays(),
    };
  }
  return built;
}

export function requestDeps(services: ServiceInfo[], s: Settings = settings()): RequestDeps {
  const b = base(s);
  return { store: b.store, roster: b.roster, services, rules: b.rules, audit: b.audit, now: () => new Date(), newId: () => randomUUID() };
}

/** The deadlines a new request's orchestration waits for (business days, times COLLABORATION_REQUEST_TIME_SCALE). */
export function requestDeadlinesNow(s: Settings = settings()): (now: Date) => RequestDeadlines {
  const b = base(s);
  return (now) => requestDeadlines(now, b.calendar, s.collaborationRequests.timeScale);
}

export function requestNotifyDeps(s: Settings = settings()): NotifyDeps {
  const b = base(s);
  b.notifier ??= new GraphRequestNotifier({ client: graph(s), pacer: activityFeedPacer(s.training.notifyRatePerSecond), senderMailbox: s.collaborationRequests.senderMailbox });
  const tab = s.collaborationRequests.tabUrl;
  return {
    store: b.store,
    roster: b.roster,
    notifier: b.notifier,
    requestUrl: (id) => requestLink(tab, id),
  };
}

/**
 * The request page for one request: in Teams, the tab's deep link with the request as its
 * sub-entity (the tab reads it from its context); elsewhere, the page with ?request=<id>.
 */
export function requestLink(tabUrl: string, requestId: string): string {
  if (/^https:\/\/teams\.microsoft\.com\/l\/entity\//.test(tabUrl)) {
    return `${tabUrl}${tabUrl.includes('?') ? '&' : '?'}context=${encodeURIComponent(JSON.stringify({ subEntityId: `request:${requestId}` }))}`;
  }
  return `${tabUrl}${tabUrl.includes('?') ? '&' : '?'}request=${encodeURIComponent(requestId)}`;
}

/** Approved requests as the planner's project spaces (the ProjectSource port). */
export function requestProjects(s: Settings = settings()): ProjectSource {
  const b = base(s);
  return { approvedProjects: () => approvedProjects(b.store) };
}

export function resetRequestsForTests(): void {
  built = undefined;
}
