/**
 * Text extraction of archived messages, for the archive's full-text index (issue 22,
 * docs/decisions/0021-archive-text-extraction.md).
 *
 *   extractMessageText(emlBytes, limits?, pool?) => Promise<ExtractedMessage>
 *
 * - `emlBytes`: the raw MIME as stored, as bytes or as the stream ContentStore.open gives
 *   (decompressed); a stream is parsed as it comes, never held whole.
 * - `limits`: any of ExtractionLimits (defaults in DEFAULT_EXTRACTION_LIMITS); the app passes
 *   `settings.archive.extraction.limits` (ARCHIVE_EXTRACT_* settings).
 * - `pool`: the worker pool that runs the conversions (default: one per process,
 *   `sharedPool(settings.archive.extraction.pool)`, started on first use; its idle workers do not
 *   keep the process alive; `close()` stops them).
 *
 * Result: `body` (text/plain, else HTML as text), `attachments` (in the reader's order, with the
 * reader's safe names: `{ name, contentType, size, text, status: 'indexed' | 'not_indexed',
 * reason?, truncated? }`), and `notIndexed` (`{ part, reason }` for every part without text, body
 * and nested parts included: `message-1.eml > rapport.pdf`). Never rejects for a hostile or broken
 * message: what fails is recorded with its reason (NotIndexedReason). Rejects only when the message
 * could not be read (the source stream failed) or a worker could not start: then retry later. Pure: no Azure, no I/O
 * besides the worker threads; nothing is logged (names and text are personal information).
 */
export { extractMessageText, sharedPool } from './extract-message';
export { ExtractionPool, type ExtractionPoolOptions } from './pool';
export { DEFAULT_EXTRACTION_LIMITS, NOT_INDEXED_REASONS, type AttachmentText, type ExtractedMessage, type ExtractionLimits, type NotIndexedReason } from './model';
