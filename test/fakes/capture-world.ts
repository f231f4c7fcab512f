import { GraphBudget, type BudgetOptions } from '../../shared/platform/graph/graph-budget';
import { MailboxArchiver } from '../../shared/archive/capture/mailbox-archiver';
import type { MetadataChange, ScopedMailbox } from '../../shared/archive/ports';
import {
  FakeClock, FakeContentStore, FakeMailSource, FakeMailboxLock, FakeMailboxState, FakeMessageIndex, FakeRetentionAssigner, FakeWorkQueue,
} from './archive-capture';

/**
 * Capture wired over the fakes as capture-services.ts wires it over Azure, plus a standard mailbox
 * whose folders cover what the archiver must tell apart (nested folders, a well-known folder that
 * is excluded, an excluded path with a subfolder).
 */

export const EXCLUDED_FOLDERS = ['junkemail', 'Boîte de réception/Privé'];

export const FOLDERS = {
  inbox: 'f-inbox',
  projets: 'f-projets',
  prive: 'f-prive',
  priveSub: 'f-prive-sub',
  sent: 'f-sent',
  deleted: 'f-deleted',
  junk: 'f-junk',
} as const;

/** Messages per folder in the standard mailbox; pageSize 5 gives the inbox three pages. */
export const COUNTS: Record<keyof typeof FOLDERS, number> = { inbox: 12, projets: 3, prive: 2, priveSub: 1, sent: 4, deleted: 1, junk: 3 };
/** Everything outside Junk and Inbox/Privé (with its subfolder). */
export const ARCHIVABLE = COUNTS.inbox + COUNTS.projets + COUNTS.sent + COUNTS.deleted;
export const ARCHIVED_FOLDER_IDS: string[] = [FOLDERS.inbox, FOLDERS.projets, FOLDERS.sent, FOLDERS.deleted];

export const RULES = { byDepartment: { 'Relations du travail': { id: 'rt-10ans', years: 10 } }, default: { id: 'defaut-7ans', years: 7 } };

export const STAFF: ScopedMailbox = {
  mailboxId: 'mbx-conseillere', address: 'conseillere@spgq.qc.ca', displayName: 'Conseillère', kind: 'staff', accountEnabled: true, department: 'Relations du travail',
};

export interface World {
  clock: FakeClock;
  budget: GraphBudget;
  mail: FakeMailSource;
  content: FakeContentStore;
  index: FakeMessageIndex;
  state: FakeMailboxState;
  lock: FakeMailboxLock;
  queue: FakeWorkQueue;
  retention: FakeRetentionAssigner;
  archiver: MailboxArchiver;
  /** What the archiver sent the full-text index, one array per request (folder moves). */
  indexPushes: MetadataChange[][];
}

export function makeWorld(options: { budget?: Partial<BudgetOptions>; messageConcurrency?: number; lockSeconds?: number; holds?: Array<{ id: string; mailboxId: string }> } = {}): World {
  const clock = new FakeClock();
  // Real budget, small backoffs so retries take milliseconds.
  const budget = new GraphBudget({ concurrency: 4, windowRequests: 10_000, windowMs: 600_000, baseBackoffMs: 5, maxBackoffMs: 20, ...options.budget });
  const mail = new FakeMailSource({ pageSize: 5, budget });
  const content = new FakeContentStore(clock);
  const index = new FakeMessageIndex();
  const state = new FakeMailboxState();
  const lock = new FakeMailboxLock(clock, options.lockSeconds ?? 30);
  const queue = new FakeWorkQueue();
  const retention = new FakeRetentionAssigner(RULES, options.holds);
  const indexPushes: MetadataChange[][] = [];
  const searchMetadata = { push: async (changes: MetadataChange[]) => void (changes.length && indexPushes.push(changes)) };
  const archiver = new MailboxArchiver({ mail, content, index, state, retention, searchMetadata, now: clock.now }, { excludedFolders: EXCLUDED_FOLDERS, messageConcurrency: options.messageConcurrency ?? 4 });
  return { clock, budget, mail, content, index, state, lock, queue, retention, archiver, indexPushes };
}

/** The standard mailbox: message ids are `<folder key>-<n>`, received over several months. */
export function addStandardMailbox(mail: FakeMailSource, mailboxId: string = STAFF.mailboxId): void {
  mail.addMailbox(mailboxId, [
    { id: FOLDERS.inbox, displayName: 'Boîte de réception', wellKnownName: 'inbox' },
    { id: FOLDERS.projets, displayName: 'Projets', parentFolderId: FOLDERS.inbox },
    { id: FOLDERS.prive, displayName: 'Privé', parentFolderId: FOLDERS.inbox },
    { id: FOLDERS.priveSub, displayName: 'Dossiers médicaux', parentFolderId: FOLDERS.prive },
    { id: FOLDERS.sent, displayName: 'Éléments envoyés', wellKnownName: 'sentitems' },
    { id: FOLDERS.deleted, displayName: 'Éléments supprimés', wellKnownName: 'deleteditems' },
    { id: FOLDERS.junk, displayName: 'Courrier indésirable', wellKnownName: 'junkemail' },
  ]);
  for (const [key, folderId] of Object.entries(FOLDERS) as Array<[keyof typeof FOLDERS, string]>) {
    for (let n = 0; n < COUNTS[key]; n++) {
      // Spread over January to April, so entries fall in several month partitions.
      const receivedAt = new Date(Date.UTC(2026, n % 4, 1 + n, 9, 30)).toISOString();
      mail.addMessage(mailboxId, folderId, { messageId: `${key}-${n}`, receivedAt, subject: `Dossier ${key} n° ${n}` });
    }
  }
}

export function archivableIds(): string[] {
  return (['inbox', 'projets', 'sent', 'deleted'] as const).flatMap((key) => Array.from({ length: COUNTS[key] }, (_, n) => `${key}-${n}`)).sort();
}

export const far = () => ({ deadline: Date.now() + 60_000 });
