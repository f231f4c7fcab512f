import { randomUUID } from 'node:crypto';
import { Zip, ZipDeflate, zipSync, strToU8 } from 'fflate';

/**
 * Attachments for the extraction tests, generated in code with the libraries that write these
 * formats (pdf-lib, docx, exceljs, pptxgenjs; OpenDocument packages with fflate, as an office suite
 * writes them: `mimetype` stored first, then content.xml and the manifest), and messages around
 * them. Every document carries a known French phrase, accents included.
 */
export const PHRASE = 'Négociation de la convention collective : rémunération des employés à Québec';

const CRLF = '\r\n';

export interface Part {
  filename?: string;
  contentType: string;
  body: Buffer | string;
  disposition?: 'attachment' | 'inline';
  contentId?: string;
}

/** A multipart/mixed message: a text or HTML body, then the parts as base64 attachments. */
export function message(options: { subject?: string; text?: string; html?: string; parts?: Part[] }): Buffer {
  const b = `mixed-${randomUUID()}`;
  const section = (headers: string[], body: string) => [`--${b}`, ...headers, '', body].join(CRLF);
  const sections: string[] = [];
  if (options.text !== undefined) sections.push(section(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], base64(Buffer.from(options.text, 'utf8'))));
  if (options.html !== undefined) sections.push(section(['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64'], base64(Buffer.from(options.html, 'utf8'))));
  for (const part of options.parts ?? []) {
    const headers = [`Content-Type: ${part.contentType}${part.filename ? `; name="${part.filename}"` : ''}`];
    headers.push(`Content-Disposition: ${part.disposition ?? 'attachment'}${part.filename ? `; filename="${part.filename}"` : ''}`);
    if (part.contentId) headers.push(`Content-ID: <${part.contentId}>`);
    if (part.contentType === 'message/rfc822') sections.push(section(headers, String(part.body)));
    else sections.push(section([...headers, 'Content-Transfer-Encoding: base64'], base64(Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body, 'utf8'))));
  }
  const lines = [
    'From: "Geneviève Tremblay" <gtremblay@spgq.local>',
    'To: "Marc Côté" <mcote@spgq.local>',
    `Subject: =?UTF-8?B?${Buffer.from(options.subject ?? 'Pièces jointes', 'utf8').toString('base64')}?=`,
    'Date: Tue, 03 Feb 2026 10:00:00 +0000',
    `Message-ID: <${randomUUID()}@spgq.local>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    ...sections,
    `--${b}--`,
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

function base64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/.{76}/g, `$&${CRLF}`);
}

export async function pdf(text = PHRASE): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage().drawText(text, { x: 40, y: 700, size: 11, font });
  doc.addPage().drawText('Deuxième page : fin du document.', { x: 40, y: 700, size: 11, font });
  return Buffer.from(await doc.save());
}

/**
 * A PDF protected by a user password (Standard security handler, revision 2): its trailer names an
 * /Encrypt dictionary whose /U entry no empty password matches, as a password-protected file's.
 */
export async function encryptedPdf(): Promise<Buffer> {
  const { PDFDocument, StandardFonts, PDFHexString } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage().drawText(PHRASE, { x: 40, y: 700, size: 11, font });
  const encrypt = doc.context.obj({ Filter: 'Standard', V: 1, R: 2, O: PDFHexString.of('00'.repeat(32)), U: PDFHexString.of('11'.repeat(32)), P: -4 });
  doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of('ab'.repeat(16)), PDFHexString.of('ab'.repeat(16))]);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A PDF of `pages` pages of text: reading it takes PDF.js far more than a millisecond on any machine. */
export async function longPdf(pages: number): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage();
    for (let line = 0; line < 40; line++) page.drawText(`${p}.${line} ${PHRASE}`.slice(0, 95), { x: 30, y: 780 - line * 18, size: 9, font });
  }
  return Buffer.from(await doc.save());
}

export async function docx(text = PHRASE): Promise<Buffer> {
  const { Document, Packer, Paragraph, TextRun } = await import('docx');
  const doc = new Document({ sections: [{ children: [new Paragraph({ children: [new TextRun('Procès-verbal')] }), new Paragraph({ children: [new TextRun(text)] })] }] });
  return Packer.toBuffer(doc);
}

export async function xlsx(text = PHRASE, rows = 3): Promise<Buffer> {
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Budget');
  sheet.addRow(['Poste', 'Montant']);
  sheet.addRow([text, 1234.5]);
  for (let i = 0; i < rows; i++) sheet.addRow([`Ligne ${i} ${(i * 7919) % 100_003}`, i]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function pptx(text = PHRASE): Promise<Buffer> {
  const PptxGenJS = (await import('pptxgenjs')).default;
  const deck = new PptxGenJS();
  deck.addSlide().addText('Ordre du jour', { x: 1, y: 1, w: 8, h: 1 });
  const slide = deck.addSlide();
  slide.addText(text, { x: 1, y: 1, w: 8, h: 1 });
  slide.addNotes('Notes de l’orateur : assemblée générale');
  return (await deck.write({ outputType: 'nodebuffer' })) as Buffer;
}

const ODF_TYPES = { odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet', odp: 'application/vnd.oasis.opendocument.presentation' } as const;

/** An OpenDocument package (text, spreadsheet or presentation) holding `text`. */
export function odf(kind: keyof typeof ODF_TYPES, text = PHRASE, options: { encrypted?: boolean } = {}): Buffer {
  const ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"';
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body =
    kind === 'odt'
      ? `<office:text><text:h>Titre</text:h><text:p>${escaped}</text:p><text:p>Fin<text:s/>du<text:tab/>texte</text:p></office:text>`
      : kind === 'ods'
        ? `<office:spreadsheet><table:table table:name="Feuille1"><table:table-row><table:table-cell><text:p>${escaped}</text:p></table:table-cell><table:table-cell><text:p>42</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>`
        : `<office:presentation><draw:page draw:name="p1"><draw:frame><draw:text-box><text:p>${escaped}</text:p></draw:text-box></draw:frame></draw:page></office:presentation>`;
  const content = `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${ns} office:version="1.3"><office:body>${body}</office:body></office:document-content>`;
  const encryption = options.encrypted ? '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/></manifest:encryption-data>' : '';
  const manifest = `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="${ODF_TYPES[kind]}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">${encryption}</manifest:file-entry></manifest:manifest>`;
  return Buffer.from(zipSync({ mimetype: [strToU8(ODF_TYPES[kind]), { level: 0 }], 'content.xml': strToU8(content), 'META-INF/manifest.xml': strToU8(manifest) }));
}

export function rtf(): Buffer {
  // As Word writes French: windows-1252 escapes (\'e9) and Unicode escapes with their fallback (\u233?).
  const source = String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times New Roman;}}{\colortbl;\red0\green0\blue0;}{\*\generator Msftedit 5.41;}\f0\fs24 N\'e9gociation de la convention collective : r\'e9mun\u233?ration des employ\'e9s \'e0 Qu\'e9bec\par Deuxi\'e8me paragraphe.\par}`;
  return Buffer.from(source, 'latin1');
}

