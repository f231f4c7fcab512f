/**
 * npm run bench:search — the archive's full-text search end to end (docs/decisions/0020): a
 * generated French/English corpus archived as capture stores it, extracted (bodies, PDF and Word
 * attachments) and indexed by the app's indexing pass through @azure/search-documents into the
 * local search emulator, then 50 labelled queries through the search use case.
 *
 * - recall: relevant messages found (all result pages) / relevant messages, over the 50 queries.
 * - precision_at_10: mean share of each query's first 10 results that are relevant (every query
 *   has at least 10 relevant messages, so 1.0 is reachable).
 * - index_lag_p95_s: messages captured while the indexing timer runs (every BENCH_SEARCH_TICK_S,
 *   default 20 as ARCHIVE_SEARCH_SCHEDULE): time from capture to the first search that finds it.
 * - extract_mb_per_s: raw MIME MB per second of the bulk indexing's wall time (extraction, which
 *   dominates, plus the uploads to the index): a lower bound on extraction alone.
 *
 * BENCH_SEARCH_MESSAGES (default 100000) scales the corpus; BENCH_SEARCH_LATE (default 30) the
 * late captures for the lag. The archive's own stores are the project's in-memory fakes of its
 * ports (the subject here is extraction, the index and queries; Azurite and the Cosmos emulator
 * have their own benches). Last line:
 * {"indexed":..,"recall":..,"precision_at_10":..,"index_lag_p95_s":..,"extract_mb_per_s":..}
 */
import { randomUUID } from 'node:crypto';
import { startSearchEmulator } from '../dev/search-emulator';
import { AzureSearchIndex } from '../shared/archive/adapters/search-index';
import { MessageTextExtraction } from '../shared/archive/records/full-text-extraction';
import { FullTextIndexing } from '../shared/archive/records/full-text-indexing';
import { FullTextSearch } from '../shared/archive/records/full-text-search';
import { FullTextQuery } from '../shared/archive/records/full-text';
import { ArchiveAccess, type Requester } from '../shared/archive/records/access';
import { AuditLog } from '../shared/archive/records/audit';
import type { MessageEntry } from '../shared/archive/model';
import { archived, recordsOverFakes } from '../test/fakes/archive-records';
import { InMemoryIndexingProgress } from '../test/fakes/archive-search-index';
import { message, type Part } from '../test/archive-extraction/fixtures';

const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES ?? 100_000);
const LATE = Number(process.env.BENCH_SEARCH_LATE ?? 30);
const TICK_MS = Number(process.env.BENCH_SEARCH_TICK_S ?? 20) * 1000;
const MAILBOXES = 20;
const PER_QUERY = 12;

const FR = ['négociation', 'convention', 'collective', 'rémunération', 'employé', 'assemblée', 'syndicale', 'procès-verbal', 'Québec', 'Montréal', 'échéance', 'règlement', 'déposé', 'été', 'hiver', 'prévu', 'comité', 'dossier', 'semaine', 'réponse'];
const EN = ['negotiation', 'agreement', 'collective', 'salary', 'employee', 'meeting', 'union', 'minutes', 'deadline', 'settlement', 'filed', 'schedule', 'budget', 'report', 'review', 'policy', 'member', 'week', 'answer', 'draft'];

/** 50 labelled topics: what is planted (with accents, in the language shown) and the query typed (often without). */
const TOPICS: Array<{ planted: string; query: string }> = [];
const FR_TOPICS = ['équité salariale', 'harcèlement psychologique', 'congé de maternité', 'sécurité d’emploi', 'temps supplémentaire', 'assurance collective', 'régime de retraite', 'télétravail obligatoire', 'mesure disciplinaire', 'ancienneté reconnue', 'vacances estivales', 'horaire comprimé', 'prime de disponibilité', 'grève générale', 'arbitrage accéléré', 'lettre d’entente', 'déménagement de bureau', 'accommodement raisonnable', 'invalidité prolongée', 'formation continue', 'comité paritaire', 'évaluation du rendement', 'probation prolongée', 'poste vacant', 'rétroactivité salariale'];
const EN_TOPICS = ['pay equity', 'workplace harassment', 'parental leave', 'job security', 'overtime pay', 'group insurance', 'pension plan', 'remote work', 'disciplinary measure', 'seniority list', 'summer vacation', 'compressed schedule', 'standby premium', 'general strike', 'expedited arbitration', 'letter of agreement', 'office relocation', 'reasonable accommodation', 'long-term disability', 'continuing education', 'joint committee', 'performance review', 'extended probation', 'vacant position', 'retroactive pay'];
for (const t of FR_TOPICS) TOPICS.push({ planted: t, query: t.normalize('NFD').replace(/\p{M}+/gu, '').replace(/’/g, "'") });
for (const t of EN_TOPICS) TOPICS.push({ planted: t, query: `"${t}"` });

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
}

