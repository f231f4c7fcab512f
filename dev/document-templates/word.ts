import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Header,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableBorders,
  TableCell,
  TableRow,
  TabStopType,
  TextRun,
  WidthType,
  type IRunOptions,
} from 'docx';
import { BRAND } from './brand';

/** Word templates (.dotx): the letterhead letter and the memo, on Letter paper, in fr-CA. */

const C = BRAND.colours;
const PLACEHOLDER_STYLE = 'ChampARemplir';
const LETTER_WIDTH = 12240; // twips, 8.5 in
const LETTER_HEIGHT = 15840; // 11 in
const MARGIN = 1440; // 1 in
const TEXT_WIDTH = LETTER_WIDTH - 2 * MARGIN;

/** Text the writer replaces: in square brackets and in the "Champ à remplir" style, so it stands out. */
const field = (text: string) => new TextRun({ text: `[${text}]`, style: PLACEHOLDER_STYLE });
const text = (value: string, options: Omit<IRunOptions, 'text' | 'children'> = {}) => new TextRun({ text: value, ...options });
const line = (...children: TextRun[]) => new Paragraph({ children, spacing: { after: 0 } });
const blank = () => new Paragraph({ children: [] });

function documentOptions(title: string, subject: string) {
  return {
    title,
    subject,
    creator: BRAND.name,
    lastModifiedBy: BRAND.name,
    description: `${title} — ${BRAND.name}`,
    keywords: 'modèle; syndicat',
    revision: 1,
    theme: {
      name: BRAND.shortName,
      colors: { dark2: C.primary, light2: C.light, accent1: C.primary, accent2: C.secondary, accent3: C.accent, hyperlink: C.secondary, followedHyperlink: C.primary },
      fonts: { headings: BRAND.fonts.headings, body: BRAND.fonts.body },
    },
    styles: {
      default: {
        document: {
          run: { font: BRAND.fonts.body, size: 22, color: C.text, language: { value: 'fr-CA' } },
          paragraph: { spacing: { after: 160, line: 264 } },
        },
        title: { run: { font: BRAND.fonts.headings, size: 40, color: C.primary, allCaps: true }, paragraph: { spacing: { after: 240 } } },
      },
      characterStyles: [
        { id: PLACEHOLDER_STYLE, name: 'Champ à remplir', basedOn: 'DefaultParagraphFont', run: { color: C.secondary, shading: { type: 'clear', fill: C.light, color: 'auto' } } },
      ],
    },
  } as const;
}

/** The letterhead: the union's name in marine over a brick rule, then the address in small grey. */
function letterhead(): Header {
  return new Header({
    children: [
      new Paragraph({ children: [text(BRAND.name, { bold: true, size: 28, color: C.primary, font: BRAND.fonts.headings })], spacing: { after: 40 } }),
      new Paragraph({
        children: [text(`${BRAND.address}  ·  ${BRAND.phone}  ·  ${BRAND.email}`, { size: 16, color: C.muted })],
        border: { bottom: { style: BorderStyle.SINGLE, size: 12, color: C.accent, space: 6 } },
        spacing: { after: 0 },
      }),
    ],
  });
}

function runningHeader(label: string): Header {
  return new Header({
    children: [
      new Paragraph({
        children: [text(BRAND.shortName, { size: 16, color: C.primary, bold: true }), text(`\t${label}`, { size: 16, color: C.muted })],
        tabStops: [{ type: TabStopType.RIGHT, position: TEXT_WIDTH }],
        border: { bottom: { style: BorderStyle.SINGLE, size: 4, color: C.accent, space: 4 } },
      }),
    ],
  });
}

function pageFooter(left: string): Footer {
  return new Footer({
    children: [
      new Paragraph({
        children: [text(left, { size: 16, color: C.muted }), text('\tPage ', { size: 16, color: C.muted }), new TextRun({ children: [PageNumber.CURRENT], size: 16, color: C.muted }), text(' de ', { size: 16, color: C.muted }), new TextRun({ children: [PageNumber.TOTAL_PAGES], size: 16, color: C.muted })],
        tabStops: [{ type: TabStopType.RIGHT, position: TEXT_WIDTH }],
      }),
    ],
  });
}

const page = { size: { width: LETTER_WIDTH, height: LETTER_HEIGHT }, margin: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN, header: 600, footer: 500 } };

