/**
 * The on-premises relay agent's entry point: `node agent.js --config /etc/spgq-onprem-agent/config.json`
 * (or SPGQ_AGENT_CONFIG). Exits 2 on an invalid configuration (the message names the setting),
 * 0 after a graceful stop on SIGTERM or SIGINT.
 */
import { agentLog, errorSummary, type AgentLogLevel } from './agent-log';
import { ConfigError, loadConfig } from './config';
import { openAgentRuntime } from './runtime';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--config');
  const file = (flag >= 0 ? args[flag + 1] : undefined) ?? process.env.SPGQ_AGENT_CONFIG;
  if (!file) {
    process.stderr.write('Usage: spgq-onprem-agent --config <config.json>   (or set SPGQ_AGENT_CONFIG)\n');
    process.exit(2);
  }
  const log = agentLog((process.env.SPGQ_AGENT_LOG_LEVEL as AgentLogLevel | undefined) ?? 'info');
  let runtime: Awaited<ReturnType<typeof openAgentRuntime>>;
  try {
    runtime = await openAgentRuntime(loadConfig(file), log);
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : `The agent cannot start: ${(e as Error).message}`}\n`);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'agent.signal', { signal });
    runtime.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log('error', 'agent.stop_failed', errorSummary(e));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await runtime.agent.start();
  if (!stopping) log('info', 'agent.ready', { pid: process.pid });
}

void main();
