import { Readable } from 'node:stream';
import type { AttachmentSpec, EmailAddress, MessageSpec } from './mailbox-seed';
import { fillDeterministic, mixSeed } from './prng';

/**
 * Renders a message as RFC 5322 MIME, deterministically (same bytes every time for the same message)
 * and as a stream: attachment content is generated chunk by chunk, so a 100 MB message never sits in
 * memory whole.
 */
export function mimeStream(spec: MessageSpec, mailboxKey: string): Readable {
  if (spec.raw) return Readable.from([spec.raw.bytes], { objectMode: false });
  return Readable.from(renderMime(spec, mailboxKey), { objectMode: false });
}

/** A valid 1x1 transparent PNG (67 bytes), used for inline images. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const WINDOWS_1252_EXTRAS: Record<string, number> = { '€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97, 'œ': 0x9c, 'Œ': 0x8c };

/** Encodes text in one of the charsets old mail clients used; characters outside it become '?'. */
export function encodeCharset(text: string, charset: MessageSpec['charset']): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    const extra = charset === 'windows-1252' ? WINDOWS_1252_EXTRAS[ch] : undefined;
    if (extra !== undefined) bytes.push(extra);
    else if (ch === '’') bytes.push(0x27); // iso-8859-1 has no curly apostrophe
    else bytes.push(code <= 0xff ? code : 0x3f);
  }
  return Buffer.from(bytes);
}

/** Quoted-printable (RFC 2045) with soft line breaks at 76 characters. */
export function quotedPrintable(bytes: Buffer): string {
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      lines.push(line);
      line = '';
      continue;
    }
    if (b === 0x0d) continue;
    const next = bytes[i + 1];
    const literal = (b >= 33 && b <= 126 && b !== 61) || (b === 32 && next !== undefined && next !== 0x0a);
    const piece = literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + piece.length > 75) {
      lines.push(`${line}=`);
      line = '';
    }
    line += piece;
  }
  lines.push(line);
  return lines.join('\r\n');
}

