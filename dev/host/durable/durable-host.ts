import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { LoadedApp } from '../app-loader';
import type { HostLog } from '../host-log';
import type { HostRouteHandler } from '../http-trigger';
import { resolveSetting } from '../settings';
import { EventType, entityInstanceId, isEntityInstanceId, parseEntityInstanceId, statusHistory, type HistoryEvent } from './history-events';
import { OrchestrationEngine } from './orchestration-engine';
import { TERMINAL, TaskHubStore, type InstanceFilter, type InstanceState } from './task-hub-store';

export interface DurableHost {
  /** Serves the durable client's HTTP API under /durabletask/ (rpcBaseUrl) and /runtime/webhooks/durabletask/. */
  httpApi: HostRouteHandler;
  /** Resumes in-flight instances; call once the HTTP listener is up. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Durable Functions for the app: task hub state in Table storage, the orchestration engine, the
 * durable client binding and the HTTP API the durable client library calls.
 */
export async function startDurable(options: { app: LoadedApp; log: HostLog; storageConnection: string; baseUrl: () => string }): Promise<DurableHost> {
  const { app, log } = options;
  // As in the host: host.json may name the hub through an app setting (%Name%); Core Tools' default is TestHubName.
  const hubName = resolveSetting(app.hostJson.extensions?.durableTask?.hubName ?? 'TestHubName');
  const store = new TaskHubStore(options.storageConnection, hubName);
  await store.ensure();
  const engine = new OrchestrationEngine({
    store, registry: app.registry, log,
    maxConcurrentActivities: app.hostJson.extensions?.durableTask?.maxConcurrentActivityFunctions ?? 10,
  });

  const clientData = () => {
    const base = options.baseUrl();
    const hook = `${base}/runtime/webhooks/durabletask`;
    const query = `taskHub=${hubName}&connection=Storage`;
    return {
      taskHubName: hubName,
      creationUrls: {
        createNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?${query}`,
        createAndWaitOnNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${hook}/instances/INSTANCEID?${query}`,
        sendEventPostUri: `${hook}/instances/INSTANCEID/raiseEvent/{eventName}?${query}`,
        terminatePostUri: `${hook}/instances/INSTANCEID/terminate?reason={text}&${query}`,
        rewindPostUri: `${hook}/instances/INSTANCEID/rewind?reason={text}&${query}`,
        purgeHistoryDeleteUri: `${hook}/instances/INSTANCEID?${query}`,
        restartPostUri: `${hook}/instances/INSTANCEID/restart?${query}`,
        suspendPostUri: `${hook}/instances/INSTANCEID/suspend?reason={text}&${query}`,
        resumePostUri: `${hook}/instances/INSTANCEID/resume?reason={text}&${query}`,
      },
      baseUrl: hook,
      requiredQueryStringParameters: query,
      rpcBaseUrl: `${base.replace('localhost', '127.0.0.1')}/durabletask/`,
    };
  };
  const clientInput = () => ({ string: JSON.stringify(clientData()) });
  app.registry.inputProviders.set('durableclient', clientInput);
  app.registry.inputProviders.set('orchestrationclient', clientInput);

  const managementPayload = (instanceId: string) => {
    const urls = clientData().managementUrls;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(urls)) out[k] = v.replace('INSTANCEID', encodeURIComponent(instanceId));
    out.id = instanceId;
    return out;
  };

