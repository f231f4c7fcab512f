/**
 * `npm run archive:verify` on the local stack: the app's settings come from the running `npm start`
 * stack (.local/stack.json) unless the environment already names Cosmos DB, then the production
 * command (shared/archive/adapters/verify-command.ts) runs as it would in Azure.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const stackFile = path.join(__dirname, '..', process.env.LOCAL_STACK_DIR ?? '.local', 'stack.json');
if (!process.env.CosmosDb && !process.env.CosmosDb__accountEndpoint && existsSync(stackFile)) {
  const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as { settings: Record<string, string> };
  for (const [k, v] of Object.entries(stack.settings)) process.env[k] ??= v;
}
require('../shared/archive/adapters/verify-command');
