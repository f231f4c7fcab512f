/** `%Name%` in binding properties is replaced by the app setting `Name`, as the host does. */
export function resolveSetting(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`The app setting '${name}' referenced as %${name}% is not set.`);
    return v;
  });
}

/**
 * A binding's `connection`: the setting itself, or (for identity-based connections) the
 * `<name>__fullyQualifiedNamespace` / `<name>__serviceUri` form is not supported locally.
 */
export function connectionSetting(name: string | undefined, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = name || fallback;
  const v = env[key] ?? env[`AzureWebJobs${key}`];
  if (!v) throw new Error(`The connection setting '${key}' is not set (the host reads it from the app settings).`);
  return v;
}
