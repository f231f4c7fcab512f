/**
 * Deterministic sample data for the on-premises relay (local stack and tests only, never
 * deployed): a mission database (SQLite) of 100 fictitious members and their cases, and a legacy
 * archive folder of a few hundred documents (PDF and text) with its metadata index. The same seed
 * gives the same bytes on every machine: no clock, no randomness outside the seeded generator.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The named queries of the sample agent config (SQLite dialect; SQL Server takes the same with TOP instead of LIMIT). */
export const SAMPLE_QUERIES = {
  memberByNumber:
    'SELECT member_number AS memberNumber, first_name AS firstName, last_name AS lastName, employer, section, status, joined_on AS joinedOn FROM members WHERE member_number = @memberNumber',
  membersByName:
    "SELECT member_number AS memberNumber, first_name AS firstName, last_name AS lastName, employer, section, status, joined_on AS joinedOn FROM members WHERE (first_name || ' ' || last_name) LIKE @namePattern OR (last_name || ' ' || first_name) LIKE @namePattern ORDER BY last_name, first_name LIMIT 25",
  caseByNumber:
    'SELECT case_number AS caseNumber, member_number AS memberNumber, kind, title, status, opened_on AS openedOn, closed_on AS closedOn FROM cases WHERE case_number = @caseNumber',
  caseHistory: 'SELECT on_date AS "on", status, note FROM case_events WHERE case_number = @caseNumber ORDER BY on_date, seq',
  openCasesByMember:
    "SELECT case_number AS caseNumber, member_number AS memberNumber, kind, title, status, opened_on AS openedOn, closed_on AS closedOn FROM cases WHERE member_number = @memberNumber AND status <> 'closed' ORDER BY opened_on DESC, case_number",
} as const;