/** RFC 2047 encoded word when the text is not plain ASCII ("B" for UTF-8, "Q" for the 8-bit charsets). */
export function encodeHeaderText(text: string, charset: MessageSpec['charset']): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  if (charset === 'utf-8') {
    // Split on character boundaries so each encoded word stays under 75 characters.
    const words: string[] = [];
    let chunk = '';
    for (const ch of text) {
      if (Buffer.byteLength(chunk + ch) > 45) {
        words.push(chunk);
        chunk = '';
      }
      chunk += ch;
    }
    words.push(chunk);
    return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
  }
  const q = [...encodeCharset(text, charset)]
    .map((b) => (b === 0x20 ? '_' : (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  return `=?${charset.toUpperCase()}?Q?${q}?=`;
}

function formatAddress(a: EmailAddress, charset: MessageSpec['charset']): string {
  const name = /^[A-Za-z0-9 .'-]*$/.test(a.name) ? `"${a.name}"` : encodeHeaderText(a.name, charset);
  return `${name} <${a.address}>`;
}

function rfc2822Date(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

export function bodyHtml(spec: MessageSpec): string {
  const paragraphs = spec.bodyText.split('\n\n').map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('');
  const inline = spec.attachments.find((a) => a.isInline);
  const image = inline ? `<p><img src="cid:${inline.contentId}" alt="logo"></p>` : '';
  return `<html><head><meta charset="${spec.charset}"></head><body>${paragraphs}${image}</body></html>`;
}

/** Base64 in lines of 76 characters, each ending in CRLF (MIME's form), built with native copies. */
function base64LinesBuffer(bytes: Buffer): Buffer {
  const text = Buffer.from(bytes.toString('base64'), 'latin1');
  const out = Buffer.allocUnsafe(text.length + Math.ceil(text.length / 76) * 2);
  let at = 0;
  for (let i = 0; i < text.length; i += 76) {
    at += text.copy(out, at, i, Math.min(i + 76, text.length));
    out[at++] = 13;
    out[at++] = 10;
  }
  return text.length ? out : Buffer.from('\r\n');
}

/** Deterministic attachment content, generated in chunks of whole base64 lines (57 bytes each). */
function* attachmentBase64(attachment: AttachmentSpec, seedState: number, broken: boolean): Generator<Buffer> {
  if (attachment.contentType === 'image/png' && attachment.size === PNG_1X1.length) {
    yield base64LinesBuffer(PNG_1X1);
    return;
  }
  if (attachment.contentType === 'text/plain') {
    yield base64LinesBuffer(attachmentText(attachment.size));
    return;
  }
  const chunkBytes = 57 * 1024;
  const state = { x: seedState || 1 };
  const chunk = Buffer.allocUnsafe(chunkBytes);
  for (let done = 0; done < attachment.size; done += chunkBytes) {
    const length = Math.min(chunkBytes, attachment.size - done);
    const piece = length === chunkBytes ? chunk : chunk.subarray(0, length);
    fillDeterministic(piece, state);
    const lines = base64LinesBuffer(piece);
    yield broken && done === 0 ? Buffer.concat([lines.subarray(0, 40), Buffer.from('!!not*base64!!\r\n'), lines.subarray(40)]) : lines;
  }
}

export function attachmentText(size: number): Buffer {
  return Buffer.from('Note brève.\n'.padEnd(size, '.'), 'utf8').subarray(0, size);
}

/** The decoded bytes of an attachment, chunk by chunk (the same bytes the MIME carries in base64). */
function* attachmentChunks(spec: MessageSpec, index: number, mailboxKey: string): Generator<Buffer> {
  const attachment = spec.attachments[index];
  if (!attachment) throw new Error('no such attachment');
  if (spec.raw) {
    yield spec.raw.attachments[index]!;
    return;
  }
  if (attachment.contentType === 'image/png' && attachment.size === PNG_1X1.length) {
    yield PNG_1X1;
    return;
  }
  if (attachment.contentType === 'text/plain') {
    yield attachmentText(attachment.size);
    return;
  }
  const chunkBytes = 57 * 1024;
  const state = { x: mixSeed(mailboxKey, spec.key, index) || 1 };
  for (let done = 0; done < attachment.size; done += chunkBytes) {
    const piece = Buffer.allocUnsafe(Math.min(chunkBytes, attachment.size - done));
    fillDeterministic(piece, state);
    yield piece;
  }
}

/** A small attachment's bytes in one buffer (for contentBytes). */
export function attachmentBytes(spec: MessageSpec, index: number, mailboxKey: string): Buffer {
  return Buffer.concat([...attachmentChunks(spec, index, mailboxKey)]);
}

/** An attachment's bytes as a stream (`.../attachments/{id}/$value`), never held whole. */
export function attachmentStream(spec: MessageSpec, index: number, mailboxKey: string): Readable {
  return Readable.from(attachmentChunks(spec, index, mailboxKey), { objectMode: false });
}

function* renderMime(spec: MessageSpec, mailboxKey: string): Generator<Buffer> {
  const crlf = '\r\n';
  const boundary = (name: string) => `----=_${name}_${mixSeed(mailboxKey, spec.key, name).toString(16).padStart(8, '0')}`;
  const headers: string[] = [];
  headers.push(`Date: ${rfc2822Date(spec.sentDateTime)}`);
  headers.push(`From: ${formatAddress(spec.from, spec.charset)}`);
  headers.push(`To: ${spec.to.map((a) => formatAddress(a, spec.charset)).join(`,${crlf} `)}`);
  if (spec.cc.length > 0) headers.push(`Cc: ${spec.cc.map((a) => formatAddress(a, spec.charset)).join(`,${crlf} `)}`);
  if (spec.malformed === 'raw-8bit-header') {
    // Raw 8-bit subject with no encoded word, and a header line with no colon: both seen in the wild.
    headers.push(`Subject: ${spec.subject}`);
    headers.push('X-Broken-Header-Without-Colon');
  } else {
    headers.push(`Subject: ${encodeHeaderText(spec.subject, spec.charset)}`);
  }
  headers.push(`Message-ID: ${spec.internetMessageId}`);
  if (spec.inReplyTo) {
    headers.push(`In-Reply-To: ${spec.inReplyTo}`);
    headers.push(`References: ${spec.inReplyTo}`);
  }
  headers.push(`Content-Language: ${spec.lang === 'fr' ? 'fr-CA' : 'en-CA'}`);
  if (spec.importance === 'high') headers.push('Importance: high');
  if (spec.malformed !== 'raw-8bit-header') headers.push('MIME-Version: 1.0');

  const textPart = (): string => {
    const encoded = quotedPrintable(encodeCharset(spec.bodyText, spec.charset));
    return `Content-Type: text/plain; charset="${spec.charset}"${crlf}Content-Transfer-Encoding: quoted-printable${crlf}${crlf}${encoded}${crlf}`;
  };
  const htmlPart = (): string => {
    const encoded = quotedPrintable(encodeCharset(bodyHtml(spec), spec.charset));
    return `Content-Type: text/html; charset="${spec.charset}"${crlf}Content-Transfer-Encoding: quoted-printable${crlf}${crlf}${encoded}${crlf}`;
  };
  const alternative = boundary('alt');
  const alternativeBody = `--${alternative}${crlf}${textPart()}--${alternative}${crlf}${htmlPart()}--${alternative}--${crlf}`;
  const alternativeHeader = `Content-Type: multipart/alternative; boundary="${alternative}"${crlf}${crlf}`;

  const inline = spec.attachments.map((a, i) => ({ a, i })).filter(({ a }) => a.isInline);
  const files = spec.attachments.map((a, i) => ({ a, i })).filter(({ a }) => !a.isInline);
  let body: string;
  if (inline.length > 0) {
    const related = boundary('rel');
    body = `Content-Type: multipart/related; boundary="${related}"; type="multipart/alternative"${crlf}${crlf}--${related}${crlf}${alternativeHeader}${alternativeBody}`;
    for (const { a } of inline) {
      body += `--${related}${crlf}Content-Type: ${a.contentType}; name="${a.name}"${crlf}Content-Disposition: inline; filename="${a.name}"${crlf}Content-ID: <${a.contentId}>${crlf}Content-Transfer-Encoding: base64${crlf}${crlf}`;
      body += base64LinesBuffer(PNG_1X1).toString('latin1');
    }
    body += `--${related}--${crlf}`;
  } else {
    body = alternativeHeader + alternativeBody;
  }

  if (files.length === 0) {
    yield Buffer.from(headers.join(crlf) + crlf, 'utf8');
    yield Buffer.from(body, 'utf8');
    return;
  }
  const mixed = boundary('mixed');
  headers.push(`Content-Type: multipart/mixed; boundary="${mixed}"`);
  yield Buffer.from(`${headers.join(crlf)}${crlf}${crlf}This is a multi-part message in MIME format.${crlf}${crlf}--${mixed}${crlf}${body}`, 'utf8');
  for (const { a, i } of files) {
    const filename = encodeHeaderText(a.name, 'utf-8');
    yield Buffer.from(
      `--${mixed}${crlf}Content-Type: ${a.contentType}; name="${filename}"${crlf}Content-Disposition: attachment; filename="${filename}"; size=${a.size}${crlf}Content-Transfer-Encoding: base64${crlf}${crlf}`,
      'utf8',
    );
    yield* attachmentBase64(a, mixSeed(mailboxKey, spec.key, i), spec.malformed === 'invalid-base64' && i === files[0]!.i);
  }
  if (spec.malformed !== 'unterminated-multipart') yield Buffer.from(`--${mixed}--${crlf}`);
}
