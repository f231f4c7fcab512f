import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FunctionRegistry, installFunctionsCore } from './functions-core';

/** The parts of host.json this host honours. */
export interface HostJson {
  extensions?: {
    http?: { routePrefix?: string };
    serviceBus?: {
      maxConcurrentCalls?: number;
      maxConcurrentSessions?: number;
      maxAutoLockRenewalDuration?: string;
      autoCompleteMessages?: boolean;
      prefetchCount?: number;
      sessionIdleTimeout?: string;
    };
    durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: number; maxConcurrentOrchestratorFunctions?: number };
  };
}

export interface LoadedApp {
  appDir: string;
  entry: string;
  hostJson: HostJson;
  registry: FunctionRegistry;
}

/**
 * Loads a v4-model app the way the worker does: `main` from its package.json (a file or glob-free
 * path), required after the `@azure/functions-core` stand-in is in place, so its own `app.*`
 * registrations land in the registry.
 */
export function loadApp(appDir: string): LoadedApp {
  const dir = path.resolve(appDir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error(`${dir}/package.json has no "main": the host needs the app's entry point.`);
  if (/[*?{]/.test(pkg.main)) throw new Error(`Glob "main" entries are not supported by this host: ${pkg.main}`);
  const entry = path.resolve(dir, pkg.main);
  if (!existsSync(entry)) throw new Error(`The app's entry point ${entry} does not exist (run the build first).`);
  const hostJsonPath = path.join(dir, 'host.json');
  const hostJson = existsSync(hostJsonPath) ? (JSON.parse(readFileSync(hostJsonPath, 'utf8')) as HostJson) : {};

  const registry = new FunctionRegistry();
  installFunctionsCore(registry);
  require(entry);
  return { appDir: dir, entry, hostJson, registry };
}
