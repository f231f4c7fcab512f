/** What GET /api/collaboration/requests and the request form endpoint answer (functions/collaboration/requests.ts). */
export type Texts = { 'fr-CA': string; en: string };

export type RequestStatus = 'pending' | 'approved' | 'refused' | 'expired' | 'provisioned';

export interface PersonRef {
  id: string;
  displayName: string | null;
}

export interface RequestView {
  id: string;
  name: string;
  purpose: string;
  service: { code: string; names: Texts | null };
  requester: PersonRef;
  members: PersonRef[];
  endDate: string;
  status: RequestStatus;
  escalated: boolean;
  decision: { outcome: 'approve' | 'refuse'; by: PersonRef; at: string; reason: string | null } | null;
  canDecide: boolean;
  spaceUrl: string | null;
  createdAt: string;
}

export interface RequestLists {
  mine: RequestView[];
  toDecide: RequestView[];
}

export interface StaffChoice {
  id: string;
  displayName: string;
  serviceCode: string | null;
}

export interface RequestForm {
  services: { code: string; names: Texts }[];
  staff: StaffChoice[];
}
