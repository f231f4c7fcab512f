import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { extractMessageText, ExtractionPool, type ExtractedMessage } from '../../shared/archive/extraction';
import { message, PHRASE, pdf, docx, xlsx, pptx, odf, rtf, encryptedPdf, type Part } from './fixtures';

/**
 * Every format the archive indexes gives back the known French phrase, accents included, through
 * the real worker pool and the real libraries (no fake of anything).
 */
const pool = new ExtractionPool({ workers: 2 });
afterAll(() => pool.close());

async function only(part: Part, text = 'Voir la pièce jointe.'): Promise<ExtractedMessage> {
  return extractMessageText(message({ text, parts: [part] }), { timeoutMs: 120_000 }, pool);
}

function words(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

describe('archive text extraction: formats', () => {
  it.each([
    ['rapport.pdf', 'application/pdf', pdf],
    ['procès-verbal.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', docx],
    // Mail clients often send Office files as application/octet-stream: the extension decides.
    ['budget.xlsx', 'application/octet-stream', xlsx],
    ['présentation.pptx', 'application/octet-stream', pptx],
    ['lettre.odt', 'application/vnd.oasis.opendocument.text', async () => odf('odt')],
    ['tableau.ods', 'application/vnd.oasis.opendocument.spreadsheet', async () => odf('ods')],
    ['diapos.odp', 'application/octet-stream', async () => odf('odp')],
    ['note.rtf', 'application/rtf', async () => rtf()],
    // Word 97-2003: the fixtures' document saved by LibreOffice (make-doc-fixture.ts).
    ['ancien.doc', 'application/msword', async () => readFileSync(path.join(__dirname, '../fixtures/archive-extraction/proces-verbal.doc'))],
  ])('%s (%s) is indexed with its text', { timeout: 180_000 }, async (filename, contentType, make) => {
    const result = await only({ filename, contentType, body: await make() });
    expect(result.notIndexed).toEqual([]);
    expect(result.attachments).toHaveLength(1);
    expect(result.attachments[0]).toMatchObject({ name: filename, status: 'indexed' });
    expect(words(result.attachments[0]!.text)).toContain(PHRASE);
    expect(result.body).toBe('Voir la pièce jointe.');
  });

  it('keeps a spreadsheet cell by cell and a slide deck in slide order with its notes', { timeout: 180_000 }, async () => {
    const sheet = await only({ filename: 'tableau.ods', contentType: 'application/octet-stream', body: odf('ods') });
    expect(sheet.attachments[0]!.text).toContain(`${PHRASE}\t42`);
    const deck = await only({ filename: 'présentation.pptx', contentType: 'application/octet-stream', body: await pptx() });
    const text = deck.attachments[0]!.text;
    expect(text.indexOf('Ordre du jour')).toBeLessThan(text.indexOf(PHRASE));
    expect(text.indexOf(PHRASE)).toBeLessThan(text.indexOf('Notes de l’orateur'));
  });

  it('decodes a text attachment in its declared charset, and guesses windows-1252 for bytes that are not UTF-8', { timeout: 180_000 }, async () => {
    const latin1 = Buffer.from(PHRASE, 'latin1');
    const declared = await only({ filename: 'notes.txt', contentType: 'text/plain; charset=iso-8859-1', body: latin1 });
    expect(declared.attachments[0]).toMatchObject({ status: 'indexed', text: PHRASE });
    const unlabelled = await only({ filename: 'notes.csv', contentType: 'application/octet-stream', body: latin1 });
    expect(unlabelled.attachments[0]).toMatchObject({ status: 'indexed', text: PHRASE });
  });

  it('turns an HTML body into text without its scripts, styles or link targets', { timeout: 180_000 }, async () => {
    const html = `<html><head><title>Titre caché</title><style>p { color: red } .secret-style {}</style><script>var secretScript = 1;</script></head>
      <body><h1>Assemblée générale</h1><p>Réunion <b>syndicale</b> à <a href="https://exemple.org/piste">Montréal</a>.</p>
      <noscript>sans script</noscript><script>document.write('injecté')</script><img src="https://exemple.org/pixel.gif" alt="pixel"></body></html>`;
    const result = await extractMessageText(message({ html }), { timeoutMs: 120_000 }, pool);
    expect(result.notIndexed).toEqual([]);
    expect(words(result.body)).toContain('Assemblée générale');
    expect(words(result.body)).toContain('Réunion syndicale à Montréal.');
    for (const hidden of ['secretScript', 'secret-style', 'color: red', 'injecté', 'exemple.org', 'Titre caché', 'pixel']) expect(result.body).not.toContain(hidden);
  });

  it('reads a message from a stream (as the content store gives it), in small chunks', { timeout: 180_000 }, async () => {
    const eml = message({ text: 'Corps en flux', parts: [{ filename: 'rapport.pdf', contentType: 'application/pdf', body: await pdf() }] });
    const chunks = Array.from({ length: Math.ceil(eml.length / 1000) }, (_, i) => eml.subarray(i * 1000, (i + 1) * 1000));
    const result = await extractMessageText(Readable.from(chunks), { timeoutMs: 120_000 }, pool);
    expect(result.body).toBe('Corps en flux');
    expect(result.attachments[0]!.text).toContain(PHRASE);
  });

  it('a failing source (storage) rejects with its error: it is not recorded against the message', { timeout: 180_000 }, async () => {
    const eml = message({ text: 'Corps', parts: [{ filename: 'rapport.pdf', contentType: 'application/pdf', body: await pdf() }] });
    const failing = new Readable({ read() {} });
    failing.push(eml.subarray(0, 500));
    setImmediate(() => failing.destroy(new Error('blob read failed')));
    await expect(extractMessageText(failing, { timeoutMs: 120_000 }, pool)).rejects.toThrow('blob read failed');
  });

  it('prefers the text/plain body when the message has both', { timeout: 180_000 }, async () => {
    const result = await extractMessageText(message({ text: 'Version texte', html: '<p>Version HTML</p>' }), { timeoutMs: 120_000 }, pool);
    expect(result.body).toBe('Version texte');
  });

  it('follows a forwarded message: its headers, HTML body and attachments are the text of that attachment', { timeout: 180_000 }, async () => {
    const inner = message({ subject: 'Grief n° 2026-14', html: '<p>Rencontre prévue <script>x()</script>le 12 mars</p>', parts: [{ filename: 'entente.docx', contentType: 'application/octet-stream', body: await docx() }] });
    const result = await only({ filename: 'transfert.eml', contentType: 'message/rfc822', body: inner.toString('utf8') }, 'Je te transfère.');
    expect(result.notIndexed).toEqual([]);
    const attachment = result.attachments[0]!;
    expect(attachment).toMatchObject({ name: 'transfert.eml', contentType: 'message/rfc822', status: 'indexed' });
    expect(attachment.text).toContain('Grief n° 2026-14');
    expect(attachment.text).toContain('Geneviève Tremblay');
    expect(words(attachment.text)).toContain('Rencontre prévue le 12 mars');
    expect(attachment.text).not.toContain('x()');
    expect(words(attachment.text)).toContain(PHRASE);
  });

  it('records what it cannot read: legacy Excel and PowerPoint files, images and archives are unsupported, password-protected PDF, Word and OpenDocument files are encrypted', { timeout: 180_000 }, async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
    const eml = message({
      text: 'Pièces diverses',
      parts: [
        { filename: 'ancien.xls', contentType: 'application/vnd.ms-excel', body: ole },
        { filename: 'photo.jpg', contentType: 'image/jpeg', body: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) },
        { filename: 'logo.png', contentType: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47]), disposition: 'inline', contentId: 'logo@spgq' },
        { filename: 'protégé.docx', contentType: 'application/octet-stream', body: ole },
        { filename: 'secret.odt', contentType: 'application/octet-stream', body: odf('odt', PHRASE, { encrypted: true }) },
        { filename: 'confidentiel.pdf', contentType: 'application/pdf', body: await encryptedPdf() },
      ],
    });
    const result = await extractMessageText(eml, { timeoutMs: 120_000 }, pool);
    // The inline image shown in the body through cid: is not an attachment (as in the reader).
    expect(result.attachments.map((a) => [a.name, a.status, a.reason])).toEqual([
      ['ancien.xls', 'not_indexed', 'unsupported_format'],
      ['photo.jpg', 'not_indexed', 'unsupported_format'],
      ['protégé.docx', 'not_indexed', 'encrypted'],
      ['secret.odt', 'not_indexed', 'encrypted'],
      ['confidentiel.pdf', 'not_indexed', 'encrypted'],
    ]);
    expect(result.notIndexed).toEqual([
      { part: 'ancien.xls', reason: 'unsupported_format' },
      { part: 'photo.jpg', reason: 'unsupported_format' },
      { part: 'protégé.docx', reason: 'encrypted' },
      { part: 'secret.odt', reason: 'encrypted' },
      { part: 'confidentiel.pdf', reason: 'encrypted' },
    ]);
    expect(result.body).toBe('Pièces diverses');
  });
});
