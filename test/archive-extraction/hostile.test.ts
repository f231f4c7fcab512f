import { afterAll, describe, expect, it } from 'vitest';
import { extractMessageText, ExtractionPool } from '../../shared/archive/extraction';
import { message, PHRASE, docx, pdf, longPdf, lyingZipBombDocx, malformedPdf, manyStringsXlsx, zipBombDocx } from './fixtures';

/**
 * Hostile and broken attachments are recorded as not indexed, with their reason, and never take
 * the caller or the pool down: after each one the same pool extracts the next file.
 */
const GENEROUS = 120_000;

describe('archive text extraction: hostile files', () => {
  const pool = new ExtractionPool({ workers: 2 });
  afterAll(() => pool.close());

  async function stillServes(target: ExtractionPool) {
    const next = await extractMessageText(message({ text: 'Suivant', parts: [{ filename: 'suivant.pdf', contentType: 'application/pdf', body: await pdf() }] }), { timeoutMs: GENEROUS }, target);
    expect(next.notIndexed).toEqual([]);
    expect(next.attachments[0]!.text).toContain(PHRASE);
  }

  it('a zip bomb in a .docx is zip_bomb (refused from its directory, never inflated), the rest of the message indexed', { timeout: 300_000 }, async () => {
    const result = await extractMessageText(message({ text: 'Corps intact', parts: [{ filename: 'bombe.docx', contentType: 'application/octet-stream', body: zipBombDocx(64) }, { filename: 'vrai.docx', contentType: 'application/octet-stream', body: await docx() }] }), { timeoutMs: GENEROUS }, pool);
    expect(result.body).toBe('Corps intact');
    expect(result.attachments.map((a) => [a.name, a.status, a.reason])).toEqual([
      ['bombe.docx', 'not_indexed', 'zip_bomb'],
      ['vrai.docx', 'indexed', undefined],
    ]);
    expect(result.notIndexed).toEqual([{ part: 'bombe.docx', reason: 'zip_bomb' }]);
  });

  it('a package whose entries declare more than the uncompressed limit is zip_bomb, whatever its ratio', { timeout: 300_000 }, async () => {
    const result = await extractMessageText(message({ parts: [{ filename: 'gros.docx', contentType: 'application/octet-stream', body: await docx() }] }), { timeoutMs: GENEROUS, maxZipUncompressedBytes: 1024 }, pool);
    expect(result.notIndexed).toEqual([{ part: 'gros.docx', reason: 'zip_bomb' }]);
    const entries = await extractMessageText(message({ parts: [{ filename: 'gros.docx', contentType: 'application/octet-stream', body: await docx() }] }), { timeoutMs: GENEROUS, maxZipEntries: 3 }, pool);
    expect(entries.notIndexed).toEqual([{ part: 'gros.docx', reason: 'zip_bomb' }]);
  });

  it('a zip bomb that lies about its sizes inflates no further than it declares: its cut XML is malformed, not a blown heap', { timeout: 300_000 }, async () => {
    // 64 MB of inflated XML in a 64 MB heap would end the worker (memory); bounded at the declared 1,000 bytes it cannot.
    const small = new ExtractionPool({ workers: 1, memoryMb: 64 });
    try {
      const result = await extractMessageText(message({ parts: [{ filename: 'menteur.docx', contentType: 'application/octet-stream', body: lyingZipBombDocx(64, 1000) }] }), { timeoutMs: GENEROUS }, small);
      expect(result.notIndexed).toEqual([{ part: 'menteur.docx', reason: 'malformed' }]);
      await stillServes(small);
    } finally {
      await small.close();
    }
  });

  it('a malformed PDF is malformed, and a file that is not what its name says is malformed', { timeout: 300_000 }, async () => {
    const result = await extractMessageText(message({ parts: [{ filename: 'abîmé.pdf', contentType: 'application/pdf', body: malformedPdf() }, { filename: 'faux.xlsx', contentType: 'application/octet-stream', body: Buffer.from('pas un classeur') }] }), { timeoutMs: GENEROUS }, pool);
    expect(result.notIndexed).toEqual([
      { part: 'abîmé.pdf', reason: 'malformed' },
      { part: 'faux.xlsx', reason: 'malformed' },
    ]);
    await stillServes(pool);
  });

  it('a part beyond the time limit is timeout: its worker is stopped and the pool serves the next file', { timeout: 300_000 }, async () => {
    // 1 ms for 300 pages of text: no worker reads that in time, however fast and quiet the machine.
    const result = await extractMessageText(message({ text: 'Corps', parts: [{ filename: 'lent.pdf', contentType: 'application/pdf', body: await longPdf(300) }] }), { timeoutMs: 1 }, pool);
    expect(result.attachments[0]).toMatchObject({ name: 'lent.pdf', status: 'not_indexed', reason: 'timeout' });
    expect(result.notIndexed).toEqual([{ part: 'lent.pdf', reason: 'timeout' }]);
    expect(result.body).toBe('Corps');
    await stillServes(pool);
  });

  it('a message has a time budget too: parts not done by then are timeout, so many slow parts cannot hold capture for parts x limit', { timeout: 300_000 }, async () => {
    const long = await longPdf(300);
    const parts = [1, 2, 3].map((n) => ({ filename: `lent-${n}.pdf`, contentType: 'application/pdf', body: long }));
    // Each part alone may take two minutes; the whole message 1 ms: no worker can answer in that.
    const result = await extractMessageText(message({ text: 'Corps', parts }), { timeoutMs: GENEROUS, messageTimeoutMs: 1 }, pool);
    expect(result.body).toBe('Corps');
    expect(result.notIndexed).toEqual([1, 2, 3].map((n) => ({ part: `lent-${n}.pdf`, reason: 'timeout' })));
    await stillServes(pool);
  });

  it('a part that needs more than a worker\'s heap is memory: that worker ends, a new one serves the next file', { timeout: 300_000 }, async () => {
    const small = new ExtractionPool({ workers: 1, memoryMb: 64 });
    try {
      const result = await extractMessageText(message({ parts: [{ filename: 'énorme.xlsx', contentType: 'application/octet-stream', body: manyStringsXlsx(600_000) }] }), { timeoutMs: GENEROUS, maxZipUncompressedBytes: 512 * 1024 * 1024 }, small);
      expect(result.notIndexed).toEqual([{ part: 'énorme.xlsx', reason: 'memory' }]);
      await stillServes(small);
    } finally {
      await small.close();
    }
  });

  it('a worker that cannot even start is not blamed on the file: the call rejects, so the caller retries and the failure shows', { timeout: 300_000 }, async () => {
    // A 1 MB heap cannot load the worker's own code: the pool's fault (its settings), not the PDF's.
    const broken = new ExtractionPool({ workers: 1, memoryMb: 1 });
    try {
      await expect(extractMessageText(message({ parts: [{ filename: 'rapport.pdf', contentType: 'application/pdf', body: await pdf() }] }), { timeoutMs: GENEROUS }, broken)).rejects.toThrow(/extraction worker failed to start/);
    } finally {
      await broken.close();
    }
  });

  it('limits per attachment and per message: bytes, characters, attachments and nesting depth', { timeout: 300_000 }, async () => {
    const big = await extractMessageText(message({ parts: [{ filename: 'gros.pdf', contentType: 'application/pdf', body: await pdf() }] }), { timeoutMs: GENEROUS, maxAttachmentBytes: 100 }, pool);
    expect(big.attachments[0]).toMatchObject({ name: 'gros.pdf', status: 'not_indexed', reason: 'too_large', text: '' });
    expect(big.attachments[0]!.size).toBeGreaterThan(100);

    const cut = await extractMessageText(message({ parts: [{ filename: 'long.txt', contentType: 'text/plain; charset=utf-8', body: PHRASE }] }), { timeoutMs: GENEROUS, maxChars: 10 }, pool);
    expect(cut.attachments[0]).toMatchObject({ status: 'indexed', text: PHRASE.slice(0, 10), truncated: true });

    const many = await extractMessageText(message({ parts: ['a', 'b', 'c'].map((n) => ({ filename: `${n}.txt`, contentType: 'text/plain', body: n })) }), { timeoutMs: GENEROUS, maxAttachments: 2 }, pool);
    expect(many.notIndexed).toEqual([{ part: 'c.txt', reason: 'too_large' }]);

    const budget = await extractMessageText(message({ text: 'Corps du message', parts: [{ filename: 'a.txt', contentType: 'text/plain', body: PHRASE }] }), { timeoutMs: GENEROUS, maxMessageChars: 20 }, pool);
    expect(budget.body).toBe('Corps du message');
    expect(budget.attachments[0]).toMatchObject({ status: 'indexed', text: PHRASE.slice(0, 4), truncated: true });

    // A nested message's text counts once against the message's budget.
    const inner = message({ text: 'Texte du message joint' });
    const withInner = message({ text: 'Corps', parts: [{ filename: 'joint.eml', contentType: 'message/rfc822', body: inner.toString('utf8') }] });
    const whole = await extractMessageText(withInner, { timeoutMs: GENEROUS }, pool);
    // Exactly the body and the attached message's text: it all fits when nothing is counted twice.
    const once = await extractMessageText(withInner, { timeoutMs: GENEROUS, maxMessageChars: whole.body.length + whole.attachments[0]!.text.length }, pool);
    expect(once.attachments[0]).toMatchObject({ status: 'indexed' });
    expect(once.attachments[0]!.truncated).toBeUndefined();
    expect(once.attachments[0]!.text).toContain('Texte du message joint');

    let nested = message({ text: 'Niveau 3' });
    for (const level of [2, 1]) nested = message({ text: `Niveau ${level}`, parts: [{ filename: `niveau-${level + 1}.eml`, contentType: 'message/rfc822', body: nested.toString('utf8') }] });
    const deep = await extractMessageText(nested, { timeoutMs: GENEROUS, maxDepth: 1 }, pool);
    expect(deep.attachments[0]).toMatchObject({ name: 'niveau-2.eml', status: 'indexed' });
    expect(deep.attachments[0]!.text).toContain('Niveau 2');
    expect(deep.notIndexed).toEqual([{ part: 'niveau-2.eml > niveau-3.eml', reason: 'too_deep' }]);
  });

  it('a message that is not MIME at all, or beyond the parser\'s limits, is recorded, not thrown', { timeout: 300_000 }, async () => {
    const parts = Array.from({ length: 1_100 }, (_, i) => ({ filename: `p${i}.txt`, contentType: 'text/plain', body: 'x' }));
    const result = await extractMessageText(message({ text: 'Trop de parties', parts }), { timeoutMs: GENEROUS, maxAttachments: 2_000 }, pool);
    expect(result.notIndexed).toEqual([{ part: 'message', reason: 'too_large' }]);
  });
});
