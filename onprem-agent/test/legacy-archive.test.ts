import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { legacyArchive, readInsideRoot } from '../src/connectors/legacy-archive';
import { Denied, NotFound } from '../src/connectors/errors';

/** Path traversal, symbolic links and special files: a fetch never leaves the archive root. */
let dir: string;
let root: string;
const entry = (id: string, file: string, extra: Record<string, unknown> = {}) => ({
  documentId: id, title: `Document ${id}`, classification: 'GRF-01', date: '1990-01-01', mediaType: 'text/plain', sizeBytes: 5, restricted: false, file, ...extra,
});

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spgq-archive-'));
  root = path.join(dir, 'archive');
  mkdirSync(path.join(root, '1990'), { recursive: true });
  writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  writeFileSync(path.join(root, '1990', 'ok.txt'), 'hello');
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, '1990', 'link.txt'));
  symlinkSync(dir, path.join(root, 'escape'));
  symlinkSync(path.join(root, '1990', 'ok.txt'), path.join(root, '1990', 'inside-link.txt'));
  execFileSync('mkfifo', [path.join(root, '1990', 'pipe.txt')]);
  const index = [
    entry('DOC-000001', '1990/ok.txt'),
    entry('DOC-000002', '../secret.txt'),
    entry('DOC-000003', '1990/link.txt'),
    entry('DOC-000004', 'escape/secret.txt'),
    entry('DOC-000005', '/etc/passwd'),
    entry('DOC-000006', '1990/pipe.txt'),
    entry('DOC-000007', '1990/../../secret.txt'),
    entry('DOC-000008', '1990/inside-link.txt'),
    entry('DOC-000009', '1990/missing.txt'),
    entry('DOC-000010', '1990/ok.txt', { restricted: true }),
    entry('DOC-000011', '1990\\..\\..\\secret.txt'),
  ];
  writeFileSync(path.join(root, 'index.json'), JSON.stringify(index));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('legacy archive fetch', () => {
  it('reads a regular file inside the root', async () => {
    const archive = legacyArchive(root, 'index.json');
    const doc = await archive.read('DOC-000001', ['Staff']);
    expect(doc.bytes.toString()).toBe('hello');
    expect(doc.metadata).not.toHaveProperty('file');
  });

  it.each([
    ['DOC-000002', 'path_outside_archive'],
    ['DOC-000003', 'symlink_refused'],
    ['DOC-000004', 'symlink_refused'],
    ['DOC-000005', 'path_outside_archive'],
    ['DOC-000006', 'not_a_regular_file'],
    ['DOC-000007', 'path_outside_archive'],
    ['DOC-000008', 'symlink_refused'],
    ['DOC-000011', 'path_outside_archive'],
  ])('refuses %s (%s) even though the index names it', async (id, code) => {
    const archive = legacyArchive(root, 'index.json');
    const error = await archive.read(id, ['Staff']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Denied);
    expect((error as Denied).code).toBe(code);
  });

  it('refuses device files', () => {
    expect(() => readInsideRoot('/dev', 'null')).toThrow(Denied);
  });

  it('answers not found for unknown ids and missing files, and denied for restricted documents without the role', async () => {
    const archive = legacyArchive(root, 'index.json');
    await expect(archive.read('DOC-999999', ['Staff'])).rejects.toBeInstanceOf(NotFound);
    await expect(archive.read('DOC-000009', ['Staff'])).rejects.toBeInstanceOf(NotFound);
    await expect(archive.read('DOC-000010', ['Staff'])).rejects.toMatchObject({ code: 'restricted_document' });
    await expect(archive.read('DOC-000010', ['Staff', 'RecordsManager'])).resolves.toMatchObject({ metadata: { restricted: true } });
  });

  it('never returns names that are not document ids from the index', async () => {
    const archive = legacyArchive(root, 'index.json');
    for (const id of ['../index.json', 'index.json', '1990/ok.txt', '/etc/passwd']) {
      await expect(archive.read(id, ['Staff'])).rejects.toBeInstanceOf(NotFound);
    }
  });
});
