import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { CONTAINERS, mailboxLockBlobName } from '../model';
import { LeaseLostError, type MailboxLease, type MailboxLock } from '../ports';

/**
 * One blob lease per mailbox (container `archive-locks`): whoever holds it archives the mailbox,
 * on any instance. A holder that dies loses it when the lease runs out (15-60 s). The lease blob's
 * metadata carries what the next holder needs (the mailbox's Graph request window).
 */
export class BlobMailboxLock implements MailboxLock {
  private readonly container: ContainerClient;
  private ensured: Promise<unknown> | undefined;

  constructor(service: BlobServiceClient, private readonly leaseSeconds: number) {
    this.container = service.getContainerClient(CONTAINERS.locks);
  }

  async tryAcquire(mailboxId: string): Promise<MailboxLease | undefined> {
    this.ensured ??= this.container.createIfNotExists();
    await this.ensured;
    const blob = this.container.getBlockBlobClient(mailboxLockBlobName(mailboxId));
    try {
      await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      if (!isStatus(error, 409, 412)) throw error;
    }
    const leases = blob.getBlobLeaseClient();
    try {
      await leases.acquireLease(this.leaseSeconds);
    } catch (error) {
      if (isStatus(error, 409)) return undefined;
      throw error;
    }
    const properties = await blob.getProperties({ conditions: { leaseId: leases.leaseId } });
    const carried = properties.metadata?.carried;
    return {
      carried: carried ? Buffer.from(carried, 'base64').toString('utf8') : undefined,
      renew: async () => {
        try {
          await leases.renewLease();
        } catch {
          throw new LeaseLostError();
        }
      },
      release: async (carry?: string) => {
        try {
          if (carry !== undefined) await blob.setMetadata({ carried: Buffer.from(carry).toString('base64') }, { conditions: { leaseId: leases.leaseId } });
        } finally {
          await leases.releaseLease().catch(() => undefined);
        }
      },
    };
  }
}

function isStatus(error: unknown, ...codes: number[]): boolean {
  return codes.includes((error as { statusCode?: number }).statusCode ?? 0);
}
