import type { NotIndexedReason, PartResult, PartTask } from './model';

/**
 * The extractors, one well-kept library per format (docs/decisions/0021): PDF with unpdf (PDF.js),
 * Word with mammoth (Word 97-2003 with word-extractor), Excel with exceljs, PowerPoint and OpenDocument through fflate (unzip) and
 * fast-xml-parser (XML), RTF with rtf-stream-parser, HTML with html-to-text. Runs inside a worker
 * thread (worker.ts): a file that loops or swells is stopped from outside, so nothing here needs
 * to guard against time or heap. Libraries load on first use: a worker pays only for what it meets.
 */

/** A failure whose reason is known (thrown by the guards below, mapped by `extractPart`). */
export class ExtractionFailure extends Error {
  constructor(readonly reason: NotIndexedReason) {
    super(reason);
  }
}

export async function extractPart(task: PartTask): Promise<PartResult> {
  try {
    const text = await EXTRACTORS[task.format](task);
    // Control characters other than tab and line breaks are noise in an index (and in highlights).
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\r\n?/g, '\n');
    const truncated = clean.length > task.limits.maxChars;
    return { ok: true, text: truncated ? clean.slice(0, task.limits.maxChars) : clean, truncated };
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
}

function reasonOf(error: unknown): NotIndexedReason {
  if (error instanceof ExtractionFailure) return error.reason;
  // PDF.js names its errors: a password (user or owner-only with no way in) is encryption.
  if ((error as { name?: string } | undefined)?.name === 'PasswordException') return 'encrypted';
  return 'malformed';
}

const EXTRACTORS: Record<PartTask['format'], (task: PartTask) => Promise<string>> = {
  text: async (task) => decodeText(task.bytes, task.charset),
  html: async (task) => htmlToText(decodeText(task.bytes, task.charset)),
  pdf: pdfText,
  doc: docText,
  docx: docxText,
  xlsx: xlsxText,
  pptx: pptxText,
  odf: odfText,
  rtf: rtfText,
};

/**
 * Bytes as text in the part's declared charset (Node's TextDecoder knows the WHATWG labels, with
 * full ICU: windows-1252, iso-8859-15, ...). Without a charset, or with one it does not know:
 * UTF-8 when the bytes are valid UTF-8, else windows-1252 (what French mail without a label is).
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  if (charset) {
    try {
      return new TextDecoder(charset.trim().toLowerCase()).decode(bytes);
    } catch {
      // Unknown label: guess below.
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

let htmlConverter: ((html: string) => string) | undefined;

/** HTML to readable text: no script, style or head content, no link targets or images. */
export function htmlToText(html: string): string {
  // Compiled once per worker: html-to-text's convert() would rebuild its selector tree every call.
  htmlConverter ??= (require('html-to-text') as typeof import('html-to-text')).compile({
    wordwrap: false,
    selectors: [
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'head', format: 'skip' },
      { selector: 'noscript', format: 'skip' },
      { selector: 'template', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
    ],
  });
  return htmlConverter(html);
}

async function pdfText(task: PartTask): Promise<string> {
  const { getDocumentProxy } = require('unpdf') as typeof import('unpdf');
  // verbosity 0: PDF.js would otherwise print warnings about a damaged file to the console.
  const pdf = await getDocumentProxy(task.bytes, { verbosity: 0, disableFontFace: true, useSystemFonts: false });
  try {
    let text = '';
    // Page by page, stopping at the character limit: a 10,000-page PDF is not read to the end.
    for (let n = 1; n <= pdf.numPages && text.length <= task.limits.maxChars; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
      }
      text += '\n\n';
      page.cleanup();
    }
    return text;
  } finally {
    await pdf.loadingTask.destroy();
  }
}

/**
 * The entries of an Office Open XML or OpenDocument package, read under the zip-bomb limits.
 * fflate inflates each entry into a buffer of its declared size and never grows it, so a package
 * that lies about its sizes cannot make more than the declared total; the declared total, the
 * entry count and the ratio are checked before anything is inflated. A DTD in any XML entry is
 * refused (neither format uses one; entity expansion is the XML form of a bomb).
 */
