import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import type { AgentConfig } from './config';
import { heartbeatBlobName, type AgentHeartbeat } from '../../shared/relay/contract';

/**
 * The agent's only foothold in cloud storage: a dedicated container for large documents (each
 * kept minutes, then deleted by the agent's own sweep) and a small heartbeat blob the function app
 * reads. Nothing from the mission system is ever written here.
 */
export interface DocumentStore {
  /** Uploads a document and returns a read-only link that expires within minutes. */
  publish(name: string, bytes: Buffer, mediaType: string): Promise<{ url: string; expiresAt: string }>;
  /** Deletes published documents older than their lifetime. Returns how many went. */
  sweep(now?: Date): Promise<number>;
  writeHeartbeat(heartbeat: AgentHeartbeat): Promise<void>;
}

export function documentStore(storage: AgentConfig['storage'], credential?: TokenCredential): DocumentStore {
  const { BlobServiceClient, generateBlobSASQueryParameters, BlobSASPermissions } = require('@azure/storage-blob') as typeof import('@azure/storage-blob');
  const service: BlobServiceClient = storage.connectionString
    ? BlobServiceClient.fromConnectionString(storage.connectionString)
    : new BlobServiceClient(storage.accountUrl!, credential);
  const documents: ContainerClient = service.getContainerClient(storage.documentsContainer);
  const heartbeats: ContainerClient = service.getContainerClient(storage.heartbeatContainer);
  const ensured = new Set<string>();
  const ensure = async (container: ContainerClient) => {
    if (ensured.has(container.containerName)) return;
    await container.createIfNotExists();
    ensured.add(container.containerName);
  };

  return {
    async publish(name, bytes, mediaType) {
      await ensure(documents);
      const blob = documents.getBlockBlobClient(name);
      await blob.uploadData(bytes, { blobHTTPHeaders: { blobContentType: mediaType, blobContentDisposition: 'inline' } });
      const startsOn = new Date(Date.now() - 60_000);
      const expiresOn = new Date(Date.now() + storage.linkLifetimeMinutes * 60_000);
      let url: string;
      if (storage.connectionString) {
        url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn, protocol: undefined });
      } else {
        // Entra identity: a user delegation SAS, so no account key ever sits on the agent's host.
        const key = await service.getUserDelegationKey(startsOn, expiresOn);
        const sas = generateBlobSASQueryParameters(
          { containerName: documents.containerName, blobName: name, permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn },
          key,
          service.accountName,
        );
        url = `${blob.url}?${sas.toString()}`;
      }
      return { url, expiresAt: expiresOn.toISOString() };
    },
    async sweep(now = new Date()) {
      await ensure(documents);
      const cutoff = now.getTime() - storage.documentLifetimeMinutes * 60_000;
      let deleted = 0;
      for await (const item of documents.listBlobsFlat()) {
        const created = item.properties.createdOn ?? item.properties.lastModified;
        if (created.getTime() <= cutoff) {
          await documents.deleteBlob(item.name, { deleteSnapshots: 'include' }).catch(() => undefined);
          deleted++;
        }
      }
      return deleted;
    },
    async writeHeartbeat(heartbeat) {
      await ensure(heartbeats);
      const body = JSON.stringify(heartbeat);
      await heartbeats.getBlockBlobClient(heartbeatBlobName(heartbeat.agentId)).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    },
  };
}
