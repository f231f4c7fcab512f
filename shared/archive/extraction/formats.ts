import type { NotIndexedReason, PartFormat } from './model';

/**
 * Which extractor a part goes to, from its declared type and its name's extension, checked against
 * its first bytes where the format has a signature. Pure: no library.
 */
export type Detected = { format: PartFormat | 'message' } | { reason: NotIndexedReason };

const BY_EXTENSION: Record<string, PartFormat | 'message' | 'legacy'> = {
  pdf: 'pdf',
  docx: 'docx', docm: 'docx', dotx: 'docx', dotm: 'docx',
  xlsx: 'xlsx', xlsm: 'xlsx', xltx: 'xlsx', xltm: 'xlsx',
  pptx: 'pptx', pptm: 'pptx', potx: 'pptx', potm: 'pptx', ppsx: 'pptx', ppsm: 'pptx',
  odt: 'odf', ods: 'odf', odp: 'odf', ott: 'odf', ots: 'odf', otp: 'odf', odg: 'odf',
  rtf: 'rtf',
  htm: 'html', html: 'html',
  txt: 'text', csv: 'text', tsv: 'text', md: 'text', log: 'text', ics: 'text', vcf: 'text', json: 'text', xml: 'text',
  eml: 'message',
  // Word 97-2003 (an OLE compound document): word-extractor. The other legacy binary Office files
  // and Outlook's .msg: no maintained extractor on npm.
  doc: 'doc', dot: 'doc',
  xls: 'legacy', xlt: 'legacy', ppt: 'legacy', pot: 'legacy', pps: 'legacy', msg: 'legacy',
};

function byContentType(contentType: string): PartFormat | 'message' | 'legacy' | undefined {
  if (contentType === 'message/rfc822') return 'message';
  if (contentType === 'application/pdf') return 'pdf';
  if (contentType.startsWith('application/vnd.openxmlformats-officedocument.wordprocessingml.') || contentType.startsWith('application/vnd.ms-word.document.macroenabled')) return 'docx';
  if (contentType.startsWith('application/vnd.openxmlformats-officedocument.spreadsheetml.') || contentType.startsWith('application/vnd.ms-excel.sheet.macroenabled')) return 'xlsx';
  if (contentType.startsWith('application/vnd.openxmlformats-officedocument.presentationml.') || contentType.startsWith('application/vnd.ms-powerpoint.presentation.macroenabled')) return 'pptx';
  if (contentType.startsWith('application/vnd.oasis.opendocument.')) return 'odf';
  if (contentType === 'application/rtf' || contentType === 'text/rtf') return 'rtf';
  if (contentType === 'application/msword') return 'doc';
  if (contentType === 'application/vnd.ms-excel' || contentType === 'application/vnd.ms-powerpoint' || contentType === 'application/vnd.ms-outlook') return 'legacy';
  if (contentType === 'text/html') return 'html';
  if (contentType.startsWith('text/') || contentType === 'application/json' || contentType === 'application/xml') return 'text';
  return undefined;
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * The extension wins over a generic or wrong declared type (mail clients often send
 * application/octet-stream); the declared type decides when the name says nothing. The bytes then
 * confirm: an Office or OpenDocument file must be a zip (an encrypted OOXML file is an OLE
 * container holding the encrypted package: `encrypted`), a PDF must say %PDF near its start.
 */
export function detectFormat(name: string, contentType: string, bytes: Uint8Array): Detected {
  const declared = BY_EXTENSION[extensionOf(name)] ?? byContentType(contentType) ?? sniff(bytes);
  if (declared === undefined || declared === 'legacy') return { reason: 'unsupported_format' };
  if (declared === 'docx' || declared === 'xlsx' || declared === 'pptx' || declared === 'odf') {
    if (startsWith(bytes, OLE)) return { reason: 'encrypted' };
    if (!startsWith(bytes, ZIP)) return { reason: 'malformed' };
  }
  if (declared === 'doc' && !startsWith(bytes, OLE)) return { reason: 'malformed' };
  if (declared === 'pdf' && !Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).includes('%PDF-')) return { reason: 'malformed' };
  return { format: declared };
}

/** A part declared only as application/octet-stream, without a telling name: PDF and RTF have signatures. */
function sniff(bytes: Uint8Array): PartFormat | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return 'pdf';
  if (head.startsWith('{\\rtf')) return 'rtf';
  return undefined;
}
