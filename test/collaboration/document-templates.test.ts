import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { asTemplate, buildDocumentTemplates, MAIN_CONTENT_TYPES, type OfficeKind } from '../../dev/document-templates/build';

/**
 * The document templates the collaboration engine copies into each space's "Modèles" folder
 * (config/document-templates/, built by `npm run build:document-templates`): each Office file is a
 * template of its kind, not a renamed document, every file the template config names exists, and
 * the committed files are exactly what the build gives, so a rebuild changes no hash.
 */
const ROOT = path.resolve(__dirname, '../..');
const config = JSON.parse(readFileSync(path.join(ROOT, 'config/collaboration-template.json'), 'utf8')) as {
  documentTemplates: Array<{ key: string; kind: string; file: string }>;
};

const TEMPLATE_TYPES: Record<string, { kind: OfficeKind; mainPart: string; contentType: string }> = {
  dotx: { kind: 'word', mainPart: '/word/document.xml', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml' },
  xltx: { kind: 'excel', mainPart: '/xl/workbook.xml', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml' },
  potx: { kind: 'powerpoint', mainPart: '/ppt/presentation.xml', contentType: 'application/vnd.openxmlformats-officedocument.presentationml.template.main+xml' },
};

/** The main part (the target of the package's officeDocument relationship) and its content type. */
async function mainPart(bytes: Buffer): Promise<{ zip: JSZip; part: string; contentType: string | undefined }> {
  const zip = await JSZip.loadAsync(bytes);
  const rels = await zip.file('_rels/.rels')!.async('string');
  const target = /<Relationship\b[^>]*Type="http:\/\/schemas\.openxmlformats\.org\/officeDocument\/2006\/relationships\/officeDocument"[^>]*\/>/.exec(rels)?.[0];
  const part = '/' + /Target="\/?([^"]+)"/.exec(target ?? '')![1]!;
  const types = await zip.file('[Content_Types].xml')!.async('string');
  const override = new RegExp(`<Override\\b[^>]*PartName="${part.replace(/[.[\]]/g, '\\$&')}"[^>]*/>`).exec(types)?.[0];
  return { zip, part, contentType: override ? /ContentType="([^"]+)"/.exec(override)?.[1] : undefined };
}

const officeTemplates = config.documentTemplates.filter((d) => d.kind !== 'email');
const read = (file: string) => readFileSync(path.join(ROOT, file));
const text = (s: string) => s.replace(/<[^>]+>/g, '');

describe('document templates (config/document-templates/)', () => {
  it('has every file config/collaboration-template.json names', () => {
    expect(config.documentTemplates.length).toBeGreaterThanOrEqual(5);
    for (const d of config.documentTemplates) expect(existsSync(path.join(ROOT, d.file)), d.file).toBe(true);
  });

  it.each(officeTemplates.map((d) => [d.file, d] as const))('%s is a template of its kind', async (file, d) => {
    const expected = TEMPLATE_TYPES[path.extname(file).slice(1)]!;
    expect(expected.kind).toBe(d.kind);
    const { zip, part, contentType } = await mainPart(read(file));
    expect(part).toBe(expected.mainPart);
    expect(contentType).toBe(expected.contentType);
    const types = await zip.file('[Content_Types].xml')!.async('string');
    expect(types).not.toContain(MAIN_CONTENT_TYPES[expected.kind].document);
    expect(zip.file(expected.mainPart.slice(1))).not.toBeNull();
  });

  it('writes the letter and the memo in French (Canada), with their placeholders', async () => {
    const letter = text(await (await JSZip.loadAsync(read('config/document-templates/lettre.dotx'))).file('word/document.xml')!.async('string'));
    for (const s of ['[Ville], le [jour mois année', '[Organisation]', 'Objet : [Objet de la lettre]', 'Veuillez agréer', '[Prénom Nom]']) expect(letter).toContain(s);
    const styles = await (await JSZip.loadAsync(read('config/document-templates/lettre.dotx'))).file('word/styles.xml')!.async('string');
    expect(styles).toMatch(/<w:lang w:val="fr-CA"/);
    const memo = text(await (await JSZip.loadAsync(read('config/document-templates/note-service.dotx'))).file('word/document.xml')!.async('string'));
    for (const s of ['Note de service', 'À :', 'De :', 'Date :', 'Objet :']) expect(memo).toContain(s);
  });

  it('computes the budget by formulas, amounts in the French (Canada) currency format', async () => {
    const zip = await JSZip.loadAsync(read('config/document-templates/budget.xltx'));
    const sheet = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
    expect(sheet).toMatch(/<f>C\d+\*D\d+<\/f>/);
    expect(sheet).toMatch(/<f>SUM\(E\d+:E\d+\)<\/f>/);
    expect(await zip.file('xl/styles.xml')!.async('string')).toContain('[$$-C0C]');
  });

  it('gives the presentation a title, a section and a content slide', async () => {
    const zip = await JSZip.loadAsync(read('config/document-templates/presentation.potx'));
    expect(Object.keys(zip.files).filter((f) => /^ppt\/slides\/slide\d+\.xml$/.test(f))).toHaveLength(3);
    const slides = await Promise.all([1, 2, 3].map(async (i) => text(await zip.file(`ppt/slides/slide${i}.xml`)!.async('string'))));
    expect(slides[0]).toContain('Titre de la présentation');
    expect(slides[1]).toContain('Titre de la section');
    expect(slides[2]).toContain('Titre de la diapositive');
  });

  it('writes the meeting notice e-mail in French first, then English, with the same placeholders', () => {
    const html = read('config/document-templates/convocation.html').toString('utf8');
    expect(html).toMatch(/<html lang="fr-CA">/);
    const english = html.indexOf('<div lang="en-CA">');
    const french = html.indexOf('<div lang="fr-CA">');
    expect(french).toBeGreaterThan(0);
    expect(english).toBeGreaterThan(french);
    expect(html.slice(english)).toContain('Meeting notice');
    const placeholders = (s: string) => [...new Set(s.match(/\{\{[a-z_]+\}\}/g))].sort();
    const fr = placeholders(html.slice(french, english));
    expect(fr).toEqual(expect.arrayContaining(['{{date}}', '{{lieu}}', '{{heure}}']));
    expect(placeholders(html.slice(english))).toEqual(fr);
  });

  it('is exactly what `npm run build:document-templates` writes (the build is deterministic)', async () => {
    const built = await buildDocumentTemplates();
    expect(built.size).toBeGreaterThan(0);
    for (const name of built.keys()) expect(config.documentTemplates.map((d) => d.file)).toContain(`config/document-templates/${name}`);
    for (const [name, bytes] of built) expect(bytes.equals(read(`config/document-templates/${name}`)), `${name} differs: run npm run build:document-templates`).toBe(true);
  }, 60_000);

  it('refuses a package that is not a document of the expected kind', async () => {
    await expect(asTemplate(read('config/document-templates/budget.xltx'), 'excel')).rejects.toThrow(/expected exactly one part/);
    await expect(asTemplate(read('config/document-templates/lettre.dotx'), 'powerpoint')).rejects.toThrow(/expected exactly one part/);
  });
});
