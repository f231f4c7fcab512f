/**
 * What counts as an attachment of a stored message, and the name it is shown and downloaded under.
 * Capture's index (capture/attachment-names.ts, scanning the MIME as it streams) and the reader
 * (records/read.ts, through mailparser) both decide with these functions, so the names a search
 * finds are the names the reader lists, in the same order.
 */

/** The headers of one MIME part that decide whether it is an attachment. */
export interface PartFacts {
  /** Lower-case type/subtype; text/plain when the part has no Content-Type (RFC 2045). */
  contentType: string;
  /** Lower-case disposition type (attachment, inline) or undefined. */
  disposition: string | undefined;
  hasContentId: boolean;
}

/**
 * mailparser's rule, which the reader follows: every leaf part is an attachment except the text and
 * HTML of the body (text/plain or text/html not marked as an attachment). A forwarded message
 * (message/rfc822), an invitation (text/calendar) and a part without a file name are attachments.
 */
export function isAttachmentPart(part: PartFacts): boolean {
  if (part.contentType.startsWith('multipart/')) return false;
  if (part.disposition === 'attachment') return true;
  return part.contentType !== 'text/plain' && part.contentType !== 'text/html';
}

/** An image the body shows through `cid:`: counted (for download indexes) but not listed. */
export function isShownInline(part: PartFacts): boolean {
  return part.hasContentId && part.contentType.startsWith('image/') && part.disposition !== 'attachment';
}

/** The name of an attachment that has none (`index` counts from 0 over the message's attachments). */
export function defaultAttachmentName(contentType: string, index: number): string {
  const n = index + 1;
  if (contentType === 'message/rfc822') return `message-${n}.eml`;
  if (contentType === 'text/calendar') return `invitation-${n}.ics`;
  return `attachment-${n}`;
}

// Bidirectional controls make "facture\u202Efdp.exe" display as "facture" + "exe.pdf" reversed.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// C0, DEL and C1 controls (a NUL or a line break in a header value splits or truncates it).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Characters Windows refuses in a file name (the path separators are handled before).
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
// Device names Windows opens instead of a file, whatever the extension (CON.txt is the console).
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)/i;
const MAX_NAME = 200;

/**
 * A name safe to show and to hand to a browser's download: the last path component only, no control
 * or bidi character, no character Windows refuses, no device name, no leading dot (no hidden file,
 * no ".."), at most 200 characters with the extension kept. The original stays in `originalName`.
 */
export function safeAttachmentName(original: string, contentType: string, index: number): string {
  let name = original.normalize('NFC').replace(BIDI, '').replace(CONTROLS, '');
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name.replace(WINDOWS_FORBIDDEN, '_').trim().replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (RESERVED.test(name)) name = `_${name}`;
  if (name.length > MAX_NAME) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = Array.from(name.slice(0, name.length - extension.length)).slice(0, MAX_NAME - extension.length).join('') + extension;
  }
  return name || defaultAttachmentName(contentType, index);
}

/**
 * Content-Disposition for a download (RFC 6266): an ASCII fallback for old clients (every other
 * character as "_") and the exact name as RFC 8187 `filename*` (UTF-8, everything outside attr-char
 * percent-encoded, including ' ( ) * that encodeURIComponent leaves).
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