/**
 * A .docx whose document.xml is `megabytes` of zeros: tiny compressed, huge inflated. Written with
 * fflate's streaming zip so the test never holds the inflated bytes.
 */
export function zipBombDocx(megabytes = 64): Buffer {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    chunks.push(data);
  });
  const add = (name: string, text: string) => {
    const entry = new ZipDeflate(name, { level: 6 });
    zip.add(entry);
    entry.push(strToU8(text), true);
  };
  add('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>');
  const document = new ZipDeflate('word/document.xml', { level: 6 });
  zip.add(document);
  const zeros = new Uint8Array(1024 * 1024).fill(0x30);
  for (let i = 0; i < megabytes; i++) document.push(zeros, i === megabytes - 1);
  zip.end();
  return Buffer.concat(chunks);
}

/** Starts like a PDF, then nothing PDF.js can make a document of. */
export function malformedPdf(): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R', 'latin1'), Buffer.alloc(2048, 0x8f), Buffer.from('\nstartxref\n999999\n%%EOF\n')]);
}

/** An .xlsx with `count` distinct shared strings: small on disk, far more than a small heap in objects. */
export function manyStringsXlsx(count: number): Buffer {
  const strings: string[] = [];
  const cells: string[] = [];
  for (let i = 0; i < count; i++) {
    strings.push(`<si><t>valeur ${((i * 2654435761) >>> 0).toString(36)} ${i}</t></si>`);
    cells.push(`<row r="${i + 1}"><c r="A${i + 1}" t="s"><v>${i}</v></c></row>`);
  }
  const files = {
    '[Content_Types].xml': strToU8('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    '_rels/.rels': strToU8('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    'xl/workbook.xml': strToU8('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    'xl/_rels/workbook.xml.rels': strToU8('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
    'xl/sharedStrings.xml': strToU8(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${count}" uniqueCount="${count}">${strings.join('')}</sst>`),
    'xl/worksheets/sheet1.xml': strToU8(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${cells.join('')}</sheetData></worksheet>`),
  };
  return Buffer.from(zipSync(files));
}

/**
 * A zip bomb that lies: its central directory says document.xml inflates to `declared` bytes while
 * its data inflates to `megabytes` MB, so no check of declared sizes or ratio can see it.
 */
export function lyingZipBombDocx(megabytes = 64, declared = 1000): Buffer {
  const zip = zipBombDocx(megabytes);
  const name = Buffer.from('word/document.xml');
  // Central directory entries (PK\x01\x02): uncompressed size at offset 24, name at offset 46.
  for (let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    if (zip.subarray(at + 46, at + 46 + name.length).equals(name)) zip.writeUInt32LE(declared, at + 24);
  }
  return zip;
}
