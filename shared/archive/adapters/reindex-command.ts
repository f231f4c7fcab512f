/**
 * `npm run archive:reindex`: rebuilds the full-text index from the archive (docs/decisions/0020):
 * deletes the index, recreates it, and runs indexing passes until they catch up with capture,
 * printing progress (counts only) after each. `--continue` resumes from the watermark without
 * dropping the index (after an interrupted rebuild). Exit 0 when caught up, 1 when it could not
 * run. Reads the app's settings from the environment (dev/archive-reindex.ts fills them locally).
 */
import { settings } from '../../platform/settings';
import { recordsServices } from './records-services';

async function main(): Promise<number> {
  settings();
  const fullText = recordsServices().fullText;
  if (!fullText) {
    process.stderr.write('archive:reindex: AZURE_SEARCH_ENDPOINT is not set\n');
    return 1;
  }
  if (!process.argv.includes('--continue')) await fullText.indexing.startRebuild('archive:reindex');
  let total = 0;
  for (;;) {
    const pass = await fullText.indexing.pass(60_000);
    total += pass.indexed;
    process.stdout.write(`${JSON.stringify({ indexed: total, watermark: pass.watermark, caughtUp: pass.caughtUp })}\n`);
    if (pass.caughtUp) return 0;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`archive:reindex could not run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