export async function letterTemplate(): Promise<Buffer> {
  const doc = new Document({
    ...documentOptions('Lettre à en-tête', 'Lettre officielle'),
    sections: [
      {
        properties: { page, titlePage: true },
        headers: { first: letterhead(), default: runningHeader('Lettre') },
        footers: { first: pageFooter(BRAND.web), default: pageFooter(BRAND.web) },
        children: [
          new Paragraph({ children: [field('Ville'), text(', le '), field('jour mois année, p. ex. 12 janvier 2027')], spacing: { before: 240, after: 360 } }),
          line(field('PAR COURRIEL ou SOUS TOUTES RÉSERVES, au besoin')),
          blank(),
          line(field('Madame ou Monsieur Prénom Nom')),
          line(field('Fonction')),
          line(field('Organisation')),
          line(field('Numéro, rue, bureau')),
          new Paragraph({ children: [field('Ville (Québec)  Code postal')], spacing: { after: 360 } }),
          new Paragraph({ children: [text('Objet : ', { bold: true }), new TextRun({ text: '[Objet de la lettre]', style: PLACEHOLDER_STYLE, bold: true })], spacing: { after: 360 } }),
          new Paragraph({ children: [field('Madame, / Monsieur, / Madame, Monsieur,')] }),
          new Paragraph({ children: [field('Premier paragraphe : le contexte et la raison de la lettre.')], alignment: AlignmentType.JUSTIFIED }),
          new Paragraph({ children: [field('Paragraphes suivants : les faits, la position du Syndicat, ce qui est demandé.')], alignment: AlignmentType.JUSTIFIED }),
          new Paragraph({ children: [field('Dernier paragraphe : la suite attendue, l’échéance et la personne à joindre.')], alignment: AlignmentType.JUSTIFIED }),
          new Paragraph({ children: [text('Veuillez agréer, '), field('Madame, Monsieur'), text(', l’expression de nos salutations distinguées.')], spacing: { after: 720 } }),
          line(field('Prénom Nom')),
          line(field('Titre ou fonction')),
          new Paragraph({ children: [text(BRAND.name)], spacing: { after: 360 } }),
          line(text('c. c. ', { size: 18 }), new TextRun({ text: '[Nom, fonction]', style: PLACEHOLDER_STYLE, size: 18 })),
          line(text('p. j. ', { size: 18 }), new TextRun({ text: '[Pièce jointe]', style: PLACEHOLDER_STYLE, size: 18 })),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

function memoRow(label: string, value: TextRun[]): TableRow {
  const cell = (children: TextRun[], width: number) =>
    new TableCell({ children: [new Paragraph({ children, spacing: { before: 60, after: 60 } })], width: { size: width, type: WidthType.DXA } });
  return new TableRow({ children: [cell([text(label, { bold: true, color: C.primary })], 1300), cell(value, TEXT_WIDTH - 1300)] });
}

export async function memoTemplate(): Promise<Buffer> {
  const doc = new Document({
    ...documentOptions('Note de service', 'Note de service interne'),
    sections: [
      {
        properties: { page, titlePage: true },
        headers: { first: letterhead(), default: runningHeader('Note de service') },
        footers: { first: pageFooter('Document interne'), default: pageFooter('Document interne') },
        children: [
          new Paragraph({ children: [text('Note de service')], style: 'Title', spacing: { before: 240, after: 240 } }),
          new Table({
            width: { size: TEXT_WIDTH, type: WidthType.DXA },
            columnWidths: [1300, TEXT_WIDTH - 1300],
            borders: TableBorders.NONE,
            rows: [
              memoRow('À :', [field('Nom des personnes ou du service')]),
              memoRow('De :', [field('Prénom Nom, fonction')]),
              memoRow('Date :', [field('jour mois année, p. ex. 12 janvier 2027')]),
              memoRow('Objet :', [new TextRun({ text: '[Objet de la note]', style: PLACEHOLDER_STYLE, bold: true })]),
              memoRow('c. c. :', [field('Au besoin')]),
            ],
          }),
          new Paragraph({ children: [], border: { bottom: { style: BorderStyle.SINGLE, size: 12, color: C.accent, space: 1 } }, spacing: { after: 360 } }),
          new Paragraph({ children: [field('Le message en une ou deux phrases : ce qui change, ce qui est attendu et pour quand.')], alignment: AlignmentType.JUSTIFIED }),
          new Paragraph({ children: [field('Les précisions utiles : contexte, étapes, personnes à joindre.')], alignment: AlignmentType.JUSTIFIED }),
          new Paragraph({ children: [field('Initiales')], spacing: { before: 480 } }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
