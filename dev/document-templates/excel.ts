import { Workbook, type Borders, type Cell, type Fill, type Font } from 'exceljs';
import { BRAND, BUILD_DATE } from './brand';

/**
 * Excel template (.xltx): a project budget. Planned and actual amounts per line, the difference,
 * a subtotal, contingency and total, all by formula. Amounts use the fr-CA currency format
 * (`[$$-C0C]`, French (Canada)): Excel shows "1 234,56 $" with the separators of a French (Canada)
 * system.
 */

const C = BRAND.colours;
const argb = (hex: string) => `FF${hex}`;
const MONEY = '#,##0.00\\ [$$-C0C];[Red]\\-#,##0.00\\ [$$-C0C]';
const QUANTITY = '#,##0.##';
const PERCENT = '0\\ %';
const DATE = '[$-C0C]d\\ mmmm\\ yyyy';

const fill = (hex: string): Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb: argb(hex) } });
const thin = { style: 'thin' as const, color: { argb: 'FFBFBFBF' } };
const gridBorder: Partial<Borders> = { top: thin, bottom: thin, left: thin, right: thin };
const font = (f: Partial<Font> = {}): Partial<Font> => ({ name: BRAND.fonts.body, size: 11, color: { argb: argb(C.text) }, ...f });

/** Budget lines by section: [item, description (a hint), unit]. */
const SECTIONS: Array<{ title: string; lines: Array<[string, string]> }> = [
  { title: 'Ressources humaines', lines: [['Libérations syndicales', 'Jours de libération × coût par jour'], ['Honoraires professionnels', 'Expertise externe, contractuels']] },
  { title: 'Déplacements et séjour', lines: [['Kilométrage', 'Kilomètres × taux en vigueur'], ['Hébergement', 'Nuitées'], ['Repas', 'Selon la politique de remboursement']] },
  { title: 'Réunions et événements', lines: [['Location de salle', 'Jours ou demi-journées'], ['Traiteur', 'Nombre de personnes']] },
  { title: 'Communications', lines: [['Conception et graphisme', ''], ['Impression', 'Nombre d’exemplaires'], ['Traduction', 'Nombre de mots']] },
  { title: 'Divers', lines: [['Fournitures', ''], ['Autres frais', 'Préciser dans les notes']] },
];

const HEADERS = ['Poste budgétaire', 'Description', 'Quantité', 'Coût unitaire', 'Budget prévu', 'Dépenses réelles', 'Écart', 'Notes'];
const WIDTHS = [30, 36, 11, 16, 17, 17, 16, 36];

