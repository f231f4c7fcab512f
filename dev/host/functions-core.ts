import type { BindingData } from './binding-data';
import Module from 'node:module';

/**
 * A stand-in for `@azure/functions-core`, the virtual module the Azure Functions Node.js worker gives
 * to `@azure/functions`. With it installed, the app's own `app.*` and `df.app.*` calls register their
 * functions here exactly as they do in the worker, so the host never keeps a second list of functions.
 * Only the parts of the worker's contract that `@azure/functions` 4.x uses are provided.
 */

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData | null;
  statusCode?: string;
  cookies?: RpcHttpCookie[];
  identities?: unknown[];
}

export interface RpcHttpCookie {
  name?: string;
  value?: string;
  domain?: { value?: string } | null;
  path?: { value?: string } | null;
  expires?: { value?: { seconds?: number } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: string | number | null;
  maxAge?: { value?: number } | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcBindingInfo {
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RpcInvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: { name: string; data: RpcTypedData | null }[];
  triggerMetadata: Record<string, RpcTypedData>;
  retryContext?: { retryCount: number; maxRetryCount: number };
}

export interface RpcInvocationResponse {
  invocationId: string;
  outputData?: { name: string; data: RpcTypedData | null | undefined }[];
  returnValue?: RpcTypedData | null;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

/** What the library hands back from `getInvocationModel`; the worker drives these three steps. */
export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  triggerName: string;
  trigger: RpcBindingInfo;
  /** Lower-cased trigger type, e.g. `httptrigger`, `servicebustrigger`, `orchestrationtrigger`. */
  triggerType: string;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

class Disposable {
  #callback: (() => void) | undefined;
  constructor(callback: () => void) {
    this.#callback = callback;
  }
  static from(...items: { dispose(): void }[]) {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  dispose() {
    this.#callback?.();
    this.#callback = undefined;
  }
}

export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, HookCallback[]>();
  programmingModel: ProgrammingModel | undefined;
  /** Data for non-trigger input bindings, by lower-cased binding type (e.g. `durableclient`). */
  readonly inputProviders = new Map<string, (binding: RpcBindingInfo, bindingData: BindingData) => RpcTypedData | null | Promise<RpcTypedData | null>>();
  /** Delivery of output bindings, by lower-cased binding type (e.g. `queue`, `servicebus`, `blob`). */
  readonly outputHandlers = new Map<string, (binding: RpcBindingInfo, data: RpcTypedData, bindingData: BindingData) => Promise<void>>();
  /** System logs from the library (e.g. warnings); user logs go through each invocation's own log. */
  systemLog: (level: string, message: string) => void = () => {};

  /** The object `require('@azure/functions-core')` returns to the app. */
  readonly coreApi = {
    version: '3.10.1',
    hostVersion: '4.1040.0',
    Disposable,
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback) => this.#registerFunction(metadata, callback),
    registerHook: (name: HookName, callback: HookCallback) => this.#registerHook(name, callback),
    setProgrammingModel: (model: ProgrammingModel) => {
      this.programmingModel = model;
    },
    getProgrammingModel: () => this.programmingModel,
    log: (level: string, category: string, message: string) => {
      if (category === 'system') this.systemLog(level, message);
    },
  };

  #registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
    if (this.functions.has(metadata.name)) {
      throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
    }
    const entry = Object.entries(metadata.bindings).find(([, b]) => b.direction === 'in' && /trigger$/i.test(b.type ?? ''));
    if (!entry) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
    const [triggerName, trigger] = entry;
    this.functions.set(metadata.name, {
      name: metadata.name,
      metadata,
      callback,
      triggerName,
      trigger,
      triggerType: (trigger.type ?? '').toLowerCase(),
    });
    return new Disposable(() => this.functions.delete(metadata.name));
  }

  #registerHook(name: HookName, callback: HookCallback) {
    const list = this.hooks.get(name) ?? [];
    list.push(callback);
    this.hooks.set(name, list);
    return new Disposable(() => {
      const i = list.indexOf(callback);
      if (i >= 0) list.splice(i, 1);
    });
  }

  async runHooks(name: HookName, context: Record<string, unknown>) {
    for (const hook of this.hooks.get(name) ?? []) await hook(context);
  }

  byTrigger(type: string): RegisteredFunction[] {
    return [...this.functions.values()].filter((f) => f.triggerType === type.toLowerCase());
  }
}

const CORE_MODULE = '@azure/functions-core';

/**
 * Makes `require('@azure/functions-core')` return the registry's API in this process, as the worker
 * does. Must run before the app (and so `@azure/functions`) is first required.
 */
export function installFunctionsCore(registry: FunctionRegistry): void {
  const moduleInternals = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  const original = moduleInternals._resolveFilename;
  if (!(original as { standIn?: boolean }).standIn) {
    const patched = function (this: unknown, request: string, ...rest: unknown[]) {
      if (request === CORE_MODULE) return CORE_MODULE;
      return original.call(this, request, ...rest);
    };
    (patched as { standIn?: boolean }).standIn = true;
    moduleInternals._resolveFilename = patched;
  }
  const mod = new Module(CORE_MODULE);
  mod.exports = registry.coreApi;
  mod.loaded = true;
  moduleInternals._cache[CORE_MODULE] = mod;
}
