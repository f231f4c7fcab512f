import * as df from 'durable-functions';
import { z } from 'zod';
import { archiveMailboxCompletely, type OffboardingReport } from '../../shared/archive/capture/offboarding';
import { archiveServices } from '../../shared/archive/adapters/capture-services';

/**
 * Durable activity `archiveMailboxCompletely`: the offboarding step "archive this mailbox
 * completely now and report completeness". Idempotent: a second run archives nothing new.
 */
export const ARCHIVE_OFFBOARDING_ACTIVITY = 'archiveMailboxCompletely';

const Input = z.object({ mailboxId: z.string().min(1), timeoutSeconds: z.number().int().positive().max(1500).default(1200) });

export async function archiveOffboardingActivity(input: unknown): Promise<OffboardingReport> {
  const { mailboxId, timeoutSeconds } = Input.parse(input);
  const services = archiveServices();
  return archiveMailboxCompletely(mailboxId, services, { timeoutMs: timeoutSeconds * 1000 });
}

df.app.activity(ARCHIVE_OFFBOARDING_ACTIVITY, { handler: archiveOffboardingActivity });
