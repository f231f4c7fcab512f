/**
 * The on-premises agent in the local stack (`npm start`): sample data, keys and config prepared
 * under .local/relay, the agent run from source as its own process, stopped with the stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { prepareLocalRelay } from './local-relay';

export interface LocalRelayAgent {
  /** App settings the function app needs to call this agent. */
  appSettings: Record<string, string>;
  configPath: string;
  /** Starts the agent; resolves when it is connected. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function localRelayAgent(options: { root: string; localDir: string; serviceBusConnectionString: string; storageConnectionString: string }): LocalRelayAgent {
  const relay = prepareLocalRelay({
    dir: path.join(options.localDir, 'relay'),
    serviceBusConnectionString: options.serviceBusConnectionString,
    storageConnectionString: options.storageConnectionString,
    reuseKeys: true,
  });
  let child: ChildProcess | undefined;
  return {
    appSettings: { RELAY_SIGNING_KEY: relay.privateKeyPem, RELAY_SIGNING_KEY_ID: relay.kid, RELAY_AGENT_PUBLIC_KEYS: relay.agentPublicKeys },
    configPath: relay.configPath,
    start() {
      child = spawn(process.execPath, ['--import', 'tsx', path.join(options.root, 'onprem-agent/src/main.ts'), '--config', relay.configPath], {
        cwd: options.root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const agent = child;
      return new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`the on-premises agent did not connect within 30 s:\n${out}`)), 30_000);
        agent.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('"agent.ready"')) {
            clearTimeout(timer);
            resolve();
          }
        });
        agent.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the on-premises agent exited (${code}):\n${out}`));
        });
      });
    },
    stop() {
      const agent = child;
      if (!agent || agent.exitCode !== null || agent.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => agent.kill('SIGKILL'), 15_000);
        agent.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        agent.kill('SIGTERM');
      });
    },
  };
}
