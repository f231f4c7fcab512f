/**
 * `npm run archive:verify`: seals any day not yet sealed, then verifies every manifest, re-hashing
 * each stored blob, and prints the verdict. Exit code 0 when intact, 2 on a mismatch (the problems
 * are listed by entry id and hash), 1 when it could not run. Against a running `npm start` stack it
 * reads the stack's settings from .local/stack.json unless the environment already names Cosmos DB.
 * `--no-seal` verifies what is sealed without sealing new days.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../platform/package-root';
import { settings } from '../../platform/settings';
import { recordsServices } from './records-services';
import { verifyArchive } from '../records/integrity';

async function main(): Promise<number> {
  const stackFile = path.join(packageRoot(), process.env.LOCAL_STACK_DIR ?? '.local', 'stack.json');
  if (!process.env.CosmosDb && !process.env.CosmosDb__accountEndpoint && existsSync(stackFile)) {
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as { settings: Record<string, string> };
    for (const [k, v] of Object.entries(stack.settings)) process.env[k] ??= v;
  }
  settings();
  const services = recordsServices();
  const sealed = process.argv.includes('--no-seal') ? [] : await services.manifests.seal();
  const status = await verifyArchive({ manifests: services.manifests, store: services.store, content: services.content });
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
