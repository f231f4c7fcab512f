/**
 * What text extraction of an archived message produces, and the limits it works within
 * (docs/decisions/0021-archive-text-extraction.md). Pure types and defaults: no library, no I/O.
 */

/**
 * Why a part's text is not in the index. Every reason is recorded with the part so a records manager
 * can search for "not indexed: <reason>" and open the message itself.
 * - too_large: the part is beyond the byte limit per attachment or per message, or the message has
 *   more attachments than the limit;
 * - timeout: extraction took longer than the time limit (the worker was stopped);
 * - memory: extraction needed more memory than a worker may use (the worker was stopped);
 * - malformed: the file is damaged or is not what its name and type say;
 * - encrypted: the file is password-protected;
 * - unsupported_format: no extractor for this kind of file (images, archives, legacy .xls/.ppt/.msg);
 * - zip_bomb: an Office or OpenDocument package whose entries would inflate beyond the limits;
 * - too_deep: a message nested in messages beyond the depth limit.
 */
export type NotIndexedReason = 'too_large' | 'timeout' | 'memory' | 'malformed' | 'encrypted' | 'unsupported_format' | 'zip_bomb' | 'too_deep';

export const NOT_INDEXED_REASONS: readonly NotIndexedReason[] = ['too_large', 'timeout', 'memory', 'malformed', 'encrypted', 'unsupported_format', 'zip_bomb', 'too_deep'];

export interface AttachmentText {
  /** The safe name the archive's index and reader use (../attachment-name.ts). */
  name: string;
  /** Lower-case type/subtype as declared by the part. */
  contentType: string;
  /** Decoded size of the part in bytes (counted up to the byte limit, then the rest is only drained). */
  size: number;
  /** The extracted text ('' when not indexed). */
  text: string;
  status: 'indexed' | 'not_indexed';
  reason?: NotIndexedReason;
  /** The text was cut at the character limit (the part is still indexed, up to there). */
  truncated?: boolean;
}

export interface ExtractedMessage {
  /** The body as plain text: the text/plain part, or the HTML part converted to text. */
  body: string;
  /** One entry per attachment, in the reader's order (inline images shown in the body are left out). */
  attachments: AttachmentText[];
  /**
   * Every part whose text is missing, with why: `part` is `body`, an attachment's name, or a path
   * through nested messages (`message-1.eml > rapport.pdf`). Ids and names only, never content.
   */
  notIndexed: { part: string; reason: NotIndexedReason }[];
}

export interface ExtractionLimits {
  /** Largest attachment extracted, decoded bytes (beyond: too_large, never held in memory). */
  maxAttachmentBytes: number;
  /** Most characters kept per part (beyond: the text is cut, `truncated`). */
  maxChars: number;
  /** Time one part may take in a worker (beyond: the worker is stopped, timeout). */
  timeoutMs: number;
  /**
   * Time the whole message may take, from the call (beyond: parts still running or waiting are
   * timeout), so a message of many slow parts cannot hold capture for parts x timeoutMs.
   */
  messageTimeoutMs: number;
  /** An Office/OpenDocument package with more entries than this is a zip bomb. */
  maxZipEntries: number;
  /** ... or whose entries declare more uncompressed bytes than this in total. */
  maxZipUncompressedBytes: number;
  /** ... or whose total uncompressed/compressed ratio is above this (checked beyond 1 MB uncompressed). */
  maxZipRatio: number;
  /** Messages nested in messages followed to this depth (the top message is depth 0). */
  maxDepth: number;
  /** Attachments extracted per message, nested ones included (the rest: too_large). */
  maxAttachments: number;
  /** Decoded attachment bytes extracted per message (the rest: too_large). */
  maxMessageBytes: number;
  /** Characters kept per message, body and attachments together (the rest is cut). */
  maxMessageChars: number;
}

/**
 * Defaults: Exchange Online accepts messages up to 150 MB, and an attachment above 25 MB is rare
 * and mostly media; a million characters is a 400-page report; 20 s is far beyond what a real
 * document takes (a few hundred ms) but still short enough that a looping file costs little.
 */
export const DEFAULT_EXTRACTION_LIMITS: ExtractionLimits = {
  maxAttachmentBytes: 25 * 1024 * 1024,
  maxChars: 1_000_000,
  timeoutMs: 20_000,
  messageTimeoutMs: 120_000,
  maxZipEntries: 10_000,
  maxZipUncompressedBytes: 200 * 1024 * 1024,
  maxZipRatio: 100,
  maxDepth: 3,
  maxAttachments: 200,
  maxMessageBytes: 150 * 1024 * 1024,
  maxMessageChars: 5_000_000,
};

/** The kinds of part the worker knows how to turn into text. */
export type PartFormat = 'text' | 'html' | 'pdf' | 'doc' | 'docx' | 'xlsx' | 'pptx' | 'odf' | 'rtf';

/** One part handed to a worker. */
export interface PartTask {
  format: PartFormat;
  bytes: Uint8Array;
  /** The part's declared charset (text and HTML). */
  charset?: string;
  limits: Pick<ExtractionLimits, 'maxChars' | 'maxZipEntries' | 'maxZipUncompressedBytes' | 'maxZipRatio'>;
}

export type PartResult = { ok: true; text: string; truncated: boolean } | { ok: false; reason: NotIndexedReason };
