import type { Client } from '@microsoft/microsoft-graph-client';
import type { Directory, ScopedMailbox } from '../ports';

export interface ArchiveScope {
  /** Security group of the staff mailboxes: its object id or its display name. */
  group: string | undefined;
  /** Shared mailboxes by UPN, address or id. */
  sharedMailboxes: string[];
}

interface GraphUser {
  id: string;
  userPrincipalName?: string;
  mail?: string | null;
  displayName?: string;
  userType?: string;
  accountEnabled?: boolean;
  department?: string | null;
  '@odata.type'?: string;
}

const USER_FIELDS = 'id,userPrincipalName,mail,displayName,userType,accountEnabled,department';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which mailboxes are archived: the (transitive) members of the scope group and the listed shared
 * mailboxes. Guests never (they have no mailbox in the tenant); disabled accounts stay in scope,
 * their mailbox is captured until it is gone. Directory reads are not Outlook requests: they are
 * outside the Outlook budget.
 */
export class GraphDirectory implements Directory {
  constructor(private readonly client: Client, private readonly scope: ArchiveScope) {}

  async mailboxesInScope(): Promise<ScopedMailbox[]> {
    const found = new Map<string, ScopedMailbox>();
    if (this.scope.group) {
      const groupId = GUID.test(this.scope.group) ? this.scope.group : await this.groupIdByName(this.scope.group);
      let url: string | undefined = `/groups/${groupId}/transitiveMembers?$select=${USER_FIELDS}&$top=999`;
      while (url) {
        const page = (await this.client.api(url).get()) as { value: GraphUser[]; '@odata.nextLink'?: string };
        for (const u of page.value) {
          if (u['@odata.type'] && u['@odata.type'] !== '#microsoft.graph.user') continue;
          if (isGuest(u)) continue;
          found.set(u.id, toMailbox(u, 'staff'));
        }
        url = page['@odata.nextLink'];
      }
    }
    for (const name of this.scope.sharedMailboxes) {
      const u = (await this.client.api(`/users/${encodeURIComponent(name)}`).select(USER_FIELDS).get()) as GraphUser;
      if (!isGuest(u)) found.set(u.id, toMailbox(u, 'shared'));
    }
    return [...found.values()];
  }

  async mailbox(userId: string): Promise<ScopedMailbox | null> {
    try {
      const u = (await this.client.api(`/users/${encodeURIComponent(userId)}`).select(USER_FIELDS).get()) as GraphUser;
      // No address: no Exchange mailbox to archive.
      return isGuest(u) || !u.mail ? null : toMailbox(u, 'staff');
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return null;
      throw e;
    }
  }

  private async groupIdByName(name: string): Promise<string> {
    const escaped = name.replace(/'/g, "''");
    const page = (await this.client.api('/groups').filter(`displayName eq '${escaped}'`).select('id').get()) as { value: Array<{ id: string }> };
    if (page.value.length !== 1) throw new Error(`The archive scope group must match exactly one group by name (found ${page.value.length})`);
    return page.value[0]!.id;
  }
}

function isGuest(u: GraphUser): boolean {
  return u.userType === 'Guest' || (u.userPrincipalName ?? '').includes('#EXT#');
}

function toMailbox(u: GraphUser, kind: 'staff' | 'shared'): ScopedMailbox {
  return { mailboxId: u.id, address: u.userPrincipalName ?? u.mail ?? u.id, displayName: u.displayName ?? '', kind, accountEnabled: u.accountEnabled !== false, department: u.department ?? null };
}
