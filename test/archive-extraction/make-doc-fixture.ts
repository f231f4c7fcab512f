/**
 * Writes test/fixtures/archive-extraction/proces-verbal.doc: the fixtures' Word document (fixtures.ts,
 * with the known French phrase) saved as a legacy binary .doc by LibreOffice. No JavaScript library
 * writes that format, so the file is generated once and committed; run again only to change it:
 *   npx tsx test/archive-extraction/make-doc-fixture.ts   (needs `soffice`, Debian's libreoffice)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docx } from './fixtures';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'doc-fixture-'));
  try {
    writeFileSync(path.join(dir, 'proces-verbal.docx'), await docx());
    execFileSync('soffice', ['--headless', '--convert-to', 'doc:MS Word 97', '--outdir', dir, path.join(dir, 'proces-verbal.docx')], { stdio: 'inherit', env: { ...process.env, HOME: dir } });
    copyFileSync(path.join(dir, 'proces-verbal.doc'), path.join(__dirname, '../fixtures/archive-extraction/proces-verbal.doc'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