/** mulberry32: tiny, fast, good enough for sample data, identical on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = ['Geneviève', 'Marc-André', 'Sophie', 'Karim', 'Isabelle', 'Jean-François', 'Nathalie', 'Mathieu', 'Amélie', 'Samuel', 'Chantal', 'Olivier', 'Marie-Ève', 'Étienne', 'Julie', 'François', 'Catherine', 'Alexandre', 'Mélanie', 'Patrick', 'Annie', 'Louis', 'Valérie', 'Hugo', 'Émilie', 'Nadia', 'Yannick', 'Josée', 'Rachid', 'Linh'];
const LAST_NAMES = ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'Morin', 'Lavoie', 'Fortin', 'Gagné', 'Ouellet', 'Pelletier', 'Bélanger', 'Lévesque', 'Bergeron', 'Leblanc', 'Paquette', 'Girard', 'Simard', 'Boucher', 'Caron', 'Beaulieu', "O'Neill", 'Nguyen', 'Haddad', 'St-Pierre'];
const EMPLOYERS = ['Ministère de la Santé et des Services sociaux', 'Revenu Québec', 'Ministère de l’Éducation', 'Ministère des Transports', 'Retraite Québec', 'Institut de la statistique du Québec', 'Ministère de l’Environnement', 'Bibliothèque et Archives nationales'];
const SECTIONS = ['Section 101 – Québec', 'Section 202 – Montréal', 'Section 303 – Gatineau', 'Section 404 – Sherbrooke', 'Section 505 – Saguenay'];
const CASE_KINDS = [
  { kind: 'grievance', prefix: 'GR', titles: ['Grief – heures supplémentaires non rémunérées', 'Grief – refus de congé', 'Grief – classement de l’emploi', 'Grief – mesure disciplinaire'] },
  { kind: 'accommodation', prefix: 'AC', titles: ['Accommodement – retour progressif', 'Accommodement – poste adapté', 'Accommodement – horaire variable'] },
  { kind: 'complaint', prefix: 'PL', titles: ['Plainte – harcèlement psychologique', 'Plainte – équité salariale', 'Plainte – affichage de poste'] },
] as const;
const CASE_STATUSES = ['open', 'in_progress', 'hearing', 'closed'] as const;
const NOTES = ['Dossier ouvert à la demande du membre', 'Rencontre avec l’employeur', 'Documents reçus', 'Audition fixée', 'Entente conclue', 'Décision rendue'];

const CLASSIFICATIONS = [
  { code: 'GRF-01', titles: ['Dossier de grief', 'Décision arbitrale', 'Sentence arbitrale'] },
  { code: 'CNV-02', titles: ['Convention collective', 'Lettre d’entente', 'Annexe salariale'] },
  { code: 'ASM-03', titles: ['Procès-verbal de l’assemblée générale', 'Ordre du jour de l’assemblée', 'Résolution du conseil syndical'] },
  { code: 'COR-04', titles: ['Correspondance avec l’employeur', 'Avis aux membres', 'Lettre au ministre'] },
  { code: 'FIN-05', titles: ['États financiers', 'Budget annuel', 'Rapport du trésorier'] },
  { code: 'JUR-06', titles: ['Avis juridique', 'Mémoire déposé en commission', 'Évaluation des emplois'] },
] as const;

export interface SampleArchiveEntry {
  documentId: string;
  title: string;
  classification: string;
  date: string;
  mediaType: 'application/pdf' | 'text/plain';
  sizeBytes: number;
  restricted: boolean;
  file: string;
}

export interface SampleData {
  members: { memberNumber: string; firstName: string; lastName: string; employer: string; section: string; status: string; joinedOn: string }[];
  cases: { caseNumber: string; memberNumber: string; kind: string; title: string; status: string; openedOn: string; closedOn: string | null }[];
  events: { caseNumber: string; seq: number; on: string; status: string; note: string }[];
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function isoDate(random: () => number, fromYear: number, toYear: number): string {
  const year = fromYear + Math.floor(random() * (toYear - fromYear + 1));
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function sampleMissionData(seed = 7): SampleData {
  const random = seededRandom(seed);
  const data: SampleData = { members: [], cases: [], events: [] };
  const perYear = new Map<string, number>();
  for (let i = 1; i <= 100; i++) {
    const memberNumber = `M${String(i).padStart(5, '0')}`;
    data.members.push({
      memberNumber,
      firstName: pick(random, FIRST_NAMES),
      lastName: pick(random, LAST_NAMES),
      employer: pick(random, EMPLOYERS),
      section: pick(random, SECTIONS),
      status: random() < 0.85 ? 'active' : random() < 0.7 ? 'retired' : 'suspended',
      joinedOn: isoDate(random, 1990, 2023),
    });
    // Every member has at least one case so each can be looked up with cases.
    const caseCount = 1 + Math.floor(random() * 3);
    for (let c = 0; c < caseCount; c++) {
      const kind = pick(random, CASE_KINDS);
      const openedOn = isoDate(random, 2019, 2025);
      const year = openedOn.slice(0, 4);
      const key = `${kind.prefix}-${year}`;
      const seq = (perYear.get(key) ?? 0) + 1;
      perYear.set(key, seq);
      const caseNumber = `${key}-${String(seq).padStart(4, '0')}`;
      const status = pick(random, CASE_STATUSES);
      const steps = 1 + Math.floor(random() * 4);
      let on = openedOn;
      const path: string[] = ['open'];
      for (let s = 1; s < steps; s++) path.push(s === steps - 1 ? status : pick(random, ['in_progress', 'hearing'] as const));
      if (path[path.length - 1] !== status) path.push(status);
      path.forEach((st, index) => {
        if (index > 0) on = addDays(on, 7 + Math.floor(random() * 60));
        data.events.push({ caseNumber, seq: index + 1, on, status: st, note: index === 0 ? NOTES[0]! : pick(random, NOTES.slice(1)) });
      });
      data.cases.push({ caseNumber, memberNumber, kind: kind.kind, title: pick(random, kind.titles), status, openedOn, closedOn: status === 'closed' ? on : null });
    }
  }
  return data;
}

/** Writes the mission database (replacing any earlier copy). */
export function writeMissionDatabase(file: string, seed = 7): SampleData {
  const data = sampleMissionData(seed);
  mkdirSync(path.dirname(file), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new BetterSqlite3(file);
  db.exec(`
    CREATE TABLE members (member_number TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, employer TEXT NOT NULL, section TEXT NOT NULL, status TEXT NOT NULL, joined_on TEXT NOT NULL);
    CREATE TABLE cases (case_number TEXT PRIMARY KEY, member_number TEXT NOT NULL REFERENCES members(member_number), kind TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL, opened_on TEXT NOT NULL, closed_on TEXT);
    CREATE INDEX cases_by_member ON cases(member_number, status);
    CREATE TABLE case_events (case_number TEXT NOT NULL REFERENCES cases(case_number), seq INTEGER NOT NULL, on_date TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (case_number, seq));
  `);
  const insertMember = db.prepare('INSERT INTO members VALUES (@memberNumber, @firstName, @lastName, @employer, @section, @status, @joinedOn)');
  const insertCase = db.prepare('INSERT INTO cases VALUES (@caseNumber, @memberNumber, @kind, @title, @status, @openedOn, @closedOn)');
  const insertEvent = db.prepare('INSERT INTO case_events VALUES (@caseNumber, @seq, @on, @status, @note)');
  db.transaction(() => {
    for (const m of data.members) insertMember.run(m);
    for (const c of data.cases) insertCase.run(c);
    for (const e of data.events) insertEvent.run(e);
  })();
  db.close();
  return data;
}

/** Plain ASCII for the PDF's built-in Helvetica (no font embedding in sample files). */
function pdfText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’]/g, "'")
    .replace(/[–]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/([\\()])/g, '\\$1');
}

