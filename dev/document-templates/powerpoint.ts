import PptxGenJS from 'pptxgenjs';
import { BRAND } from './brand';

/**
 * PowerPoint template (.potx), 16:9: three layouts in the union's colours (title, section, content),
 * each with its placeholders, and one example slide of each.
 */

const C = BRAND.colours;
const LANG = 'fr-CA';
const W = 13.333;
const H = 7.5;

export async function presentationTemplate(): Promise<Buffer> {
  const pptx = new PptxGenJS();
  pptx.layout = 'LAYOUT_WIDE';
  pptx.author = BRAND.name;
  pptx.company = BRAND.name;
  pptx.title = 'Présentation';
  pptx.subject = `Présentation — ${BRAND.name}`;
  pptx.revision = '1';
  pptx.theme = { headFontFace: BRAND.fonts.headings, bodyFontFace: BRAND.fonts.body };

  const footer = (colour: string) => ({ text: { text: BRAND.name, options: { x: 0.6, y: H - 0.55, w: 8, h: 0.3, fontSize: 10, color: colour, fontFace: BRAND.fonts.body, lang: LANG } } });

  pptx.defineSlideMaster({
    title: 'Titre',
    background: { color: C.primary },
    objects: [
      { rect: { x: 0, y: H - 0.18, w: W, h: 0.18, fill: { color: C.accent } } },
      { rect: { x: 0.6, y: 3.55, w: 1.2, h: 0.06, fill: { color: C.accent } } },
      { placeholder: { options: { name: 'titre', type: 'title', x: 0.6, y: 1.4, w: 11.5, h: 2.0, align: 'left', fontSize: 40, color: 'FFFFFF', fontFace: BRAND.fonts.headings, valign: 'bottom', lang: LANG }, text: 'Titre de la présentation' } },
      { placeholder: { options: { name: 'sous-titre', type: 'body', x: 0.6, y: 3.8, w: 11.5, h: 1.2, fontSize: 20, color: 'FFFFFF', fontFace: BRAND.fonts.body, valign: 'top', lang: LANG }, text: 'Sous-titre, instance ou événement — date' } },
      footer('FFFFFF'),
    ],
  });

  pptx.defineSlideMaster({
    title: 'Section',
    background: { color: C.light },
    objects: [
      { rect: { x: 0, y: 0, w: 0.35, h: H, fill: { color: C.primary } } },
      { rect: { x: 0.35, y: 0, w: 0.08, h: H, fill: { color: C.accent } } },
      { placeholder: { options: { name: 'numero', type: 'body', x: 1.1, y: 1.9, w: 11, h: 0.8, fontSize: 20, color: C.secondary, fontFace: BRAND.fonts.body, bold: true, lang: LANG }, text: 'Section 1' } },
      { placeholder: { options: { name: 'titre', type: 'title', x: 1.1, y: 2.7, w: 11, h: 1.8, align: 'left', fontSize: 36, color: C.primary, fontFace: BRAND.fonts.headings, valign: 'top', lang: LANG }, text: 'Titre de la section' } },
      footer(C.muted),
    ],
  });

  pptx.defineSlideMaster({
    title: 'Contenu',
    background: { color: 'FFFFFF' },
    objects: [
      { rect: { x: 0, y: 0, w: W, h: 0.12, fill: { color: C.primary } } },
      { rect: { x: 0.6, y: 1.3, w: 0.9, h: 0.05, fill: { color: C.accent } } },
      { placeholder: { options: { name: 'titre', type: 'title', x: 0.6, y: 0.35, w: 12.1, h: 0.9, align: 'left', fontSize: 28, color: C.primary, fontFace: BRAND.fonts.headings, valign: 'bottom', lang: LANG }, text: 'Titre de la diapositive' } },
      { placeholder: { options: { name: 'contenu', type: 'body', x: 0.6, y: 1.6, w: 12.1, h: 5.0, fontSize: 20, color: C.text, fontFace: BRAND.fonts.body, valign: 'top', lang: LANG }, text: 'Texte ou liste à puces' } },
      { line: { x: 0.6, y: H - 0.62, w: 12.1, h: 0, line: { color: 'D9D9D9', width: 0.75 } } },
      footer(C.muted),
    ],
    slideNumber: { x: W - 1.1, y: H - 0.55, w: 0.5, h: 0.3, fontSize: 10, color: C.muted, align: 'right' },
  });

  const title = pptx.addSlide({ masterName: 'Titre' });
  title.addText('Titre de la présentation', { placeholder: 'titre', align: 'left', lang: LANG });
  title.addText('Sous-titre, instance ou événement — date', { placeholder: 'sous-titre', lang: LANG });

  const section = pptx.addSlide({ masterName: 'Section' });
  section.addText('Section 1', { placeholder: 'numero', lang: LANG });
  section.addText('Titre de la section', { placeholder: 'titre', align: 'left', lang: LANG });

  const content = pptx.addSlide({ masterName: 'Contenu' });
  content.addText('Titre de la diapositive', { placeholder: 'titre', align: 'left', lang: LANG });
  content.addText(
    [
      { text: 'Premier point : une idée par ligne, en peu de mots', options: { bullet: true, breakLine: true } },
      { text: 'Précision ou exemple, au besoin', options: { bullet: { indent: 18 }, indentLevel: 1, fontSize: 16, color: C.muted, breakLine: true } },
      { text: 'Deuxième point', options: { bullet: true, breakLine: true } },
      { text: 'Troisième point : ce qui est attendu des membres', options: { bullet: true } },
    ],
    { placeholder: 'contenu', lang: LANG },
  );
  content.addNotes('Notes de l’orateur : ce qu’il faut dire pour cette diapositive.');

  return (await pptx.write({ outputType: 'nodebuffer' })) as Buffer;
}
