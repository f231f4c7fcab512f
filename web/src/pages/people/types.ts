/** Shapes of the people endpoints' answers (shared/people/directory.ts), as the page reads them. */
export type Names = { 'fr-CA': string; en: string };
export type PersonStatus = 'active' | 'on-leave' | 'left';

export interface PersonView {
  id: string;
  displayName: string;
  service: { code: string; shortCode: string; names: Names } | null;
  unmappedService: string | null;
  jobCategory: { code: string; names: Names } | null;
  unmappedJobCategory: string | null;
  manager: { id: string; displayName: string } | null;
  status: PersonStatus;
  language: 'fr-CA' | 'en';
  hireDate: string | null;
  leaveDate: string | null;
}

/** `code` null: the people whose directory value the catalogue does not map. */
export interface Count {
  code: string | null;
  names: Names | null;
  count: number;
}

export interface DirectoryPage {
  people: PersonView[];
  total: number;
  byService: Count[];
  byJobCategory: Count[];
  byStatus: Record<PersonStatus, number>;
}

export type ChangeField = 'status' | 'service' | 'jobCategory' | 'manager' | 'language' | 'employeeType' | 'hireDate' | 'leaveDate' | 'displayName';

export interface EventView {
  id: string;
  kind: 'joined' | 'moved' | 'leave-started' | 'leave-ended' | 'left' | 'updated';
  observedAt: string;
  person: { id: string; displayName: string | null };
  changes: Array<{ field: ChangeField; before: string | null; after: string | null; beforeLabel?: Names | null; afterLabel?: Names | null }>;
  leftReason: string | null;
}

export interface UnmappedValue {
  attribute: 'service' | 'jobCategory';
  value: string;
  people: number;
}

export interface SyncRun {
  at: string;
  mode: 'full' | 'incremental';
  outcome: 'ok' | 'failed';
  events: number;
  requests: number;
  error?: string;
}

export interface UnmappedReport {
  values: UnmappedValue[];
  lastRun: SyncRun | null;
  catalogueVersion: string;
}
