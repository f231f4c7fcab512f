import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The format of the emulators' data under .local/. Archived mail was stored as gzip under
 * `.eml.gz` names before it became Brotli under `.eml.br`: entries of that time point at content
 * this version cannot find, and integrity checks would report every one of them. Data of an
 * earlier format is set aside once (never deleted), and the stack starts with fresh emulator data.
 */
export const LOCAL_DATA_FORMAT = 'archive-content-brotli';

const EMULATOR_DATA = ['azurite', 'cosmos.json'];

/** Returns where earlier data was moved, or undefined when there was nothing to move. */
export function setAsideEarlierData(localDir: string, now = new Date()): string | undefined {
  const marker = path.join(localDir, 'data-format');
  const format = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
  const present = EMULATOR_DATA.filter((name) => existsSync(path.join(localDir, name)));
  let aside: string | undefined;
  if (format !== LOCAL_DATA_FORMAT && present.length) {
    aside = path.join(localDir, `earlier-data-${now.toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(aside, { recursive: true });
    for (const name of present) renameSync(path.join(localDir, name), path.join(aside, name));
  }
  writeFileSync(marker, `${LOCAL_DATA_FORMAT}\n`);
  return aside;
}
