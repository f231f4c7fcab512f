import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { LoadedApp } from './app-loader';
import type { RegisteredFunction } from './functions-core';
import { describeError, type HostLog } from './host-log';
import { invoke } from './invoke';
import { connectionSetting, resolveSetting } from './settings';

export interface BlobTriggers {
  stop(): Promise<void>;
}

/** How often containers are scanned: locally a short interval keeps tests and demos responsive. */
const POLL_MS = 1_000;
/** As the host: a blob whose function keeps failing is given up after five attempts. */
const MAX_ATTEMPTS = 5;
const RECEIPTS = 'azure-webjobs-hosts';

/**
 * Blob triggers (`app.storageBlob`) by scanning the container, as the host's polling scanner does:
 * each new or changed blob (by ETag) whose name matches the trigger's path runs the function once;
 * a receipt blob under `azure-webjobs-hosts/blobreceipts/` remembers what ran, so a restart does not
 * run it again. The path's `{name}`-style parts become binding data (`out/{name}` in an output path),
 * with `BlobTrigger`, `Uri`, `Properties` and `Metadata` as the host documents.
 */
export function startBlobTriggers(options: { app: LoadedApp; log: HostLog; env?: NodeJS.ProcessEnv }): BlobTriggers {
  const { app, log } = options;
  const env = options.env ?? process.env;
  const loops: Promise<void>[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;

  for (const fn of app.registry.byTrigger('blobTrigger')) {
    let watch: { service: BlobServiceClient; container: string; pattern: RegExp; names: string[] };
    try {
      const service = BlobServiceClient.fromConnectionString(connectionSetting(fn.trigger.connection as string | undefined, 'AzureWebJobsStorage', env));
      const [container, ...rest] = resolveSetting(String(fn.trigger.path ?? ''), env).split('/');
      if (!container) throw new Error(`the blob trigger path '${String(fn.trigger.path)}' has no container`);
      watch = { service, container, ...blobPattern(rest.join('/')) };
    } catch (e) {
      log.error(`The '${fn.name}' function is in error: ${(e as Error).message}`);
      continue;
    }
    loops.push(poll(fn, watch));
  }

  async function poll(fn: RegisteredFunction, watch: { service: BlobServiceClient; container: string; pattern: RegExp; names: string[] }) {
    const container = watch.service.getContainerClient(watch.container);
    const receipts = watch.service.getContainerClient(RECEIPTS);
    while (!stopped) {
      try {
        if (await container.exists()) await scan(fn, watch, container, receipts);
      } catch (e) {
        log.error(`Blob trigger '${fn.name}': scanning '${watch.container}' failed: ${describeError(e)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async function scan(fn: RegisteredFunction, watch: { pattern: RegExp; names: string[]; container: string }, container: ContainerClient, receipts: ContainerClient) {
    for await (const item of container.listBlobsFlat({ includeMetadata: true })) {
      if (stopped) return;
      const match = watch.pattern.exec(item.name);
      if (!match) continue;
      const receipt = receipts.getBlockBlobClient(`blobreceipts/local/${fn.name}/${watch.container}/${item.name}`);
      const seen = await receipt.getProperties().then((p) => p.metadata ?? {}, () => ({} as Record<string, string>));
      const etag = item.properties.etag ?? '';
      if (seen.etag === etag && (seen.done === 'true' || Number(seen.attempts ?? 0) >= MAX_ATTEMPTS)) continue;
      const attempts = seen.etag === etag ? Number(seen.attempts ?? 0) + 1 : 1;
      const blob = container.getBlockBlobClient(item.name);
      const bytes = await blob.downloadToBuffer();
      const metadata: Record<string, { string?: string; json?: string }> = {
        BlobTrigger: { string: `${watch.container}/${item.name}` },
        Uri: { string: blob.url },
        Properties: { json: JSON.stringify({ ContentType: item.properties.contentType, Length: item.properties.contentLength, ETag: etag, LastModified: item.properties.lastModified }) },
        Metadata: { json: JSON.stringify(item.metadata ?? {}) },
      };
      watch.names.forEach((name, i) => (metadata[name] = { string: match[i + 1]! }));
      const outcome = await invoke(app.registry, fn, { triggerData: { bytes }, triggerMetadata: metadata, reason: `New blob detected(${watch.container}/${item.name}).` }, log);
      if (!outcome.succeeded && attempts >= MAX_ATTEMPTS) log.error(`Blob trigger '${fn.name}': '${watch.container}/${item.name}' failed ${attempts} times; given up until the blob changes.`);
      await receipts.createIfNotExists();
      await receipt.upload('', 0, { metadata: { etag, done: String(outcome.succeeded), attempts: String(attempts) } });
    }
  }

  return {
    async stop() {
      stopped = true;
      wake?.();
      await Promise.allSettled(loops);
    },
  };
}

/** `{name}.txt`-style blob name patterns: each `{part}` matches any text (slashes included, as virtual folders). */
function blobPattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  let re = '';
  let last = 0;
  for (const m of template.matchAll(/\{([^{}]+)\}/g)) {
    re += escapeRe(template.slice(last, m.index)) + '(.+?)';
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  re += escapeRe(template.slice(last));
  return { pattern: new RegExp(`^${re}$`), names };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
