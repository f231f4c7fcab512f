import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The agent's local audit log: one JSON line per request with who asked (Entra object id), which
 * operation, the outcome, and how long it took. Never the parameters or the result: they may hold
 * personal information, and the audit log is read by IT staff who need neither.
 */
export interface AuditEntry {
  at: string;
  requestId: string | null;
  /** Entra object id of the requesting user, when the request could be read. */
  user: string | null;
  operation: string | null;
  outcome: string;
  code?: string;
  durationMs: number;
  deliveryCount: number;
}

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'>): void;
}

export function fileAuditLog(dataDir: string): AuditLog {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'audit.jsonl');
  return {
    record(entry) {
      // Synchronous append: one line per request is cheap, and nothing is lost if the agent is killed.
      appendFileSync(file, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n', { mode: 0o640 });
    },
  };
}
