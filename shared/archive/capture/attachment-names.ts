import { isAttachmentPart, isShownInline, safeAttachmentName } from '../attachment-name';
const LF = 0x0a;
const DASH = 0x2d;
const BOUNDARY_LINE = Buffer.from('\n--');
const MAX_LINE = 8192;
const EMPTY = Buffer.alloc(0);

/**
 * Collects attachment file names from a MIME stream as it passes, so the index gets them without
 * another Graph request and without holding the message. Looks only at part headers (Content-Type,
 * Content-Disposition, Content-ID; a multipart's boundary tells where parts start), keeping at most
 * one line in memory, and decides what an attachment is and its safe name as the reader does
 * (../attachment-name.ts), so the index and the reader agree. Body lines
 * (mostly base64) are skipped without being decoded: from a body, only the next line starting with
 * "--" (a boundary) matters, and Buffer.indexOf finds it natively.
 */
export class AttachmentNameScanner {
  /** The start of the current line, when it may matter (headers, or a line that may be a boundary). */
  private partial: Buffer = EMPTY;
  /** The current line is a body line (or an overlong one): skip to its end. */
  private skipping = false;
  private header = '';
  private inHeaders = true;
  /** The Content-Type, Content-Disposition and Content-ID of the part whose headers are being read. */
  private part: { contentType?: string; disposition?: string; contentId?: boolean } = {};
  /** Attachments so far, inline images included: the index a download of the next one would use. */
  private count = 0;
  private readonly names: string[] = [];
  private readonly boundaries = new Set<string>();

  push(chunk: Buffer): void {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = EMPTY;
    let pos = 0;
    if (this.skipping) {
      const end = data.indexOf(LF);
      if (end < 0) return;
      this.skipping = false;
      pos = end + 1;
    }
    while (pos < data.length) {
      if (!this.inHeaders && !(data[pos] === DASH && (pos + 1 === data.length || data[pos + 1] === DASH))) {
        // A body line: jump to the next line that starts with "--".
        const next = data.indexOf(BOUNDARY_LINE, pos);
        if (next >= 0) {
          pos = next + 1;
          continue;
        }
        // No boundary starts in the rest; the last (unfinished) line may still become one.
        const lastEnd = data.lastIndexOf(LF);
        const tail = lastEnd >= pos ? data.subarray(lastEnd + 1) : data.subarray(pos);
        if (lastEnd < pos) this.skipping = true;
        else if (tail.length < 2) this.partial = Buffer.from(tail);
        else this.skipping = true;
        return;
      }
      const end = data.indexOf(LF, pos);
      if (end < 0) {
        if (data.length - pos > MAX_LINE) {
          // A pathological line: judge it by its start and skip the rest.
          this.line(data.toString('latin1', pos, pos + MAX_LINE));
          this.skipping = true;
        } else this.partial = Buffer.from(data.subarray(pos));
        return;
      }
      const stop = end > pos && data[end - 1] === 0x0d ? end - 1 : end;
      this.line(data.toString('latin1', pos, Math.min(stop, pos + MAX_LINE)));
      pos = end + 1;
    }
  }

  finish(): string[] {
    if (this.partial.length && !this.skipping) this.line(this.partial.toString('latin1').replace(/\r$/, ''));
    this.partial = EMPTY;
    this.finishPart();
    return this.names;
  }

  // latin1 keeps every byte as one character: non-ASCII survives for decoding (paramOf).
  private line(line: string): void {
    if (line.startsWith('--') && this.isBoundary(line)) {
      // A boundary: the next lines are a part's headers; after the closing one, an epilogue.
      this.finishPart();
      this.inHeaders = !line.trimEnd().endsWith('--') || this.boundaries.has(line.slice(2).trimEnd());
      return;
    }
    if (!this.inHeaders) return;
    if (line === '') {
      this.finishPart();
      this.inHeaders = false;
      return;
    }
    if (line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09) {
      if (this.header && this.header.length < 4096) this.header += ' ' + line.trim();
      return;
    }
    this.flushHeader();
    if (/^content-(disposition|type|id):/i.test(line)) this.header = line;
  }

