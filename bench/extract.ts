/**
 * npm run bench:extract — text extraction throughput of archived messages: a generated corpus of
 * French/English messages (HTML bodies, PDF and Word attachments of a few pages, some spreadsheets
 * and plain text) through extractMessageText and its worker pool, as capture and the backfill run
 * it. MB/s counts the raw MIME bytes of the messages per second of wall time, after a warm-up (the
 * workers' start and library loading are paid once per process, not per message).
 * BENCH_EXTRACT_MESSAGES (default 120), BENCH_EXTRACT_WORKERS (default: the pool's own default).
 * Last line: {"extract_mb_per_s":..,"messages":..,"mb":..,"seconds":..,"chars":..,"not_indexed":..}
 */
import { extractMessageText, ExtractionPool } from '../shared/archive/extraction';
import { message, xlsx, type Part } from '../test/archive-extraction/fixtures';

const MESSAGES = Number(process.env.BENCH_EXTRACT_MESSAGES ?? 120);
const WORKERS = process.env.BENCH_EXTRACT_WORKERS ? Number(process.env.BENCH_EXTRACT_WORKERS) : undefined;

const FR = ['négociation', 'convention', 'collective', 'grief', 'rémunération', 'employé', 'assemblée', 'syndicale', 'réunion', 'procès-verbal', 'Québec', 'Montréal', 'formation', 'échéance', 'règlement', 'arbitrage', 'déposé', 'été', 'hiver', 'prévu'];
const EN = ['negotiation', 'agreement', 'collective', 'grievance', 'salary', 'employee', 'meeting', 'union', 'minutes', 'training', 'deadline', 'settlement', 'arbitration', 'filed', 'schedule', 'budget', 'report', 'review', 'policy', 'member'];

/** Deterministic pseudo-random text (a linear congruential generator), French or English. */
function sentences(seed: number, count: number): string[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => {
    const words = next() % 2 ? FR : EN;
    const sentence = Array.from({ length: 8 + (next() % 10) }, () => words[next() % words.length]).join(' ');
    return sentence.charAt(0).toUpperCase() + sentence.slice(1) + '.';
  });
}

async function pdfOf(lines: string[]): Promise<Buffer> {
  const { PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let start = 0; start < lines.length; start += 45) {
    const page = doc.addPage();
    lines.slice(start, start + 45).forEach((line, i) => page.drawText(line.slice(0, 95), { x: 40, y: 780 - i * 16, size: 10, font }));
  }
  return Buffer.from(await doc.save());
}

async function docxOf(lines: string[]): Promise<Buffer> {
  const { Document, Packer, Paragraph, TextRun } = await import('docx');
  return Packer.toBuffer(new Document({ sections: [{ children: lines.map((line) => new Paragraph({ children: [new TextRun(line)] })) }] }));
}

async function corpus(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const parts: Part[] = [];
    if (i % 2 === 0) parts.push({ filename: `rapport-${i}.pdf`, contentType: 'application/pdf', body: await pdfOf(sentences(i * 7 + 1, 90 + (i % 5) * 45)) });
    if (i % 3 === 0) parts.push({ filename: `procès-verbal-${i}.docx`, contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', body: await docxOf(sentences(i * 7 + 2, 120)) });
    if (i % 10 === 0) parts.push({ filename: `budget-${i}.xlsx`, contentType: 'application/octet-stream', body: await xlsx(sentences(i, 1)[0], 200) });
    if (i % 5 === 0) parts.push({ filename: `notes-${i}.txt`, contentType: 'text/plain; charset=utf-8', body: sentences(i * 7 + 3, 40).join('\n') });
    const html = `<html><head><style>p{margin:0}</style></head><body>${sentences(i * 7 + 4, 12).map((s) => `<p>${s}</p>`).join('')}</body></html>`;
    out.push(message({ subject: sentences(i, 1)[0], html, parts }));
  }
  return out;
}

async function main(): Promise<void> {
  const messages = await corpus();
  const pool = new ExtractionPool(WORKERS ? { workers: WORKERS } : {});
  const concurrency = 8;
  // Warm-up: every worker started and every library loaded once.
  await Promise.all(messages.slice(0, concurrency).map((m) => extractMessageText(m, {}, pool)));

  const bytes = messages.reduce((n, m) => n + m.length, 0);
  let chars = 0;
  let notIndexed = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const result = await extractMessageText(messages[next++]!, {}, pool);
        chars += result.body.length + result.attachments.reduce((n, a) => n + a.text.length, 0);
        notIndexed += result.notIndexed.length;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  const mb = bytes / 1024 / 1024;
  console.log(`${messages.length} messages, ${mb.toFixed(1)} MB of MIME, ${chars} characters extracted in ${seconds.toFixed(2)} s; ${notIndexed} parts not indexed`);
  console.log(JSON.stringify({ extract_mb_per_s: Number((mb / seconds).toFixed(2)), messages: messages.length, mb: Number(mb.toFixed(2)), seconds: Number(seconds.toFixed(2)), chars, not_indexed: notIndexed }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
