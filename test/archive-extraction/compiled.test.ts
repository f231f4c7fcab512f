import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { message, PHRASE, pdf, zipBombDocx } from './fixtures';

/**
 * The compiled app (dist/, what Azure runs; `npm test` builds it first) starts its extraction
 * workers from dist/.../worker.js, without tsx, and a process using it exits on its own once done
 * (idle workers do not hold it).
 */
const ROOT = path.resolve(__dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'extract-compiled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('archive text extraction: compiled app', () => {
  it('extracts through dist/ worker threads and lets the process exit', { timeout: 300_000 }, async () => {
    const eml = path.join(dir, 'message.eml');
    writeFileSync(eml, message({ html: '<p>Réunion</p><script>x()</script>', parts: [{ filename: 'rapport.pdf', contentType: 'application/pdf', body: await pdf() }, { filename: 'bombe.docx', contentType: 'application/octet-stream', body: zipBombDocx(16) }] }));
    const script = `const { extractMessageText } = require(${JSON.stringify(path.join(ROOT, 'dist/shared/archive/extraction'))});
extractMessageText(require('node:fs').readFileSync(process.argv[1])).then((r) => process.stdout.write(JSON.stringify(r)));`;
    // No --import tsx here: the worker must be the compiled one. The process ends by itself (execFile waits for it).
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, eml], { cwd: ROOT, timeout: 240_000 });
    const result = JSON.parse(stdout) as { body: string; attachments: { name: string; text: string; status: string }[]; notIndexed: unknown[] };
    expect(result.body).toBe('Réunion');
    expect(result.attachments[0]).toMatchObject({ name: 'rapport.pdf', status: 'indexed' });
    expect(result.attachments[0]!.text).toContain(PHRASE);
    expect(result.notIndexed).toEqual([{ part: 'bombe.docx', reason: 'zip_bomb' }]);
  });
});
