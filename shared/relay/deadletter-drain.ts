import type { RelayAudit } from './ports';

/**
 * Dead-lettered relay messages hold personal information: a request names its user and carries its
 * parameters (a member number, a name), a reply carries mission data. Nothing of them may stay in
 * the cloud. The drain reads each relay queue's dead-letter queue, keeps a minimal record of every
 * message in the relay's audit trail (queue, message id, a reason code, when it was dead-lettered,
 * never the body, the properties or the description), and deletes the message. A timer runs it
 * (functions/relay/relay-deadletters.ts), so a dead-lettered message lives at most one interval.
 */
export interface DeadLetter {
  /** The message id (a request id for relay messages); never content. */
  messageId: string;
  /** Service Bus's or the agent's reason, as given (reduced to a code before it is kept). */
  reason: string | undefined;
  /** When it entered the dead-letter queue (its enqueue time there). */
  deadLetteredAt: Date | undefined;
}

/** The dead-letter queues of the relay's queues (adapter: Service Bus, dead-letter subqueue). */
export interface DeadLetterQueues {
  /** Up to `max` dead letters of `queue`, locked for this drain. */
  receive(queue: string, max: number): Promise<(DeadLetter & { remove(): Promise<void> })[]>;
}

export interface DrainPorts {
  deadLetters: DeadLetterQueues;
  audit: Pick<RelayAudit, 'deadLetterDrained'>;
  /** The longest one run may take (a timer run stays well inside the function timeout). */
  budgetMs: number;
  now?: () => number;
}

/** A reason is kept only as a code (letters, digits, dot, dash, underscore); free text could hold anything. */
export function reasonCode(reason: string | undefined): string {
  if (!reason) return 'unspecified';
  return /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(reason) ? reason : 'other';
}

/** A message id is kept only if it looks like an id (a UUID or a short token), never free text. */
function messageIdOf(id: string): string {
  return /^[A-Za-z0-9_.:-]{1,128}$/.test(id) && !/@/.test(id) ? id : 'unrecognised';
}

/** Drains every queue's dead letters: record, then delete. Returns how many were drained per queue. */
export async function drainDeadLetters(ports: DrainPorts, queues: readonly string[]): Promise<Record<string, number>> {
  const now = ports.now ?? Date.now;
  const deadline = now() + ports.budgetMs;
  const drained: Record<string, number> = {};
  for (const queue of queues) {
    drained[queue] = 0;
    while (now() < deadline) {
      const batch = await ports.deadLetters.receive(queue, 50);
      if (batch.length === 0) break;
      for (const letter of batch) {
        // Recorded first: a crash between the two leaves the message for the next run (recorded twice, never lost unrecorded).
        await ports.audit.deadLetterDrained({
          queue,
          messageId: messageIdOf(letter.messageId),
          reason: reasonCode(letter.reason),
          ...(letter.deadLetteredAt ? { deadLetteredAt: letter.deadLetteredAt.toISOString() } : {}),
        });
        await letter.remove();
        drained[queue]++;
      }
    }
  }
  return drained;
}
