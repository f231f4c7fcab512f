/**
 * `npm run collaboration:plan [space-key ...]`: the dry run. Reads every space (or those named)
 * through Graph and prints the changes the deployed template would make and what it only reports,
 * writing nothing anywhere. The last line is one JSON object with the counts. Exit code 0, or 1
 * when it could not run. Settings come from the environment (dev/collaboration-plan.ts fills them
 * from the running local stack). Not a function: a command composed like one (this folder is the
 * app's composition root; the people catalogue's services are handed to collaboration here). In Azure, the Espaces page's "Vérifier tout (aperçu)" is the dry run.
 */
import { collaborationDeps } from '../../shared/collaboration/adapters/collaboration-services';
import { describeOperation, dryRun } from '../../shared/collaboration/dry-run';
import { peopleCatalogue } from '../../shared/people/adapters/people-services';
import { settings } from '../../shared/platform/settings';

async function main(): Promise<number> {
  settings();
  const keys = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const result = await dryRun(collaborationDeps(peopleCatalogue().services), keys.length > 0 ? keys : undefined);
  for (const space of result.spaces) {
    process.stdout.write(`\n${space.spaceKey} — ${space.displayName} (${space.state}): ${space.operations.length} change(s), ${space.findings.length} finding(s)\n`);
    for (const op of space.operations) process.stdout.write(`  [${op.repair}] ${describeOperation(op)}\n`);
    for (const f of space.findings) process.stdout.write(`  (report) ${f.kind}${'path' in f ? ` ${f.path}` : ''}${f.kind === 'sensitivity-label' ? ` expected "${f.expected}"` : ''}\n`);
  }
  for (const p of result.problems) process.stdout.write(`problem: ${p.spaceKey ?? '(template)'}: ${p.message}\n`);
  const operations = result.spaces.reduce((n, s) => n + s.operations.length, 0);
  process.stdout.write(`${JSON.stringify({ templateVersion: result.templateVersion, spaces: result.spaces.length, operations, findings: result.spaces.reduce((n, s) => n + s.findings.length, 0), problems: result.problems.length })}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`collaboration:plan could not run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
