import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_DATA_FORMAT, setAsideEarlierData } from '../../dev/local-stack/data-format';

describe('local stack data format', () => {
  it('sets emulator data of an earlier format aside once, keeping it, and leaves current data alone', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-format-'));
    mkdirSync(path.join(dir, 'azurite'));
    writeFileSync(path.join(dir, 'azurite', 'blob.db'), 'old');
    writeFileSync(path.join(dir, 'cosmos.json'), '{"databases":[]}');
    mkdirSync(path.join(dir, 'relay'));

    const aside = setAsideEarlierData(dir, new Date('2026-11-28T12:00:00Z'));
    expect(aside).toBe(path.join(dir, 'earlier-data-2026-11-28T12-00-00-000Z'));
    expect(readFileSync(path.join(aside!, 'azurite', 'blob.db'), 'utf8')).toBe('old');
    expect(existsSync(path.join(aside!, 'cosmos.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'azurite'))).toBe(false);
    expect(existsSync(path.join(dir, 'relay'))).toBe(true);
    expect(readFileSync(path.join(dir, 'data-format'), 'utf8').trim()).toBe(LOCAL_DATA_FORMAT);

    // Data written by this version stays where it is.
    mkdirSync(path.join(dir, 'azurite'));
    expect(setAsideEarlierData(dir)).toBeUndefined();
    expect(existsSync(path.join(dir, 'azurite'))).toBe(true);
  });

  it('marks a fresh folder without moving anything', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-format-'));
    expect(setAsideEarlierData(dir)).toBeUndefined();
    expect(readFileSync(path.join(dir, 'data-format'), 'utf8').trim()).toBe(LOCAL_DATA_FORMAT);
  });
});