export function readPackage(bytes: Uint8Array, limits: PartTask['limits'], wanted: (name: string) => boolean = () => true): Record<string, Uint8Array> {
  const { unzipSync } = require('fflate') as typeof import('fflate');
  let entries = 0;
  let uncompressed = 0;
  let compressed = 0;
  // First pass: the central directory only (the filter sees every entry and keeps none).
  try {
    unzipSync(bytes, {
      filter: (file) => {
        entries++;
        uncompressed += file.originalSize;
        compressed += file.size;
        if (entries > limits.maxZipEntries || uncompressed > limits.maxZipUncompressedBytes) throw new ExtractionFailure('zip_bomb');
        return false;
      },
    });
  } catch (error) {
    throw error instanceof ExtractionFailure ? error : new ExtractionFailure('malformed');
  }
  if (uncompressed > 1024 * 1024 && uncompressed / Math.max(compressed, 1) > limits.maxZipRatio) throw new ExtractionFailure('zip_bomb');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (file) => wanted(file.name) });
  } catch {
    throw new ExtractionFailure('malformed');
  }
  for (const [name, data] of Object.entries(files)) {
    if (/\.(xml|rels)$/i.test(name) && /<!(DOCTYPE|ENTITY)/i.test(Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, 4096)).toString('latin1'))) throw new ExtractionFailure('malformed');
  }
  return files;
}

/** The package's checked entries written again as a plain zip (stored): what mammoth and exceljs read. */
function repack(files: Record<string, Uint8Array>): Buffer {
  const { zipSync } = require('fflate') as typeof import('fflate');
  const out = zipSync(files, { level: 0 });
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

/** Word 97-2003 through word-extractor (reads the OLE container and the document's piece table). */
async function docText(task: PartTask): Promise<string> {
  const WordExtractor = require('word-extractor') as typeof import('word-extractor');
  const document = await new WordExtractor().extract(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.length));
  return [document.getBody(), document.getFootnotes(), document.getEndnotes(), document.getHeaders({ includeFooters: true })].filter((t) => t.trim()).join('\n\n');
}

async function docxText(task: PartTask): Promise<string> {
  const files = readPackage(task.bytes, task.limits);
  const mammoth = require('mammoth') as typeof import('mammoth');
  const result = await mammoth.extractRawText({ buffer: repack(files) });
  return result.value;
}

async function xlsxText(task: PartTask): Promise<string> {
  const files = readPackage(task.bytes, task.limits);
  const ExcelJS = require('exceljs') as typeof import('exceljs');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(repack(files) as unknown as ArrayBuffer);
  const lines: string[] = [];
  let size = 0;
  workbook.eachSheet((sheet) => {
    lines.push(sheet.name);
    sheet.eachRow((row) => {
      if (size > task.limits.maxChars) return;
      const cells: string[] = [];
      row.eachCell((cell) => {
        const text = cell.text;
        if (text) cells.push(text);
      });
      const line = cells.join('\t');
      size += line.length + 1;
      lines.push(line);
    });
  });
  return lines.join('\n');
}

const XML_OPTIONS = { ignoreAttributes: true, preserveOrder: true, processEntities: true, htmlEntities: false, parseTagValue: false, trimValues: false } as const;

type XmlNode = Record<string, unknown>;

/** How an XML vocabulary lays out its text: a line after a paragraph, a tab after a cell, ... */
interface XmlLayout {
  /** Elements followed by a line break (paragraphs, headings, rows). */
  lines: Set<string>;
  /** Elements followed by a tab (table cells). */
  cells: Set<string>;
  /** Empty elements that stand for a tab. */
  tabs: Set<string>;
  /** Empty elements that stand for a space or a line break inside a paragraph. */
  spaces: Set<string>;
  /** Elements whose text is not the document's (fields computed by the application). */
  skip: Set<string>;
}

