import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DocumentMetadata, RESTRICTED_DOCUMENT_ROLES, type OperationInput, type OperationOutput } from '../../../shared/relay/contract';
import { Denied, NotFound, Unavailable } from './errors';

/**
 * The legacy archive: a folder tree of old documents plus a metadata index (a JSON array at the
 * root). Requests name documents by id only; the file path comes from the index, and a fetch can
 * never leave the archive root: paths with `..` or absolute paths, symbolic links anywhere below
 * the root, and anything that is not a regular file (devices, FIFOs, sockets) are refused.
 */
const IndexEntry = DocumentMetadata.extend({ file: z.string().min(1).max(500) });
type IndexEntry = z.infer<typeof IndexEntry>;

export interface ArchiveDocument {
  metadata: DocumentMetadata;
  bytes: Buffer;
}

export interface LegacyArchive {
  search(input: OperationInput<'searchDocuments'>, roles: readonly string[]): Promise<OperationOutput<'searchDocuments'>>;
  metadata(documentId: string, roles: readonly string[]): Promise<DocumentMetadata>;
  read(documentId: string, roles: readonly string[]): Promise<ArchiveDocument>;
}

/** Largest document the agent will read; anything bigger is treated as an archive problem. */
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

export function legacyArchive(rootDir: string, indexFile: string): LegacyArchive {
  let root: string;
  try {
    root = realpathSync(rootDir);
  } catch {
    throw new Error(`archive.root: ${rootDir} does not exist`);
  }
  if (!statSync(root).isDirectory()) throw new Error(`archive.root: ${rootDir} is not a folder`);
  const indexPath = path.join(root, indexFile);
  let loaded: { version: string; byId: Map<string, IndexEntry>; all: IndexEntry[] } | undefined;

  /** Reloads the index when the archivists replace it; keeps the last good one if the new one is broken. */
  function index() {
    let version: string;
    try {
      const info = statSync(indexPath);
      // Time and size: two saves within the file system's time resolution still differ in size.
      version = `${info.mtimeMs}:${info.size}`;
    } catch (e) {
      if (loaded) return loaded;
      throw new Unavailable('archive_index_missing', { cause: e });
    }
    if (loaded && loaded.version === version) return loaded;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(indexPath, 'utf8'));
    } catch {
      raw = undefined; // being rewritten, or broken: keep the last good index
    }
    const parsed = z.array(IndexEntry).safeParse(raw);
    if (!parsed.success) {
      if (loaded) return loaded;
      throw new Unavailable('archive_index_invalid');
    }
    const all = [...parsed.data].sort((a, b) => (a.date === b.date ? a.documentId.localeCompare(b.documentId) : a.date < b.date ? 1 : -1));
    loaded = { version, byId: new Map(all.map((e) => [e.documentId, e])), all };
    return loaded;
  }

  function entryFor(documentId: string, roles: readonly string[]): IndexEntry {
    const entry = index().byId.get(documentId);
    if (!entry) throw new NotFound('document_not_found');
    if (entry.restricted && !mayReadRestricted(roles)) throw new Denied('restricted_document');
    return entry;
  }

  return {
    async search(input, roles) {
      const words = input.words ? normalise(input.words).split(/\s+/).filter(Boolean) : [];
      const restrictedOk = mayReadRestricted(roles);
      const matches = index().all.filter(
        (e) =>
          (restrictedOk || !e.restricted) &&
          (!input.classification || e.classification === input.classification) &&
          (!input.from || e.date >= input.from) &&
          (!input.to || e.date <= input.to) &&
          words.every((w) => normalise(e.title).includes(w)),
      );
      return { documents: matches.slice(0, input.limit ?? 20).map(metadataOf), total: matches.length };
    },
    async metadata(documentId, roles) {
      return metadataOf(entryFor(documentId, roles));
    },
    async read(documentId, roles) {
      const entry = entryFor(documentId, roles);
      return { metadata: metadataOf(entry), bytes: readInsideRoot(root, entry.file) };
    },
  };
}

function mayReadRestricted(roles: readonly string[]): boolean {
  return RESTRICTED_DOCUMENT_ROLES.some((r) => roles.includes(r));
}

function metadataOf(entry: IndexEntry): DocumentMetadata {
  const { file: _file, ...metadata } = entry;
  return metadata;
}

/** Lower case without accents, so "grief" finds "Grief" and "evaluation" finds "Évaluation". */
function normalise(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Reads `relative` under `root`, refusing anything that could lead outside it. The checks are
 * layered: the name itself, then the resolved real path (catches symlinked folders), then lstat
 * (catches a symlinked file), then O_NOFOLLOW and fstat on the opened descriptor (catches a file
 * swapped for a link or a device between the checks and the open).
 */
export function readInsideRoot(root: string, relative: string): Buffer {
  if (path.isAbsolute(relative) || relative.includes('\0') || relative.split(/[\\/]/).some((part) => part === '..')) {
    throw new Denied('path_outside_archive');
  }
  const candidate = path.resolve(root, relative);
  if (!candidate.startsWith(root + path.sep)) throw new Denied('path_outside_archive');
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new NotFound('document_file_missing');
  }
  if (real !== candidate) throw new Denied('symlink_refused');
  const info = lstatSync(candidate);
  if (!info.isFile()) throw new Denied('not_a_regular_file');
  let fd: number;
  try {
    fd = openSync(candidate, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch {
    throw new Denied('symlink_refused');
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile() || opened.ino !== info.ino) throw new Denied('not_a_regular_file');
    if (opened.size > MAX_DOCUMENT_BYTES) throw new Unavailable('document_too_large');
    const bytes = Buffer.alloc(opened.size);
    let offset = 0;
    while (offset < bytes.length) {
      const n = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}
