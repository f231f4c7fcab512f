/**
 * `npm run build:document-templates`: writes the union's document templates to
 * config/document-templates/ (lettre.dotx, note-service.dotx, budget.xltx, presentation.potx,
 * convocation.html), the files config/collaboration-template.json lists under `documentTemplates`.
 *
 * The Office libraries write documents (.docx, .xlsx, .pptx); each package is then made a template:
 * the main part's content type in [Content_Types].xml becomes the template one. The packages are
 * rewritten with fixed dates (docProps/core.xml and every zip entry, BUILD_DATE) and a fixed entry
 * order, so a rebuild of unchanged content gives the same bytes and the engine does not re-place
 * the templates in every space.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { BUILD_DATE } from './brand';
import { convocationEmail } from './email';
import { budgetTemplate } from './excel';
import { presentationTemplate } from './powerpoint';
import { letterTemplate, memoTemplate } from './word';

export type OfficeKind = 'word' | 'excel' | 'powerpoint';

/** Content type of the main part: of the document the library writes, and of the template it becomes. */
export const MAIN_CONTENT_TYPES: Record<OfficeKind, { document: string; template: string }> = {
  word: {
    document: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    template: 'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml',
  },
  excel: {
    document: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
    template: 'application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml',
  },
  powerpoint: {
    document: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
    template: 'application/vnd.openxmlformats-officedocument.presentationml.template.main+xml',
  },
};

export const OUTPUT_DIR = path.resolve(__dirname, '..', '..', 'config', 'document-templates');

/** W3CDTF without milliseconds, as Office writes it. */
const w3cdtf = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A document package made a template, with fixed dates and entry order. Throws when the package is
 * not what the library used to write (no main part of the expected type, no core properties), so a
 * library upgrade cannot silently produce a document instead of a template.
 */
export async function asTemplate(bytes: Uint8Array, kind: OfficeKind, date: Date = BUILD_DATE): Promise<Buffer> {
  const source = await JSZip.loadAsync(bytes);
  const { document, template } = MAIN_CONTENT_TYPES[kind];
  const patched = new Map<string, Uint8Array | string>();

  const types = await source.file('[Content_Types].xml')?.async('string');
  if (!types) throw new Error(`${kind}: the package has no [Content_Types].xml`);
  const quoted = `ContentType="${document}"`;
  if (types.split(quoted).length !== 2) throw new Error(`${kind}: expected exactly one part of content type ${document} in [Content_Types].xml`);
  patched.set('[Content_Types].xml', types.replace(quoted, `ContentType="${template}"`));

  const core = await source.file('docProps/core.xml')?.async('string');
  if (!core) throw new Error(`${kind}: the package has no docProps/core.xml`);
  let stamped = core;
  for (const element of ['created', 'modified']) {
    const re = new RegExp(`(<dcterms:${element}\\b[^>]*>)[^<]*(</dcterms:${element}>)`);
    if (!re.test(stamped)) throw new Error(`${kind}: docProps/core.xml has no dcterms:${element}`);
    stamped = stamped.replace(re, `$1${w3cdtf(date)}$2`);
  }
  patched.set('docProps/core.xml', stamped);

  const names = Object.values(source.files)
    .filter((f) => !f.dir)
    .map((f) => f.name)
    .sort((a, b) => (a === '[Content_Types].xml' ? -1 : b === '[Content_Types].xml' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const out = new JSZip();
  for (const name of names) {
    const content = patched.get(name) ?? (await source.file(name)!.async('uint8array'));
    out.file(name, content, { date, createFolders: false, binary: typeof content !== 'string' });
  }
  return out.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 }, platform: 'DOS' });
}

/** Every template, by file name under config/document-templates/. */
export async function buildDocumentTemplates(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  files.set('lettre.dotx', await asTemplate(await letterTemplate(), 'word'));
  files.set('note-service.dotx', await asTemplate(await memoTemplate(), 'word'));
  files.set('budget.xltx', await asTemplate(await budgetTemplate(), 'excel'));
  files.set('presentation.potx', await asTemplate(await presentationTemplate(), 'powerpoint'));
  files.set('convocation.html', Buffer.from(convocationEmail(), 'utf8'));
  return files;
}

async function main() {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const [name, bytes] of await buildDocumentTemplates()) {
    writeFileSync(path.join(OUTPUT_DIR, name), bytes);
    console.log(`${path.relative(process.cwd(), path.join(OUTPUT_DIR, name))}  ${bytes.length} bytes`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