/** A small valid one-page PDF (correct xref offsets) carrying the given lines. */
export function samplePdf(lines: string[]): Buffer {
  const content = ['BT', '/F1 11 Tf', '14 TL', '56 740 Td', ...lines.map((l) => `(${pdfText(l)}) '`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const SENTENCES = [
  'Le comité a examiné la question et recommande de poursuivre les discussions avec l’employeur.',
  'Les membres présents ont adopté la proposition à l’unanimité.',
  'La présente lettre fait suite à notre rencontre du mois dernier.',
  'Les parties conviennent de se revoir avant la fin de l’exercice financier.',
  'Le syndicat demande le respect intégral des dispositions de la convention collective.',
  'Une copie du présent document a été transmise au conseil syndical.',
];

/**
 * Writes the legacy archive: `count` documents in year/classification folders and index.json.
 * Every 25th document is a large PDF (well above the agent's inline limit) so the blob-link path
 * is exercised; one in ten is restricted.
 */
export function writeLegacyArchive(root: string, count = 300, seed = 11): SampleArchiveEntry[] {
  const random = seededRandom(seed);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const index: SampleArchiveEntry[] = [];
  for (let i = 1; i <= count; i++) {
    const documentId = `DOC-${String(i).padStart(6, '0')}`;
    const cls = pick(random, CLASSIFICATIONS);
    const date = isoDate(random, 1975, 2015);
    const title = `${pick(random, cls.titles)} ${date.slice(0, 4)}${random() < 0.3 ? ` – ${pick(random, SECTIONS)}` : ''}`;
    const large = i % 25 === 0;
    const pdf = large || random() < 0.4;
    const paragraphs = (large ? 1800 : 3 + Math.floor(random() * 20));
    const lines = [title, `Classification ${cls.code} – ${date}`, ''];
    for (let p = 0; p < paragraphs; p++) lines.push(pick(random, SENTENCES));
    const bytes = pdf ? samplePdf(lines) : Buffer.from(lines.join('\n') + '\n', 'utf8');
    const file = `${date.slice(0, 4)}/${cls.code}/${documentId}.${pdf ? 'pdf' : 'txt'}`;
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), bytes);
    index.push({ documentId, title, classification: cls.code, date, mediaType: pdf ? 'application/pdf' : 'text/plain', sizeBytes: bytes.length, restricted: i % 10 === 7, file });
  }
  writeFileSync(path.join(root, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  return index;
}
