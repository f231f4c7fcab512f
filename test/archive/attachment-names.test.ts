import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AttachmentNameScanner } from '../../shared/archive/capture/attachment-names';
import { HOSTILE_SAFE_NAMES, hostileAttachmentsMessage } from '../support/hostile-mime';

const CRLF = '\r\n';

function base64Body(bytes: number): string {
  const text = randomBytes(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join(CRLF);
}

/** A message with nested multiparts, an inline image (shown through cid:, so not listed), RFC 2231 and RFC 2047 names, and body lines starting with "-". */
function sampleMime(eol = CRLF): Buffer {
  const lines = [
    'From: Alice <alice@syndicat-exemple.ca>',
    'Subject: =?UTF-8?B?UHJvY8OocyB2ZXJiYWw=?=',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'This is a multi-part message in MIME format.',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Bonjour,',
    '- une ligne qui commence par un tiret',
    '-- et une autre par deux (pas une frontière de partie)',
    'Content-Disposition: attachment; filename="piège.txt"',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Bonjour</p>',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf; name="proces-verbal.pdf"',
    'Content-Disposition: attachment;',
    '\tfilename="proc\u00e8s-verbal.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    base64Body(3000),
    '--outer',
    'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    "Content-Disposition: attachment; filename*0*=utf-8''Convention%20collective;",
    ' filename*1*=%202023-2028.docx',
    'Content-Transfer-Encoding: base64',
    '',
    base64Body(2000),
    '--outer',
    'Content-Type: image/png',
    'Content-ID: <logo@syndicat-exemple.ca>',
    'Content-Disposition: inline; filename="logo.png"',
    'Content-Transfer-Encoding: base64',
    '',
    base64Body(67),
    '--outer',
    'Content-Type: application/zip',
    'Content-Disposition: attachment; filename="=?UTF-8?Q?photos-manifestation_=C3=A9t=C3=A9.zip?="',
    '',
    base64Body(500),
    '--outer--',
    '',
  ];
  return Buffer.from(lines.join(eol), 'utf8');
}

const EXPECTED = ['procès-verbal.pdf', 'Convention collective 2023-2028.docx', 'photos-manifestation été.zip'];

function scan(mime: Buffer, chunkSize: number): string[] {
  const scanner = new AttachmentNameScanner();
  for (let i = 0; i < mime.length; i += chunkSize) scanner.push(mime.subarray(i, i + chunkSize));
  return scanner.finish();
}

describe('attachment name scanner', () => {
  it('finds attachment names (RFC 2231, RFC 2047, folded headers) and ignores inline parts and body text', () => {
    expect(scan(sampleMime(), 64 * 1024)).toEqual(EXPECTED);
  });

  it('gives the same names whatever the chunk boundaries, down to one byte at a time', () => {
    const mime = sampleMime();
    for (const size of [1, 2, 3, 5, 7, 13, 76, 77, 78, 79, 1000, 4096]) expect(scan(mime, size), `chunks of ${size}`).toEqual(EXPECTED);
  });

  it('reads bare LF line ends too', () => {
    expect(scan(sampleMime('\n'), 1)).toEqual(EXPECTED);
    expect(scan(sampleMime('\n'), 100)).toEqual(EXPECTED);
  });

  it('survives an endless line and a message without final line end', () => {
    const endless = Buffer.concat([Buffer.from(`Content-Type: multipart/mixed; boundary="b"${CRLF}${CRLF}--b${CRLF}Content-Disposition: attachment; filename="a.pdf"${CRLF}${CRLF}`), Buffer.alloc(100_000, 0x41), Buffer.from(`${CRLF}--b${CRLF}Content-Disposition: attachment; filename="b.pdf"`)]);
    expect(scan(endless, 4096)).toEqual(['a.pdf', 'b.pdf']);
    expect(scan(endless, 100_003)).toEqual(['a.pdf', 'b.pdf']);
  });

  it('names hostile attachments safely, and counts unnamed parts, forwarded messages and invitations', () => {
    expect(scan(hostileAttachmentsMessage(), 7)).toEqual(HOSTILE_SAFE_NAMES);
  });
});