export async function budgetTemplate(): Promise<Buffer> {
  const wb = new Workbook();
  wb.creator = BRAND.name;
  wb.lastModifiedBy = BRAND.name;
  wb.created = BUILD_DATE;
  wb.modified = BUILD_DATE;
  wb.title = 'Budget de projet';
  wb.subject = 'Budget de projet';
  wb.company = BRAND.name;
  wb.keywords = 'modèle; budget; projet';
  wb.category = 'Modèle';
  wb.description = `Budget de projet — ${BRAND.name}`;
  wb.calcProperties.fullCalcOnLoad = true;

  const ws = wb.addWorksheet('Budget', {
    properties: { tabColor: { argb: argb(C.primary) } },
    views: [{ state: 'frozen', ySplit: 11, showGridLines: false }],
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins: { left: 0.5, right: 0.5, top: 0.75, bottom: 0.75, header: 0.3, footer: 0.3 } },
    headerFooter: { oddFooter: `&L&8${BRAND.name}&R&8Page &P de &N` },
  });
  ws.columns = WIDTHS.map((width) => ({ width }));
  ws.pageSetup.printTitlesRow = '11:11';

  const style = (cell: Cell, f: Partial<Font> = {}) => {
    cell.font = font(f);
  };
  const toFill = (cell: Cell) => {
    cell.fill = fill(C.light);
    cell.border = gridBorder;
    style(cell, { color: { argb: argb(C.secondary) } });
  };

  ws.getCell('A1').value = BRAND.name;
  style(ws.getCell('A1'), { bold: true, color: { argb: argb(C.primary) } });
  ws.getCell('A2').value = 'Budget de projet';
  style(ws.getCell('A2'), { name: BRAND.fonts.headings, size: 20, color: { argb: argb(C.primary) } });
  ws.getRow(2).height = 30;
  ws.getCell('A3').value = 'Remplissez les cellules bleu pâle ; les montants, l’écart et les totaux se calculent.';
  style(ws.getCell('A3'), { italic: true, size: 9, color: { argb: argb(C.muted) } });
  for (const col of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) ws.getCell(`${col}3`).border = { bottom: { style: 'medium', color: { argb: argb(C.accent) } } };

  const details: Array<[string, string | null]> = [
    ['Projet', null],
    ['Service', null],
    ['Responsable', null],
    ['Période', null],
    ['Date du budget', DATE],
  ];
  details.forEach(([label, numFmt], i) => {
    const row = 5 + i;
    ws.getCell(`A${row}`).value = label;
    style(ws.getCell(`A${row}`), { bold: true, color: { argb: argb(C.primary) } });
    ws.mergeCells(`B${row}:D${row}`);
    const value = ws.getCell(`B${row}`);
    toFill(value);
    if (numFmt) value.numFmt = numFmt;
  });

  const headerRow = ws.getRow(11);
  HEADERS.forEach((h, i) => {
    const cell = headerRow.getCell(i + 1);
    cell.value = h;
    cell.fill = fill(C.primary);
    cell.font = font({ bold: true, color: { argb: 'FFFFFFFF' } });
    cell.alignment = { vertical: 'middle', horizontal: i >= 2 && i <= 6 ? 'right' : 'left', wrapText: true };
    cell.border = gridBorder;
  });
  headerRow.height = 22;

  let r = 12;
  const first = r;
  for (const section of SECTIONS) {
    const row = ws.getRow(r);
    row.getCell(1).value = section.title;
    for (let c = 1; c <= 8; c++) {
      const cell = row.getCell(c);
      cell.fill = fill('F2F2F2');
      cell.border = gridBorder;
      style(cell, { bold: true, color: { argb: argb(C.primary) } });
    }
    r++;
    for (const [item, hint] of section.lines) {
      const line = ws.getRow(r);
      line.getCell(1).value = item;
      line.getCell(2).value = hint;
      for (let c = 1; c <= 8; c++) {
        const cell = line.getCell(c);
        cell.border = gridBorder;
        style(cell, c === 2 ? { color: { argb: argb(C.muted) }, size: 10 } : {});
      }
      for (const c of [3, 4, 6, 8]) toFill(line.getCell(c));
      line.getCell(3).numFmt = QUANTITY;
      line.getCell(4).numFmt = MONEY;
      line.getCell(5).value = { formula: `C${r}*D${r}`, result: 0 };
      line.getCell(6).numFmt = MONEY;
      line.getCell(7).value = { formula: `E${r}-F${r}`, result: 0 };
      for (const c of [5, 7]) line.getCell(c).numFmt = MONEY;
      ws.getCell(`C${r}`).dataValidation = { type: 'decimal', operator: 'greaterThanOrEqual', formulae: [0], allowBlank: true, showErrorMessage: true, errorTitle: 'Quantité', error: 'Entrez un nombre positif ou nul.' };
      r++;
    }
  }
  const last = r - 1;

  const totalRow = (label: string, formulas: { E: string; F: string; G: string }, options: { bold?: boolean; top?: 'thin' | 'double' } = {}) => {
    const row = ws.getRow(r);
    row.getCell(1).value = label;
    for (const [col, f] of Object.entries(formulas)) {
      const cell = ws.getCell(`${col}${r}`);
      cell.value = { formula: f, result: 0 };
      cell.numFmt = MONEY;
    }
    for (let c = 1; c <= 8; c++) {
      const cell = row.getCell(c);
      style(cell, { bold: options.bold ?? false, color: { argb: argb(C.primary) } });
      if (options.top) cell.border = { top: { style: options.top, color: { argb: argb(C.primary) } } };
    }
    return r++;
  };
  const subtotal = totalRow('Sous-total', { E: `SUM(E${first}:E${last})`, F: `SUM(F${first}:F${last})`, G: `SUM(G${first}:G${last})` }, { top: 'thin' });
  const contingency = r;
  totalRow('Imprévus', { E: `ROUND(E${subtotal}*$D$${contingency},2)`, F: `0`, G: `E${contingency}-F${contingency}` });
  const rate = ws.getCell(`D${contingency}`);
  rate.value = 0.1;
  rate.numFmt = PERCENT;
  toFill(rate);
  ws.getCell(`B${contingency}`).value = 'Taux appliqué au budget prévu';
  style(ws.getCell(`B${contingency}`), { color: { argb: argb(C.muted) }, size: 10 });
  ws.getCell(`F${contingency}`).value = null;
  totalRow('Total', { E: `E${subtotal}+E${contingency}`, F: `F${subtotal}`, G: `E${r}-F${r}` }, { bold: true, top: 'double' });

  return Buffer.from(await wb.xlsx.writeBuffer());
}
