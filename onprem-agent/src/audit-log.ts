import { mkdirSync, openSync, writeSync } from 'node:fs';
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
  /** The app's trace id (W3C) when the request carried one: finds the request in Application Insights. */
  traceId?: string;
}

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'>): void;
}

export function fileAuditLog(dataDir: string): AuditLog {
  mkdirSync(dataDir, { recursive: true });
  // Opened once in append mode; each line is one synchronous write, so a killed agent loses nothing
  // it has already recorded (log rotation: copytruncate, or restart the service after moving the file).
  const fd = openSync(path.join(dataDir, 'audit.jsonl'), 'a', 0o640);
  return {
    record(entry) {
      writeSync(fd, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n');
    },
  };
}
