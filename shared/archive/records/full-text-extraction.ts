import type { MessageEntry } from '../model';
import type { ContentStore, TextExtraction } from '../ports';
import { extractMessageText, sharedPool, type ExtractionLimits, type ExtractionPoolOptions } from '../extraction';
import type { ExtractedText } from './full-text';

/**
 * The text of a stored message for the index: the stored MIME (decompressed) through the
 * extraction module (../extraction: body and attachments, each format by its library in a worker
 * pool under limits). What could not be extracted comes back as "<reason> (<part>)", indexed as
 * "not indexed: ..." so a records manager can find those messages and open them.
 */
export const MAX_EXTRACTED_MESSAGE_BYTES = 150 * 1024 * 1024;

export class MessageTextExtraction implements TextExtraction {
  constructor(
    private readonly content: ContentStore,
    /** ARCHIVE_EXTRACT_* (settings.archive.extraction). */
    private readonly options: { limits?: Partial<ExtractionLimits>; pool?: ExtractionPoolOptions } = {},
  ) {}

  async extract(entry: MessageEntry): Promise<ExtractedText> {
    // Exchange Online's own ceiling: anything larger is not read into memory at all.
    if (entry.rawSize > MAX_EXTRACTED_MESSAGE_BYTES) return { body: '', attachments: [], notIndexed: ['too_large (message)'] };
    // The stream as it comes: the extraction parses it as it arrives, never holding the message whole.
    const extracted = await extractMessageText(await this.content.open(entry.contentHash), this.options.limits, sharedPool(this.options.pool));
    return {
      body: extracted.body,
      attachments: extracted.attachments.filter((a) => a.status === 'indexed').map((a) => ({ name: a.name, text: a.text })),
      notIndexed: extracted.notIndexed.map((n) => `${n.reason} (${n.part})`),
    };
  }
}
