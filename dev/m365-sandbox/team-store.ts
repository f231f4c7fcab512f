import { randomUUID } from 'node:crypto';

export interface Channel {
  id: string;
  displayName: string;
  description: string | null;
  membershipType: 'standard' | 'private' | 'shared';
  createdDateTime: string;
  /** Drive item of the channel folder once provisioned (first filesFolder call). */
  folderItemId: string | null;
}

export interface TeamMember {
  id: string;
  userId: string;
  roles: string[];
}

export interface Team {
  id: string;
  displayName: string;
  description: string | null;
  createdAt: number;
  /** Before this instant GET /teams/{id} answers 404 (directory replication lag). */
  visibleAt: number;
  operationId: string;
  operationDoneAt: number;
  channels: Channel[];
  members: TeamMember[];
  driveId: string;
  /** The team's SharePoint site (its group's `sites/root`). */
  siteId: string;
}

export const channelId = () => `19:${randomUUID().replace(/-/g, '')}@thread.tacv2`;

export class TeamStore {
  readonly teams = new Map<string, Team>();

  add(team: Team): Team {
    this.teams.set(team.id, team);
    return team;
  }

  byOperation(operationId: string): Team | undefined {
    for (const team of this.teams.values()) if (team.operationId === operationId) return team;
    return undefined;
  }
}
