/**
 * `npm run archive:verify`: seals any day not yet sealed, then verifies every manifest, re-hashing
 * each stored blob, and prints the verdict. Exit code 0 when intact, 2 on a mismatch (the problems
 * are listed by entry id and hash), 1 when it could not run. It reads the app's settings from the
 * environment only (on the local stack, dev/archive-verify.ts fills them from the running stack).
 * `--no-seal` verifies what is sealed without sealing new days.
 */
import { settings } from '../../platform/settings';
import { recordsServices } from './records-services';
import { verifyArchive } from '../records/integrity';

async function main(): Promise<number> {
  settings();
  const services = recordsServices();
  const sealed = process.argv.includes('--no-seal') ? [] : await services.manifests.seal();
  const status = await verifyArchive({ manifests: services.manifests, verdicts: services.verdicts, disposals: services.disposals, content: services.content });
  process.stdout.write(JSON.stringify({ sealed, ...status, id: undefined, pk: undefined, type: undefined }, null, 2) + '\n');
  if (status.status === 'mismatch') {
    process.stderr.write(`ARCHIVE INTEGRITY MISMATCH: ${status.problemCount} problem(s); first: ${status.problems.slice(0, 10).map((p) => `${p.kind} ${p.day} ${p.entryId ?? ''} ${p.contentHash ?? ''}`.trim()).join('; ')}\n`);
    return 2;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`archive:verify could not run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