  const httpApi: HostRouteHandler = async (req, res, url) => {
    const m = /^\/(?:runtime\/webhooks\/)?durabletask\/(.*)$/.exec(url.pathname);
    if (!m) return false;
    const parts = m[1]!.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const [kind, a, b, c] = parts;
    // As the extension does: a start or an event whose body is not JSON is refused before it can
    // reach an orchestrator (which would fail replaying an input it cannot parse).
    const notJson = body.length > 0 && !isJson(body);

    if (kind === 'orchestrators' && method === 'POST' && a) {
      if (!app.registry.functions.get(a) || app.registry.functions.get(a)!.triggerType !== 'orchestrationtrigger') {
        return send(res, 400, { Message: `The function '${a}' doesn't exist, is disabled, or is not an orchestrator function.` });
      }
      if (notJson) return send(res, 400, { Message: 'The request content is not valid JSON.' });
      const instanceId = b ?? randomUUID().replace(/-/g, '');
      const existing = await store.getInstance(instanceId);
      if (existing && !TERMINAL.has(existing.status)) {
        return send(res, 409, { Message: `An instance with ID '${instanceId}' already exists.` });
      }
      await engine.startInstance({ name: a, instanceId, input: body.length ? body : 'null' });
      log.info(`Started orchestration '${a}' with instance ID '${instanceId}'.`);
      // The extension's check-status response: 202, the status link in Location, and a 10 s Retry-After.
      return send(res, 202, managementPayload(instanceId), { Location: managementPayload(instanceId).statusQueryGetUri!, 'Retry-After': '10' });
    }

    if (kind === 'entities' && a) {
      const hasEntity = [...app.registry.functions.values()].some((f) => f.triggerType === 'entitytrigger' && f.name.toLowerCase() === a.toLowerCase());
      if (b && method === 'GET') {
        // The extension's answers: 200 with the state as the body, 404 when the entity does not exist.
        const entity = await store.getInstance(entityInstanceId(a, b));
        if (!entity?.entityExists) return send(res, 404, { Message: `No entity with ID '${entityInstanceId(a, b)}' found.` });
        return send(res, 200, entity.entityState ?? 'null');
      }
      if (b && method === 'POST') {
        if (!hasEntity) return send(res, 404, { Message: `The entity function '${a}' doesn't exist in this app.` });
        if (notJson) return send(res, 400, { Message: "Le contenu de la requête n'est pas du JSON valide. / The request content is not valid JSON." });
        await engine.sendToEntity(entityInstanceId(a, b), { id: randomUUID(), op: url.searchParams.get('op') ?? '', signal: true, input: body.length ? body : undefined });
        return send(res, 202, '');
      }
      if (!b && method === 'GET') return listEntities(res, a, url.searchParams, req.headers['x-ms-continuation-token']);
    }

    if (kind === 'instances' && !a && method === 'GET') {
      const q = url.searchParams;
      const pageSize = Number(q.get('top') ?? 100);
      const token = req.headers['x-ms-continuation-token'];
      const pages = store.listInstances(queryFilter(q), pageSize, typeof token === 'string' && token ? Buffer.from(token, 'base64').toString() : undefined);
      const first = await pages.next();
      const page = first.done ? { instances: [], continuationToken: undefined } : first.value;
      const headers: Record<string, string> = {};
      if (page.continuationToken) headers['x-ms-continuation-token'] = Buffer.from(page.continuationToken).toString('base64');
      return send(res, 200, page.instances.filter((i) => !isEntityInstanceId(i.instanceId)).map((i) => statusBody(i, q.get('showInput') !== 'false')), headers);
    }

    if (kind === 'instances' && !a && method === 'DELETE') {
      const q = url.searchParams;
      // As the extension: a purge by filter needs a lower creation-time bound (an empty filter would
      // purge the whole hub); the upper bound defaults to now.
      const from = isoDate(q.get('createdTimeFrom'));
      if (!from) {
        return send(res, 400, { Message: "Indiquez une date valide pour le paramètre 'createdTimeFrom'. / Please provide value for 'createdTimeFrom' parameter." });
      }
      const to = isoDate(q.get('createdTimeTo')) ?? new Date().toISOString();
      let deleted = 0;
      for await (const page of store.listInstances({ ...queryFilter(q), createdTimeFrom: from, createdTimeTo: to }, 100)) {
        for (const i of page.instances) if (TERMINAL.has(i.status)) deleted += await store.purge(i.instanceId);
      }
      return send(res, deleted ? 200 : 404, { instancesDeleted: deleted });
    }

    if (kind === 'instances' && a) {
      const instance = await store.getInstance(a);
      if (!instance) return send(res, 404, { Message: `No instance with ID '${a}' found.` });
      if (!b && method === 'GET') {
        const q = url.searchParams;
        const status = statusBody(instance, q.get('showInput') !== 'false');
        if (q.get('showHistory') === 'true') {
          const { history } = await store.load(a);
          status.historyEvents = statusHistory(history, q.get('showHistoryOutput') === 'true');
        }
        // The extension's codes: 202 while the instance may still change (with where to poll and
        // when), 200 once it is final, or 500 for a failure when the caller asked for it.
        if (!TERMINAL.has(instance.status)) {
          return send(res, 202, status, { Location: `${options.baseUrl()}${url.pathname}${url.search}`, 'Retry-After': '5' });
        }
        const failedAs500 = instance.status === 'Failed' && q.get('returnInternalServerErrorOnFailure')?.toLowerCase() === 'true';
        return send(res, failedAs500 ? 500 : 200, status);
      }
      if (!b && method === 'DELETE') {
        if (!TERMINAL.has(instance.status)) {
          return send(res, 412, { Message: `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${a} has status ${instance.status}` });
        }
        return send(res, 200, { instancesDeleted: await store.purge(a) });
      }
      if (method === 'POST' && (b === 'raiseEvent' || b === 'terminate' || b === 'suspend' || b === 'resume')) {
        if (TERMINAL.has(instance.status)) return send(res, 410, { Message: `Instance '${a}' is ${instance.status}.` });
        const now = new Date().toISOString();
        const reason = url.searchParams.get('reason') ?? '';
        if (b === 'raiseEvent' && notJson) return send(res, 400, { Message: 'The request content is not valid JSON.' });
        if (b === 'raiseEvent' && c) {
          const event: HistoryEvent = { EventType: EventType.EventRaised, EventId: -1, IsPlayed: false, Timestamp: now, Name: c, Input: body.length ? body : undefined };
          await engine.post(a, `ev-${Date.now()}-${randomUUID()}`, event);
        } else if (b === 'terminate') {
          await engine.post(a, `terminate-${Date.now()}`, { EventType: EventType.ExecutionTerminated, EventId: -1, IsPlayed: false, Timestamp: now, Input: reason });
        } else if (b === 'suspend') {
          await engine.post(a, `suspend-${Date.now()}`, { EventType: EventType.ExecutionSuspended, EventId: -1, IsPlayed: false, Timestamp: now, Reason: reason });
        } else if (b === 'resume') {
          await engine.post(a, `resume-${Date.now()}`, { EventType: EventType.ExecutionResumed, EventId: -1, IsPlayed: false, Timestamp: now, Reason: reason });
        } else {
          return send(res, 400, { Message: 'An event name is required.' });
        }
        return send(res, 202, '');
      }
      return send(res, 501, { Message: `'${method} ${url.pathname}' (rewind, restart) is not supported by this host.` });
    }
    return send(res, 501, { Message: `'${method} ${url.pathname}' is not supported by this host.` });
  };

