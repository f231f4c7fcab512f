import { createContext, useContext } from 'react';
import type { ApiClient } from './api';

export interface Me {
  oid: string;
  name: string | null;
  roles: string[];
}

export type PageId = 'home' | 'archive' | 'relay' | 'people' | 'training' | 'collaboration' | 'rollout' | InfoPageId;
/** Pages anyone may read, signed in or not (the Teams app package links to them). */
export type InfoPageId = 'privacy' | 'terms';

export interface Session {
  me: Me;
  api: ApiClient;
  navigate(page: PageId): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in shell');
  return s;
}

export const hasRole = (me: Me, ...roles: string[]) => roles.some((r) => me.roles.includes(r));

/** Capabilities the shell offers, with the roles that may use each (the API checks again). */
export const CAPABILITIES: { id: Exclude<PageId, 'home' | InfoPageId>; roles: string[]; path: string }[] = [
  { id: 'archive', roles: ['Staff', 'RecordsManager'], path: 'archive.html' },
  { id: 'relay', roles: ['Staff', 'Manager', 'RecordsManager'], path: 'relay.html' },
  // Everyone has training to take; the team and compliance tabs show by role inside the page.
  { id: 'training', roles: ['Staff', 'Manager', 'HR', 'ITAdmin'], path: 'training.html' },
  // Everyone works in spaces and may request a project space; deciding is per request, the administration tab is IT's (the API checks).
  { id: 'collaboration', roles: ['Staff', 'Manager', 'HR', 'ITAdmin'], path: 'collaboration.html' },
  // The staff directory holds personal data: human resources and IT administration only.
  { id: 'people', roles: ['HR', 'ITAdmin'], path: 'people.html' },
  // The rollout dashboard: IT acts, human resources follow people's journeys, managers read their services' progress.
  { id: 'rollout', roles: ['ITAdmin', 'HR', 'Manager'], path: 'rollout.html' },
];

export function pageFromLocation(): PageId {
  const file = location.pathname.split('/').pop() ?? '';
  if (file === 'archive.html' || location.hash === '#archive') return 'archive';
  if (file === 'relay.html' || location.hash === '#relay') return 'relay';
  if (file === 'people.html' || location.hash === '#people') return 'people';
  if (file === 'training.html' || location.hash === '#training') return 'training';
  if (file === 'collaboration.html' || location.hash === '#collaboration') return 'collaboration';
  if (file === 'rollout.html' || location.hash === '#rollout') return 'rollout';
  if (file === 'privacy.html') return 'privacy';
  if (file === 'terms.html') return 'terms';
  return 'home';
}