function sentences(seed: number, count: number): string[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => {
    const words = next() % 2 ? FR : EN;
    return Array.from({ length: 8 + (next() % 10) }, () => words[next() % words.length]).join(' ') + '.';
  });
}

async function pdfOf(lines: string[]): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage();
  // Helvetica's WinAnsi encoding: Latin-1 plus typographic quotes, enough for French.
  lines.slice(0, 45).forEach((line, i) => page.drawText(line.replace(/’/g, "'").slice(0, 95), { x: 40, y: 780 - i * 16, size: 10, font }));
  return Buffer.from(await doc.save());
}

async function docxOf(lines: string[]): Promise<Buffer> {
  const { Document, Packer, Paragraph, TextRun } = await import('docx');
  return Packer.toBuffer(new Document({ sections: [{ children: lines.map((line) => new Paragraph({ children: [new TextRun(line)] })) }] }));
}

const PDF = 'application/pdf';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function main(): Promise<void> {
  const search = await startSearchEmulator();
  const fakes = recordsOverFakes({ now: () => new Date() });
  const mailboxes = Array.from({ length: MAILBOXES }, () => randomUUID());
  // Filler attachments: a pool reused across messages (same content, as real mail often is).
  const fillerPdfs = await Promise.all(Array.from({ length: 8 }, (_, i) => pdfOf(sentences(1000 + i, 40))));
  const fillerDocx = await Promise.all(Array.from({ length: 8 }, (_, i) => docxOf(sentences(2000 + i, 60))));

  // Which messages carry which topic, and where (body, PDF, Word): PER_QUERY each, spread over the corpus.
  const planted = new Map<number, { topic: number; where: 'body' | 'pdf' | 'docx' }>();
  const relevant = TOPICS.map(() => new Set<string>());
  const stride = Math.max(1, Math.floor(MESSAGES / (TOPICS.length * PER_QUERY)));
  TOPICS.forEach((_, topic) => {
    for (let k = 0; k < PER_QUERY; k++) planted.set(((topic * PER_QUERY + k) * stride) % MESSAGES, { topic, where: (['body', 'pdf', 'docx'] as const)[k % 3]! });
  });

  let rawBytes = 0;
  const base = Date.now() - MESSAGES * 1000;
  const archive = async (i: number, capturedAt: string, extra?: string): Promise<MessageEntry> => {
    const plant = planted.get(i);
    const text = sentences(i, 6);
    const parts: Part[] = [];
    if (plant?.where === 'body') text.splice(3, 0, `Au sujet de ${TOPICS[plant.topic]!.planted}, voir plus bas.`);
    if (extra) text.push(extra);
    if (plant?.where === 'pdf') parts.push({ filename: `piece-${i}.pdf`, contentType: PDF, body: await pdfOf([...sentences(i + 7, 10), `Objet : ${TOPICS[plant.topic]!.planted}.`]) });
    else if (plant?.where === 'docx') parts.push({ filename: `document-${i}.docx`, contentType: DOCX, body: await docxOf([...sentences(i + 9, 10), `Objet : ${TOPICS[plant.topic]!.planted}.`]) });
    else if (i % 10 === 1) parts.push({ filename: `rapport-${i}.pdf`, contentType: PDF, body: fillerPdfs[i % fillerPdfs.length]! });
    else if (i % 10 === 2) parts.push({ filename: `notes-${i}.docx`, contentType: DOCX, body: fillerDocx[i % fillerDocx.length]! });
    const mime = message({ subject: sentences(i + 3, 1)[0]!.slice(0, 80), text: text.join(' '), parts });
    rawBytes += mime.length;
    const entry = archived(fakes, { mailboxId: mailboxes[i % MAILBOXES]!, receivedAt: new Date(base + i * 1000).toISOString(), mime, attachmentNames: parts.map((p) => p.filename ?? 'attachment'), capturedAt });
    if (plant) relevant[plant.topic]!.add(entry.id);
    return entry;
  };

  process.stdout.write(`archiving ${MESSAGES} messages\n`);
  for (let i = 0; i < MESSAGES; i++) await archive(i, new Date(base + i * 10).toISOString());

  const index = new AzureSearchIndex({ endpoint: search.endpoint, indexName: `bench-${randomUUID().slice(0, 8)}`, apiKey: search.apiKey });
  const bulkBytes = rawBytes;
  const extraction = new MessageTextExtraction(fakes.content);
  const indexing = new FullTextIndexing({ index, archive: fakes.index, extraction, progress: new InMemoryIndexingProgress(), mailboxes: fakes.mailboxes });
  const started = performance.now();
  for (;;) {
    const pass = await indexing.pass(60_000);
    process.stdout.write(`indexed ${pass.indexed} (watermark ${pass.watermark})\n`);
    if (pass.caughtUp) break;
  }
  const bulkSeconds = (performance.now() - started) / 1000;
  const indexed = (await Promise.all(mailboxes.map((m) => index.count(m)))).reduce((a, b) => a + b, 0);

  const records: Requester = { oid: randomUUID(), kind: 'user', recordsManager: true };
  const fullText = new FullTextSearch(index, new ArchiveAccess(new AuditLog(fakes.trail), fakes.index), new AuditLog(fakes.trail), fakes.index);
  const refsOf = async (text: string, pages: number, syntax: 'simple' | 'full' = 'simple') => {
    const ids: string[] = [];
    for (let page = 1; page <= pages; page++) {
      const r = await fullText.search(records, FullTextQuery.parse({ text, syntax, page, pageSize: 50 }));
      if (r.kind !== 'ok') throw new Error(r.kind);
      ids.push(...r.page.items.map((i) => i.ref.split('.')[1]!));
      if (r.page.items.length < 50) break;
    }
    return ids;
  };
  const queriesStarted = performance.now();
  let found = 0;
  let total = 0;
  let precision = 0;
  for (const [q, topic] of TOPICS.entries()) {
    const ids = await refsOf(topic.query, 10);
    const want = relevant[q]!;
    total += want.size;
    found += ids.filter((id) => want.has(id)).length;
    precision += ids.slice(0, 10).filter((id) => want.has(id)).length / 10;
  }
  const queriesSeconds = (performance.now() - queriesStarted) / 1000;

  // Lag: messages captured every 2 s while the timer runs, each with a word of its own; one poller
  // asks for every word not found yet, once a second (a single query: the emulator serves queries
  // one at a time, and 30 pollers would measure its queue instead of the index's lag).
  let stop = false;
  const timer = (async () => {
    while (!stop) {
      await indexing.pass(60_000);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  })();
  const pending = new Map<string, { token: string; capturedAt: number }>();
  const lags: number[] = [];
  const capturing = (async () => {
    for (let k = 0; k < LATE; k++) {
      const token = `zeta${randomUUID().replace(/-/g, '').slice(0, 10)}`;
      const capturedAt = Date.now();
      const entry = await archive(MESSAGES + k, new Date(capturedAt).toISOString(), token);
      pending.set(entry.id, { token, capturedAt });
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  const deadline = Date.now() + 15 * 60_000;
  let captured = false;
  void capturing.then(() => (captured = true));
  while ((!captured || pending.size > 0) && Date.now() < deadline) {
    if (pending.size > 0) {
      const ids = await refsOf([...pending.values()].map((p) => p.token).join(' OR '), 1, 'full');
      const now = Date.now();
      for (const id of ids) {
        const p = pending.get(id);
        if (!p) continue;
        lags.push((now - p.capturedAt) / 1000);
        pending.delete(id);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  // Never found within the deadline: counted at the deadline (a lower bound).
  for (const p of pending.values()) lags.push((Date.now() - p.capturedAt) / 1000);
  stop = true;
  await timer;
  lags.sort((a, b) => a - b);
  const p95 = lags[Math.min(lags.length - 1, Math.ceil(lags.length * 0.95) - 1)] ?? 0;
  await search.stop();
  const round = (n: number, d = 3) => Number(n.toFixed(d));
  process.stdout.write(`bulk: ${MESSAGES} messages, ${round(bulkBytes / 1e6, 1)} MB raw, ${round(bulkSeconds, 1)} s; queries: ${TOPICS.length} in ${round(queriesSeconds, 1)} s, relevant ${total}; lag: ${lags.length} messages, max ${round(lags.at(-1) ?? 0, 1)} s\n`);
  process.stdout.write(
    JSON.stringify({ indexed, recall: round(found / total), precision_at_10: round(precision / TOPICS.length), index_lag_p95_s: round(p95, 1), extract_mb_per_s: round(bulkBytes / 1e6 / Math.max(bulkSeconds, 0.001), 2) }) + '\n',
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:search failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
