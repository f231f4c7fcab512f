import type { SandboxTenant } from '../m365-sandbox';
import type { LocalUser } from '../token-issuer';

/**
 * The people the local sign-in offers: staff of the sandbox tenant, so a signed-in user's object
 * id is their mailbox's Graph id (what the archive and training pages look up). App roles follow
 * what such a union would assign: everyone is Staff; management are Managers; IT staff are
 * ITAdmins; the head of administration is HR; one administrative technician holds records management (RecordsManager).
 */
export function demoUsersFromSandbox(tenant: SandboxTenant, archiveMemberIds?: Set<string>): LocalUser[] {
  const staff = tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
  const inArchive = (id: string) => !archiveMemberIds || archiveMemberIds.has(id);
  let recordsManagerChosen = false;
  const users = staff.map((u) => {
    const roles = ['Staff'];
    if (u.jobCategory === 'DIRECTION') roles.push('Manager');
    if (u.jobCategory === 'TI') roles.push('ITAdmin');
    // Human resources sit in Administration et finances: its head holds the HR role.
    if (u.jobCategory === 'DIRECTION' && u.department === 'Administration et finances') roles.push('HR');
    if (!recordsManagerChosen && u.jobCategory === 'TECHADM' && inArchive(u.id)) {
      roles.push('RecordsManager');
      recordsManagerChosen = true;
    }
    return { oid: u.id, name: u.displayName, roles, preferredUsername: u.userPrincipalName };
  });
  // Those with extra roles first, then plain staff: the sign-in page lists them in this order.
  return [...users.filter((u) => u.roles.length > 1), ...users.filter((u) => u.roles.length === 1)];
}
