import { randomUUID } from 'node:crypto';

/**
 * Hostile and malformed messages as raw bytes, written as senders and broken clients write them, for
 * injection through the sandbox's raw MIME control call (SandboxControl.addRawMessage).
 */
const CRLF = '\r\n';

/** Headers a sender's client writes; `date: null` leaves `Date:` out, a string writes it as given. */
function envelope(extra: string[], contentType: string, body: string, options: { date?: string | null } = {}): Buffer {
  const lines = [
    'From: "Carole Externe" <carole@externe.example>',
    'To: "Geneviève Tremblay" <gtremblay@spgq.local>',
    ...(options.date === null ? [] : [`Date: ${options.date ?? 'Tue, 03 Feb 2026 10:00:00 +0000'}`]),
    `Message-ID: <${randomUUID()}@externe.example>`,
    'MIME-Version: 1.0',
    ...extra,
    `Content-Type: ${contentType}`,
    '',
    body,
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

export function plainMessage(subject: string, options: { date?: string | null } = {}): Buffer {
  return envelope([`Subject: ${subject}`], 'text/plain; charset=utf-8', 'Bonjour.\r\n', options);
}

/** Attachment parts whose names try path traversal, control characters, bidi tricks and reserved names. */
export function hostileAttachmentsMessage(): Buffer {
  const b = `mixed-${randomUUID()}`;
  const part = (headers: string[], body: string) => [`--${b}`, ...headers, '', body].join(CRLF);
  const file = (disposition: string, type = 'application/octet-stream') => part([`Content-Type: ${type}`, `Content-Disposition: ${disposition}`, 'Content-Transfer-Encoding: base64'], Buffer.from('contenu').toString('base64'));
  const body = [
    part(['Content-Type: text/plain; charset=utf-8'], 'Voir les pièces.'),
    file('attachment; filename="../../etc/passwd"'),
    file('attachment; filename="C:\\\\Users\\\\Public\\\\rapport.pdf"'),
    file('attachment; filename="CON.txt"'),
    file('attachment; filename="lpt1"'),
    file('attachment; filename="facture\u202Efdp.exe"'),
    file('attachment; filename="a\u0007b\u0000c.txt"'),
    file('attachment; filename="dit \\"bonjour\\".txt"'),
    file("attachment; filename*=utf-8''%C3%A9t%C3%A9%202026.pdf"),
    file("attachment; filename*0*=utf-8''proc%C3%A8s-; filename*1*=verbal.docx"),
    file('attachment; filename="=?UTF-8?B?w6lsw6h2ZS5wZGY=?="'),
    file('attachment'),
    part(['Content-Type: message/rfc822', 'Content-Disposition: attachment'], ['From: a@b.example', 'Subject: Message transféré', '', 'Corps.'].join(CRLF)),
    part(['Content-Type: text/calendar; method=REQUEST; charset=utf-8'], ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'SUMMARY:Assemblée', 'END:VEVENT', 'END:VCALENDAR'].join(CRLF)),
    `--${b}--`,
    '',
  ].join(CRLF);
  return envelope(['Subject: Pièces jointes hostiles'], `multipart/mixed; boundary="${b}"`, body);
}

/** The safe names hostileAttachmentsMessage()'s attachments are indexed and listed under, in order. */
export const HOSTILE_SAFE_NAMES = [
  'passwd', 'rapport.pdf', '_CON.txt', '_lpt1', 'facturefdp.exe', 'abc.txt', 'dit _bonjour_.txt', 'été 2026.pdf', 'procès-verbal.docx', 'élève.pdf',
  'attachment-11', 'message-12.eml', 'invitation-13.ics',
];

/** HTML whose relative and remote URLs would make the reader's browser request elsewhere. */
export function relativeUrlsMessage(): Buffer {
  const b = `related-${randomUUID()}`;
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
  const html = [
    '<p>Bonjour</p>',
    '<img src="/api/archive/messages?subject=grief" alt="relative-root">',
    '<img src="../../relative-dots.png" alt="relative-dots">',
    '<img src="tracker.gif" alt="relative-bare">',
    '<a href="/api/archive/holds">lien-racine</a>',
    '<a href="page.html">lien-relatif</a>',
    '<a href="https://spgq.qc.ca/">lien-absolu</a>',
    '<img src="https://tracker.example/p.gif" alt="remote">',
    '<img src="//tracker.example/p2.gif" alt="protocol-relative">',
    '<img src="cid:logo@spgq" alt="inline-logo">',
  ].join('');
  const body = [
    `--${b}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    `--${b}`,
    'Content-Type: image/png',
    'Content-ID: <logo@spgq>',
    'Content-Disposition: inline; filename="logo.png"',
    'Content-Transfer-Encoding: base64',
    '',
    png,
    `--${b}--`,
    '',
  ].join(CRLF);
  return envelope(['Subject: Liens relatifs'], `multipart/related; boundary="${b}"`, body);
}

/** Parts nested `depth` deep (each a multipart holding the next). */
export function deeplyNestedMessage(depth: number): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 1; i < depth; i++) {
    open.push(`--n${i - 1}`, `Content-Type: multipart/mixed; boundary="n${i}"`, '');
    close.unshift(`--n${i}--`);
  }
  const body = [...open, `--n${depth - 1}`, 'Content-Type: text/plain', '', 'Au fond.', ...close, '--n0--', ''].join(CRLF);
  return envelope(['Subject: Imbrication profonde'], 'multipart/mixed; boundary="n0"', body);
}

/** A header section larger than `bytes` (one long folded header). */
export function hugeHeaderMessage(bytes: number): Buffer {
  const folded = Array.from({ length: Math.ceil(bytes / 70) }, () => ' ' + 'x'.repeat(68)).join(CRLF);
  return envelope(['Subject: En-tête énorme', `X-Padding:${folded}`], 'text/plain; charset=utf-8', 'Corps.');
}

/** `count` sibling parts in one multipart. */
export function manyPartsMessage(count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push('--many', 'Content-Type: text/plain', '', `p${i}`);
  return envelope(['Subject: Dix mille parties'], 'multipart/mixed; boundary="many"', [...parts, '--many--', ''].join(CRLF));
}
