import { loadApp, type LoadedApp } from './app-loader';
import { createHostLog, type HostLog } from './host-log';
import { startHttpTriggers, type HostRouteHandler } from './http-trigger';
import { startTimerTriggers } from './timer-trigger';
import { blobScheduleMonitor } from './schedule-monitor';
import { startServiceBusTriggers } from './servicebus-trigger';
import { startBlobTriggers } from './blob-trigger';
import { startDurable } from './durable/durable-host';
import { registerBlobBindings } from './blob-bindings';
import { checkOutputBindings } from './binding-check';

export interface HostOptions {
  /** Folder with the app's package.json (its `main` is loaded) and host.json. */
  appDir: string;
  /** 7071 by default, like `func start`; 0 picks a free port. */
  port?: number;
  host?: string;
  log?: HostLog;
}

export interface RunningHost {
  port: number;
  baseUrl: string;
  app: LoadedApp;
  stop(): Promise<void>;
}

const HANDLED_TRIGGERS = new Set(['httptrigger', 'timertrigger', 'servicebustrigger', 'orchestrationtrigger', 'activitytrigger', 'entitytrigger', 'blobtrigger']);

/**
 * Loads the app and starts a listener per trigger kind. The process environment holds the app
 * settings (as in the worker); storage-backed features need AzureWebJobsStorage.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const log = options.log ?? createHostLog();
  const app = loadApp(options.appDir);
  app.registry.systemLog = (level, message) => {
    if (level === 'warning' || level === 'error' || level === 'critical') log.warn(message);
  };
  const outputs = checkOutputBindings(app.registry);
  for (const line of outputs.dropped) log.warn(`Declared optional, not delivered by this host: ${line}.`);
  const capabilities = (await app.registry.programmingModel?.getCapabilities({})) ?? {};
  registerBlobBindings(app.registry);
  await app.registry.runHooks('appStart', { hookData: {}, appHookData: {} });

  for (const fn of app.registry.functions.values()) {
    if (!HANDLED_TRIGGERS.has(fn.triggerType)) log.warn(`No listener for trigger type '${fn.trigger.type}': function '${fn.name}' will not run in this host.`);
  }

  const storage = process.env.AzureWebJobsStorage;
  let baseUrl = '';
  const hostRoutes: HostRouteHandler[] = [];
  const durable = storage ? await startDurable({ app, log, storageConnection: storage, baseUrl: () => baseUrl }) : undefined;
  if (durable) hostRoutes.push(durable.httpApi);
  else if (app.registry.byTrigger('orchestrationTrigger').length > 0) throw new Error('Durable Functions need AzureWebJobsStorage to be set.');

  const http = await startHttpTriggers({ app, log, port: options.port ?? 7071, host: options.host, streamProxyUri: capabilities.HttpUri, hostRoutes });
  baseUrl = http.baseUrl;
  durable?.start();
  // Timer status is kept per host id, as in Azure, where AzureFunctionsWebHost__hostid sets it (two
  // apps on one storage account must not share it).
  const timers = startTimerTriggers({ app, log, monitor: storage ? blobScheduleMonitor(storage, process.env.AzureFunctionsWebHost__hostid || undefined) : undefined });
  const serviceBus = await startServiceBusTriggers({ app, log });
  const blobs = startBlobTriggers({ app, log });

  printFunctions(app, http.baseUrl, log);
  let stopping: Promise<void> | undefined;
  return {
    port: http.port,
    baseUrl: http.baseUrl,
    app,
    stop: () =>
      (stopping ??= (async () => {
        log.info('Stopping JobHost');
        const timed = async (what: string, stop: () => Promise<unknown>) => {
          const t = Date.now();
          await stop();
          if (Date.now() - t > 1000) log.info(`Stopping ${what} took ${Date.now() - t} ms`);
        };
        await timed('timer triggers', () => timers.stop());
        await timed('Service Bus listeners', () => serviceBus.stop());
        await timed('blob triggers', () => blobs.stop());
        await timed('Durable Functions', async () => durable?.stop());
        await timed('HTTP listener', () => http.close());
        await app.registry.runHooks('appTerminate', { hookData: {}, appHookData: {} }).catch(() => {});
        log.info('Job host stopped');
      })()),
  };
}

function printFunctions(app: LoadedApp, baseUrl: string, log: HostLog) {
  const prefix = (app.hostJson.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const lines = ['Functions:', ''];
  for (const fn of app.registry.functions.values()) {
    if (fn.triggerType === 'httptrigger') {
      const methods = (fn.trigger.methods as string[] | undefined)?.join(',') ?? 'ALL';
      const route = [prefix, String(fn.trigger.route ?? fn.name)].filter(Boolean).join('/');
      lines.push(`        ${fn.name}: [${methods}] ${baseUrl}/${route}`);
    } else {
      lines.push(`        ${fn.name}: ${fn.trigger.type}`);
    }
  }
  log.info(lines.join('\n'));
}
