import type { RunKind, RunRecord } from './model';

/** Thrown by RunStore.save when the record changed since it was read. */
export class RunConflict extends Error {
  constructor(readonly runId: string) {
    super(`Rollout run ${runId} changed meanwhile`);
    this.name = 'RunConflict';
  }
}

export interface RunStore {
  get(runId: string): Promise<{ record: RunRecord; etag: string } | undefined>;
  /** Creates (no etag) or replaces only if unchanged since read; else RunConflict. */
  save(record: RunRecord, etag?: string): Promise<string>;
  list(kind: RunKind | 'journeys', options?: { since?: string; limit?: number }): Promise<RunRecord[]>;
}

/** Microsoft 365 licences of a user (Graph assignLicense / licenseDetails / subscribedSkus). */
export interface LicenceDirectory {
  /** SKU part number (SPE_E3) → skuId, for the tenant's subscriptions; a part number the tenant lacks is absent. */
  skuIds(partNumbers: string[]): Promise<Map<string, string>>;
  /** The skuIds assigned to the user now. */
  assigned(userId: string): Promise<string[]>;
  change(userId: string, add: string[], remove: string[]): Promise<void>;
}

export const ROLLOUT_AUDIT_ACTIONS = ['run-started', 'step-retried', 'step-skipped', 'numbers-confirmed', 'run-terminated', 'licences-assigned', 'licences-removed', 'report-kept'] as const;
export type RolloutAuditAction = (typeof ROLLOUT_AUDIT_ACTIONS)[number];
