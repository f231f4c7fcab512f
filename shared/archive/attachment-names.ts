/**
 * Collects attachment file names from a MIME stream as it passes, so the index gets them without
 * another Graph request and without holding the message. Looks only at part headers
 * (Content-Disposition: attachment; filename=...), keeping at most one line in memory; base64 body
 * lines are short and skipped.
 */
export class AttachmentNameScanner {
  private partial = '';
  private header = '';
  private inHeaders = true;
  private readonly names: string[] = [];

  push(chunk: Buffer): void {
    // latin1 keeps every byte as one character: lengths stay bounded and non-ASCII survives for decoding.
    const text = this.partial + chunk.toString('latin1');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 8192) this.partial = this.partial.slice(-8192); // a pathological line
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }

  finish(): string[] {
    if (this.partial) this.line(this.partial);
    this.flushHeader();
    return this.names;
  }

  private line(line: string): void {
    if (line.startsWith('--')) {
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
    if (/^[ \t]/.test(line)) {
      if (this.header && this.header.length < 4096) this.header += ' ' + line.trim();
      return;
    }
    this.flushHeader();
    if (/^content-disposition:/i.test(line)) this.header = line;
  }

  private flushHeader(): void {
    const header = this.header;
    this.header = '';
    if (!header || !/^content-disposition:\s*attachment/i.test(header)) return;
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