  /** Only the boundaries the message declared: a body line may start with "--" too. */
  private isBoundary(line: string): boolean {
    const rest = line.slice(2).trimEnd();
    return this.boundaries.has(rest) || (rest.endsWith('--') && this.boundaries.has(rest.slice(0, -2)));
  }

  private flushHeader(): void {
    const header = this.header;
    this.header = '';
    if (!header) return;
    if (/^content-type:/i.test(header)) this.part.contentType = header;
    else if (/^content-disposition:/i.test(header)) this.part.disposition = header;
    else this.part.contentId = true;
  }

  /** The part's headers are complete: a container declares its boundary, a leaf may be an attachment. */
  private finishPart(): void {
    this.flushHeader();
    const { contentType: typeHeader, disposition: dispositionHeader, contentId } = this.part;
    this.part = {};
    if (typeHeader === undefined && dispositionHeader === undefined && !contentId) return;
    const contentType = (/^content-type:\s*([^;\s]+)/i.exec(typeHeader ?? '')?.[1] ?? 'text/plain').toLowerCase();
    if (contentType.startsWith('multipart/')) {
      const boundary = paramOf(typeHeader!, 'boundary');
      if (boundary) this.boundaries.add(boundary);
      return;
    }
    const facts = { contentType, disposition: /^content-disposition:\s*([^;\s]+)/i.exec(dispositionHeader ?? '')?.[1]?.toLowerCase(), hasContentId: Boolean(contentId) };
    if (!isAttachmentPart(facts)) return;
    const index = this.count++;
    if (isShownInline(facts)) return;
    const original = (dispositionHeader && paramOf(dispositionHeader, 'filename')) || (typeHeader && paramOf(typeHeader, 'name')) || '';
    this.names.push(safeAttachmentName(original, contentType, index));
  }
}

/** A header parameter: RFC 2231 (charset'lang'%XX, possibly split as name*0*=...), quoted, or a token; RFC 2047 words decoded. */
function paramOf(header: string, param: string): string | undefined {
  const params = header.slice(header.indexOf(':') + 1);
  const extended = [...params.matchAll(new RegExp(`;\\s*${param}\\*(?:(\\d+)(\\*)?)?=("?)([^";]*)\\3`, 'gi'))];
  if (extended.length) {
    const pieces = extended.sort((a, b) => Number(a[1] ?? 0) - Number(b[1] ?? 0));
    const first = /^([^']*)'[^']*'(.*)$/.exec(pieces[0]![4]!);
    const charset = first ? first[1]! : 'utf-8';
    const bytes: number[] = [];
    pieces.forEach((m, i) => {
      const value = i === 0 && first ? first[2]! : m[4]!;
      // Only the pieces marked with "*" (and an unnumbered one) are percent-encoded.
      const encoded = m[1] === undefined || m[2] === '*';
      for (let at = 0; at < value.length; at++) {
        if (encoded && value[at] === '%' && /^[0-9a-f]{2}$/i.test(value.slice(at + 1, at + 3))) {
          bytes.push(parseInt(value.slice(at + 1, at + 3), 16));
          at += 2;
        } else bytes.push(value.charCodeAt(at) & 0xff);
      }
    });
    return decodeBytes(Buffer.from(bytes), charset);
  }
  const plain = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(params);
  const value = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2];
  return value === undefined ? undefined : decodeEncodedWords(Buffer.from(value, 'latin1').toString('utf8'));
}

function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** RFC 2047: =?utf-8?B?...?= and =?utf-8?Q?...?= */
export function decodeEncodedWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=\s*/gi, (_, charset: string, encoding: string, text: string) => {
    const bytes = encoding.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    const label = charset.toLowerCase();
    return bytes.toString(label === 'utf-8' || label === 'utf8' ? 'utf8' : 'latin1');
  });
}
