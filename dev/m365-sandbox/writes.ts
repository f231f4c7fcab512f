import { appendFileSync } from 'node:fs';
import path from 'node:path';

export type WriteKind =
  | 'mailFolderCreated'
  | 'messageMoved'
  | 'mailSent'
  | 'driveItemCreated'
  | 'driveItemUpdated'
  | 'driveItemDeleted'
  | 'fileUploaded'
  | 'permissionGranted'
  | 'permissionDeleted'
  | 'sitePermissionGranted'
  | 'retentionLabelSet'
  | 'retentionLabelRemoved'
  | 'sensitivityLabelSet'
  | 'teamCreated'
  | 'channelCreated'
  | 'channelUpdated'
  | 'memberAdded'
  | 'memberUpdated'
  | 'memberRemoved'
  | 'activityNotificationSent'
  | 'licenseAssigned';

export interface RecordedWrite {
  seq: number;
  at: string;
  kind: WriteKind;
  appId: string;
  /** What the write touched and with what, as the app sent it (ids, names, roles, recipients). */
  details: Record<string, unknown>;
}

/**
 * Every write the app made through Graph, in order, so tests and demos can assert on side effects
 * (folders created, permissions granted, notifications and mails sent, licences assigned).
 * With a data folder it is also appended to writes.jsonl there.
 */
export class WriteLog {
  private readonly entries: RecordedWrite[] = [];
  private seq = 0;

  constructor(private readonly dataDir?: string) {}

  record(kind: WriteKind, appId: string, details: Record<string, unknown>): RecordedWrite {
    const entry: RecordedWrite = { seq: ++this.seq, at: new Date().toISOString(), kind, appId, details };
    this.entries.push(entry);
    if (this.dataDir) appendFileSync(path.join(this.dataDir, 'writes.jsonl'), `${JSON.stringify(entry)}\n`);
    return entry;
  }

  list(kind?: string): RecordedWrite[] {
    return kind ? this.entries.filter((e) => e.kind === kind) : [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
  }
}
