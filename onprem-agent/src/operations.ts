import type { OperationName } from '../../shared/relay/contract';
import type { MissionSystem } from './connectors/mission-system';
import type { LegacyArchive } from './connectors/legacy-archive';
import type { DocumentStore } from './document-store';

/** What the agent reaches on the union's network, behind the closed catalogue of operations. */
export interface Connectors {
  mission: MissionSystem;
  archive: LegacyArchive;
  /** Where large documents go; without it they are always inline (tests of the connectors alone). */
  documents?: DocumentStore;
  /** Documents up to this size travel inside the reply. */
  inlineMaxBytes: number;
}

export interface OperationContext {
  requestId: string;
  roles: readonly string[];
}

/**
 * Runs one catalogue operation on already-validated input. The switch is the whole catalogue:
 * an operation that is not listed here cannot run.
 */
export async function runOperation(name: OperationName, input: unknown, context: OperationContext, c: Connectors): Promise<unknown> {
  switch (name) {
    case 'lookupMember':
      return c.mission.lookupMember(input as never);
    case 'getCase':
      return c.mission.getCase(input as never);
    case 'listOpenCases':
      return c.mission.listOpenCases(input as never);
    case 'searchDocuments':
      return c.archive.search(input as never, context.roles);
    case 'getDocument':
      return { document: await c.archive.metadata((input as { documentId: string }).documentId, context.roles) };
    case 'fetchDocument': {
      const { metadata, bytes } = await c.archive.read((input as { documentId: string }).documentId, context.roles);
      if (bytes.length <= c.inlineMaxBytes || !c.documents) {
        return { document: metadata, content: { kind: 'inline', base64: bytes.toString('base64') } };
      }
      const extension = metadata.mediaType === 'application/pdf' ? 'pdf' : 'txt';
      const link = await c.documents.publish(`${context.requestId}/${metadata.documentId}.${extension}`, bytes, metadata.mediaType);
      return { document: metadata, content: { kind: 'link', ...link } };
    }
  }
}