/** The text of an XML tree in document order, laid out as `layout` says. */
function xmlText(xml: Uint8Array, layout: XmlLayout): string {
  const { XMLParser } = require('fast-xml-parser') as typeof import('fast-xml-parser');
  const tree = new XMLParser(XML_OPTIONS).parse(Buffer.from(xml.buffer, xml.byteOffset, xml.length).toString('utf8')) as XmlNode[];
  const out: string[] = [];
  const walk = (nodes: XmlNode[]) => {
    for (const node of nodes) {
      for (const [key, value] of Object.entries(node)) {
        if (key === ':@' || layout.skip.has(key)) continue;
        if (key === '#text') out.push(String(value));
        else if (layout.tabs.has(key)) out.push('\t');
        else if (layout.spaces.has(key)) out.push(' ');
        else if (Array.isArray(value)) {
          walk(value as XmlNode[]);
          if (layout.lines.has(key)) out.push('\n');
          else if (layout.cells.has(key)) {
            // A cell's last paragraph ends the cell, not the row.
            if (out.at(-1) === '\n') out.pop();
            out.push('\t');
          }
        }
      }
    }
  };
  walk(tree);
  return out.join('');
}

const none = new Set<string>();
const PPTX_LAYOUT: XmlLayout = { lines: new Set(['a:p']), cells: new Set(['a:tc']), tabs: new Set(['a:tab']), spaces: new Set(['a:br']), skip: none };
const ODF_LAYOUT: XmlLayout = {
  lines: new Set(['text:p', 'text:h', 'table:table-row', 'draw:page']),
  cells: new Set(['table:table-cell']),
  tabs: new Set(['text:tab']),
  spaces: new Set(['text:s', 'text:line-break']),
  skip: new Set(['office:annotation-end']),
};

/** Slides in their order (slide2 before slide10), each with its speaker notes. */
async function pptxText(task: PartTask): Promise<string> {
  const files = readPackage(task.bytes, task.limits, (name) => /^ppt\/(slides|notesSlides)\/[a-zA-Z]+\d+\.xml$/.test(name));
  const number = (name: string) => Number(/(\d+)\.xml$/.exec(name)?.[1] ?? 0);
  const notes = (name: string) => (name.startsWith('ppt/notesSlides/') ? 1 : 0);
  const parts = Object.keys(files).sort((a, b) => number(a) - number(b) || notes(a) - notes(b));
  return parts.map((name) => xmlText(files[name]!, PPTX_LAYOUT).trim()).filter(Boolean).join('\n\n');
}

/** OpenDocument text, spreadsheet and presentation: content.xml; an encrypted one says so in its manifest. */
async function odfText(task: PartTask): Promise<string> {
  const files = readPackage(task.bytes, task.limits, (name) => name === 'content.xml' || name === 'META-INF/manifest.xml');
  const manifest = files['META-INF/manifest.xml'];
  if (manifest && Buffer.from(manifest.buffer, manifest.byteOffset, manifest.length).includes('encryption-data')) throw new ExtractionFailure('encrypted');
  const content = files['content.xml'];
  if (!content) throw new ExtractionFailure('malformed');
  return xmlText(content, ODF_LAYOUT).trim();
}

/**
 * RTF through rtf-stream-parser: its tokenizer and its ToPlainText processor (group state, font
 * and code-page decoding, \uN with \ucN skipping, destinations such as the font table left out).
 */
async function rtfText(task: PartTask): Promise<string> {
  const { Tokenize } = require('rtf-stream-parser') as typeof import('rtf-stream-parser');
  const { ToPlainText } = require('rtf-stream-parser/dist/src/ToPlainText') as typeof import('rtf-stream-parser/dist/src/ToPlainText');
  const decode = (buf: Buffer, encoding: string) => {
    try {
      return new TextDecoder(encoding).decode(buf);
    } catch {
      return new TextDecoder('windows-1252').decode(buf);
    }
  };
  return new Promise<string>((resolve, reject) => {
    const tokens = new Tokenize();
    const text = new ToPlainText({ decode, warn: () => undefined });
    const out: string[] = [];
    tokens.on('error', reject);
    text.on('error', reject);
    text.on('data', (chunk: string | Buffer) => out.push(String(chunk)));
    text.on('end', () => resolve(out.join('')));
    tokens.pipe(text);
    tokens.end(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.length));
  });
}
