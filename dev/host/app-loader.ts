import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveEntryFiles } from './entry-glob';
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
  /** The entry files `main` resolved to, in load order. */
  entries: string[];
  hostJson: HostJson;
  registry: FunctionRegistry;
}

/**
 * Loads a v4-model app the way the worker does: every file `main` from its package.json matches (a
 * path or a glob such as `dist/src/functions/*.js`), required after the `@azure/functions-core` stand-in is in place, so its own `app.*`
 * registrations land in the registry.
 */
export function loadApp(appDir: string): LoadedApp {
  const dir = path.resolve(appDir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error(`${dir}/package.json has no "main": the host needs the app's entry point.`);
  const entries = resolveEntryFiles(dir, pkg.main);
  if (entries.length === 0) throw new Error(`No file of ${dir} matches the app's entry point "${pkg.main}" (run the build first).`);
  const hostJsonPath = path.join(dir, 'host.json');
  const hostJson = existsSync(hostJsonPath) ? (JSON.parse(readFileSync(hostJsonPath, 'utf8')) as HostJson) : {};

  const registry = new FunctionRegistry();
  installFunctionsCore(registry);
  for (const entry of entries) require(entry);
  return { appDir: dir, entries, hostJson, registry };
}
