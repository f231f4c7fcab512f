import { cosmosDatabase, graph } from '../../platform/adapters/clients';
import { settings, type Settings } from '../../platform/settings';
import type { CollaborationDirectory, DocumentSource, RosterStore, SpaceReader, SpaceStore, SpaceWriter } from '../ports';
import { loadCollaborationTemplate, type CollaborationTemplateFile } from '../template';
import { CosmosRosterStore, CosmosSpaceStore } from './cosmos-collaboration';
import { FileDocumentSource, GraphCollaborationDirectory, GraphSpaceReader, GraphSpaceWriter } from './graph-spaces';
import { SharePointPacer } from './sharepoint-pacer';

/**
 * The collaboration ports' adapters as the function app builds them from its settings. One pacer
 * per process: SharePoint's budget is the app's, so every reader and writer spends from the same
 * one. (Several instances working on spaces at once would each spend a full budget: the
 * orchestration keeps SharePoint work on one instance at a time, or the setting is divided.)
 */
export interface CollaborationAdapters {
  template: CollaborationTemplateFile;
  pacer: SharePointPacer;
  reader: SpaceReader;
  writer: SpaceWriter;
  directory: CollaborationDirectory;
  documents: DocumentSource;
  spaces: SpaceStore;
  roster: RosterStore;
}

let built: { settings: Settings; adapters: CollaborationAdapters } | undefined;

export function collaborationAdapters(s: Settings = settings()): CollaborationAdapters {
  if (!built || built.settings !== s) {
    // A broken template stops here with its problems named by node, before any read or write.
    const template = loadCollaborationTemplate(s.collaboration.templateFile);
    const pacer = new SharePointPacer({ unitsPerMinute: s.collaboration.sharePoint.unitsPerMinute, windowMs: s.collaboration.sharePoint.windowMs });
    const documents = new FileDocumentSource(template);
    const options = { teamLagMs: s.collaboration.teamLagMinutes * 60_000, teamPollMs: s.collaboration.teamPollMs };
    built = {
      settings: s,
      adapters: {
        template,
        pacer,
        reader: new GraphSpaceReader(graph(s), pacer, options),
        writer: new GraphSpaceWriter(graph(s), pacer, documents, options),
        directory: new GraphCollaborationDirectory(graph(s), pacer),
        documents,
        spaces: new CosmosSpaceStore(cosmosDatabase(s)),
        roster: new CosmosRosterStore(cosmosDatabase(s)),
      },
    };
  }
  return built.adapters;
}

/** For tests that point the app at another sandbox or database. */
export function resetCollaborationAdaptersForTests(): void {
  built = undefined;
}
