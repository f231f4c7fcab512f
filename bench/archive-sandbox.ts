/**
 * The Microsoft 365 sandbox in its own process for bench:archive, so generating MIME does not
 * compete with the app for the bench process's CPU. Options: one JSON argument (M365SandboxOptions).
 * Prints one JSON line with the sandbox's addresses, certificate and tenant summary.
 */
import { startM365Sandbox, type M365SandboxOptions } from '../dev/m365-sandbox';

async function main() {
  const options = JSON.parse(process.argv[2] ?? '{}') as M365SandboxOptions;
  const sandbox = await startM365Sandbox(options);
  process.stdout.write(JSON.stringify({ ready: true, baseUrl: sandbox.baseUrl, graphBaseUrl: sandbox.graphBaseUrl, controlUrl: sandbox.controlUrl, caCertPem: sandbox.caCertPem, tenant: sandbox.tenant }) + '\n');
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
