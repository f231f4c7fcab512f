/**
 * The Cosmos DB emulator in its own process for benchmarks (see child-service.ts). Prints one JSON
 * line with its connection string; stops on SIGTERM.
 */
import { startCosmosEmulator } from '../dev/local-stack/cosmos';

async function main() {
  const cosmos = await startCosmosEmulator({});
  process.stdout.write(JSON.stringify({ connectionString: cosmos.connectionString }) + '\n');
  const stop = () => void cosmos.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