  /**
   * The extension's entity query (GET entities/{name}): existing entities of that name with their
   * last operation time and, with fetchState=true, their state; lastOperationTimeFrom/To and top as
   * in the extension, paged with x-ms-continuation-token.
   */
  async function listEntities(res: ServerResponse, name: string, q: URLSearchParams, token: string | string[] | undefined) {
    const from = isoDate(q.get('lastOperationTimeFrom'));
    const to = isoDate(q.get('lastOperationTimeTo'));
    const pages = store.listInstances({ instanceIdPrefix: entityInstanceId(name, '') }, Number(q.get('top') ?? 100), typeof token === 'string' && token ? Buffer.from(token, 'base64').toString() : undefined);
    const first = await pages.next();
    const page = first.done ? { instances: [], continuationToken: undefined } : first.value;
    const headers: Record<string, string> = {};
    if (page.continuationToken) headers['x-ms-continuation-token'] = Buffer.from(page.continuationToken).toString('base64');
    const entities = page.instances
      .filter((i) => i.entityExists && (!from || i.lastUpdatedTime >= from) && (!to || i.lastUpdatedTime <= to))
      .map((i) => ({
        entityId: parseEntityInstanceId(i.instanceId),
        lastOperationTime: i.lastUpdatedTime,
        ...(q.get('fetchState') === 'true' ? { state: parse(i.entityState ?? 'null') } : {}),
      }));
    return send(res, 200, entities, headers);
  }

  return {
    httpApi,
    start() {
      void (async () => {
        const inFlight: string[] = [];
        for await (const page of store.listInstances({ runtimeStatus: ['Pending', 'Running', 'Suspended'] }, 100)) {
          inFlight.push(...page.instances.map((i) => i.instanceId));
        }
        if (inFlight.length) log.info(`Durable task hub '${hubName}': resuming ${inFlight.length} in-flight orchestration(s).`);
        await engine.deliverOutboxes();
        await engine.recover(inFlight);
      })().catch((e: unknown) => log.error(`Durable recovery failed: ${String(e)}`));
    },
    stop: () => engine.stop(),
  };
}

function statusBody(i: InstanceState, showInput: boolean): Record<string, unknown> {
  return {
    name: i.name,
    instanceId: i.instanceId,
    runtimeStatus: i.status,
    input: showInput ? parse(i.input) : null,
    customStatus: parse(i.customStatus),
    output: parse(i.output),
    createdTime: i.createdTime,
    lastUpdatedTime: i.lastUpdatedTime,
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryFilter(q: URLSearchParams): InstanceFilter {
  return {
    createdTimeFrom: isoDate(q.get('createdTimeFrom')),
    createdTimeTo: isoDate(q.get('createdTimeTo')),
    runtimeStatus: q.get('runtimeStatus')?.split(',').filter(Boolean),
    instanceIdPrefix: q.get('instanceIdPrefix') || undefined,
  };
}

/** A query-string date as the ISO text instance rows hold (so they compare as strings), or undefined. */
function isoDate(value: string | null): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
  return true;
}

function isJson(text: string | Buffer): boolean {
  try {
    JSON.parse(text.toString());
    return true;
  } catch {
    return false;
  }
}
