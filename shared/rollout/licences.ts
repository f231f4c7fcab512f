import type { LicenceDirectory } from './ports';

export class LicencesUnavailable extends Error {
  constructor(readonly partNumbers: string[]) {
    super(`The tenant has no subscription for ${partNumbers.join(', ')}`);
    this.name = 'LicencesUnavailable';
  }
}

/**
 * Gives a user the licences named (SKU part numbers) that they lack. Read first, then assign only
 * what is missing: an activity run again after a crash finds the licence and assigns nothing, so
 * each licence is assigned exactly once.
 */
export async function ensureLicences(
  directory: LicenceDirectory,
  userId: string,
  partNumbers: string[],
  /** Told what is about to be assigned, before the call (so an undo knows it even if the call's answer is lost). */
  beforeAssign: (partNumbers: string[]) => Promise<void> = async () => undefined,
): Promise<{ added: string[]; already: string[] }> {
  if (partNumbers.length === 0) return { added: [], already: [] };
  const ids = await directory.skuIds(partNumbers);
  const unknown = partNumbers.filter((p) => !ids.has(p));
  if (unknown.length > 0) throw new LicencesUnavailable(unknown);
  const have = new Set(await directory.assigned(userId));
  const missing = partNumbers.filter((p) => !have.has(ids.get(p)!));
  if (missing.length > 0) {
    await beforeAssign(missing);
    await directory.change(userId, missing.map((p) => ids.get(p)!), []);
  }
  return { added: missing, already: partNumbers.filter((p) => !missing.includes(p)) };
}

/** Removes every licence the user holds (offboarding, once the mailbox is proven archived). */
export async function removeLicences(directory: LicenceDirectory, userId: string): Promise<{ removed: number }> {
  const have = await directory.assigned(userId);
  if (have.length > 0) await directory.change(userId, [], have);
  return { removed: have.length };
}

/** Takes back the named licences (an undo of what a run assigned); those already gone are left alone. */
export async function releaseLicences(directory: LicenceDirectory, userId: string, partNumbers: string[]): Promise<{ released: string[] }> {
  if (partNumbers.length === 0) return { released: [] };
  const ids = await directory.skuIds(partNumbers);
  const have = new Set(await directory.assigned(userId));
  const release = partNumbers.filter((p) => ids.has(p) && have.has(ids.get(p)!));
  if (release.length > 0) await directory.change(userId, [], release.map((p) => ids.get(p)!));
  return { released: release };
}
