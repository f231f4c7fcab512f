const LF = 0x0a;
const DASH = 0x2d;
const BOUNDARY_LINE = Buffer.from('\n--');
const MAX_LINE = 8192;
const EMPTY = Buffer.alloc(0);

/**
 * Collects attachment file names from a MIME stream as it passes, so the index gets them without
 * another Graph request and without holding the message. Looks only at part headers
 * (Content-Disposition: attachment; filename=..., and Content-Type's boundary to know where parts
 * start), keeping at most one line in memory. Body lines
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
    this.flushHeader();
    return this.names;
  }

  // latin1 keeps every byte as one character: non-ASCII survives for decoding (filenameOf).
  private line(line: string): void {
    if (line.startsWith('--') && this.isBoundary(line)) {
      // A boundary (or its end): the next lines are a part's headers.
      this.flushHeader();
      this.inHeaders = true;
      return;
    }
    if (!this.inHeaders) return;
    if (line === '') {
      this.flushHeader();
      this.inHeaders = false;
      return;
    }
    if (line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09) {
      if (this.header && this.header.length < 4096) this.header += ' ' + line.trim();
      return;
    }
    this.flushHeader();
    if (/^content-(disposition|type):/i.test(line)) this.header = line;
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
    if (/^content-type:/i.test(header)) {
      const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(header);
      if (boundary) this.boundaries.add(boundary[1] ?? boundary[2]!);
      return;
    }
    if (!/^content-disposition:\s*attachment/i.test(header)) return;
    const name = filenameOf(header);
    if (name) this.names.push(name);
  }
}

function filenameOf(header: string): string | undefined {
  // RFC 2231: filename*=utf-8''%C3%A9t%C3%A9.pdf (possibly split as filename*0*=...; filename*1*=...)
  const extended = [...header.matchAll(/filename\*(?:(\d+)\*?)?=("?)([^";]*)\2/gi)];
  if (extended.length) {
    const joined = extended.sort((a, b) => Number(a[1] ?? 0) - Number(b[1] ?? 0)).map((m) => m[3]).join('');
    const match = /^([^']*)'[^']*'(.*)$/.exec(joined);
    try {
      return decodeURIComponent(match ? match[2]! : joined);
    } catch {
      return match ? match[2] : joined;
    }
  }
  const plain = /filename=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  const value = plain?.[1] ?? plain?.[2];
  return value === undefined ? undefined : decodeEncodedWords(Buffer.from(value, 'latin1').toString('utf8'));
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
