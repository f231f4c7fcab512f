import type { MessageEntry } from '../model';
import type { ContentStore, TextExtraction } from '../ports';
import type { ExtractedText } from './full-text';
import { readMessage } from './read';

/**
 * The text of a stored message for the index, read with the archive's own reader: the plain body,
 * or the HTML body as text. Attachments are the extraction module's (a worker pool with limits per
 * format); until it is wired, a message with attachments is recorded "attachments-not-extracted".
 */
export class BodyTextExtraction implements TextExtraction {
  constructor(private readonly content: ContentStore) {}

  async extract(entry: MessageEntry): Promise<ExtractedText> {
    const view = await readMessage(this.content, entry);
    const body = view.text ?? htmlText(view.html ?? '');
    const notIndexed = [...(view.tooComplex ? ['too-complex'] : []), ...(view.attachments.length ? ['attachments-not-extracted'] : [])];
    return { body, attachments: [], notIndexed };
  }
}

/** The sanitised HTML's text: tags out, the few entities the sanitiser writes back to characters. */
function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
