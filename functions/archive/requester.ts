import type { Principal } from '../../shared/platform/auth';
import type { Requester } from '../../shared/archive/records/access';
import { ApiError } from '../../shared/platform/api-error';

/** The signed-in person as the archive's access rules see them. */
export const requester = (p: Principal): Requester => ({ oid: p.oid, kind: p.kind, recordsManager: p.roles.includes('RecordsManager') });

export const forbidden = () => new ApiError(403, 'forbidden', 'archive.notYourMailbox');
