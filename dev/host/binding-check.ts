import type { FunctionRegistry } from './functions-core';

/** Output binding types this host delivers (blob: blob-bindings.ts; serviceBus: servicebus-trigger.ts). */
const DELIVERED_OUTPUTS = new Set(['http', 'blob', 'servicebus']);

/**
 * The app setting that lists output bindings the developer accepts to lose locally, e.g.
 * `storageQueue` (every binding of that type) or `notify:storageQueue` (that function's only).
 * It lives in the app settings (local.settings.json), not in the app's code or host.json: the app
 * must run unmodified on Azure, where every binding is delivered, so "optional" is a local choice.
 */
export const OPTIONAL_OUTPUTS_SETTING = 'LOCAL_HOST_OPTIONAL_OUTPUT_BINDINGS';

export interface OutputBindingReport {
  /** Bindings declared optional: their values are dropped, with a warning, at each invocation. */
  dropped: string[];
}

/**
 * Refuses to start an app with an output binding the host would not deliver: a value silently
 * lost at run time (a queue message never sent) is found much later than a host that will not start.
 */
export function checkOutputBindings(registry: FunctionRegistry, env: NodeJS.ProcessEnv = process.env): OutputBindingReport {
  const optional = new Set(
    (env[OPTIONAL_OUTPUTS_SETTING] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
  );
  const refused: string[] = [];
  const dropped: string[] = [];
  for (const fn of registry.functions.values()) {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'out') continue;
      const type = (binding.type ?? '').toLowerCase();
      if (DELIVERED_OUTPUTS.has(type)) continue;
      const line = `function '${fn.name}': output binding '${name}' of type '${binding.type ?? '?'}'`;
      if (optional.has(type) || optional.has(`${fn.name.toLowerCase()}:${type}`)) dropped.push(line);
      else refused.push(line);
    }
  }
  if (refused.length) {
    throw new Error(
      `This host does not deliver these output bindings:\n  ${refused.join('\n  ')}\n` +
        `Supported output types: http, blob, serviceBus. To run anyway and drop their values, list them in the app setting ` +
        `${OPTIONAL_OUTPUTS_SETTING} (e.g. "storageQueue" or "<function>:storageQueue").`,
    );
  }
  return { dropped };
}
