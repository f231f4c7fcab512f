import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * For commands run beside `npm start`: the app's settings come from the running local stack
 * (.local/stack.json) unless the environment already names Cosmos DB (then they run as in Azure).
 */
export function useRunningStackSettings(): void {
  const stackFile = path.join(__dirname, '..', process.env.LOCAL_STACK_DIR ?? '.local', 'stack.json');
  if (!process.env.CosmosDb && !process.env.CosmosDb__accountEndpoint && existsSync(stackFile)) {
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as { settings: Record<string, string> };
    for (const [k, v] of Object.entries(stack.settings)) process.env[k] ??= v;
  }
}
