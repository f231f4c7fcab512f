import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import type { FunctionRegistry, RegisteredFunction, RpcInvocationResponse, RpcTypedData } from './functions-core';
import { bindingDataOf, type BindingData } from './binding-data';
import { describeError, type HostLog } from './host-log';

export interface InvocationRequest {
  /** Trigger input as the host would send it over gRPC. */
  triggerData: RpcTypedData | null;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Values for the function's extra input bindings, by binding name. */
  extraInputs?: Record<string, RpcTypedData | null>;
  /** Shown in the "Executing" line, as the real host does ("Timer fired at ...", "New ServiceBus message ..."). */
  reason: string;
  retryContext?: { retryCount: number; maxRetryCount: number };
  invocationId?: string;
}

export interface InvocationOutcome {
  invocationId: string;
  succeeded: boolean;
  error?: unknown;
  response?: RpcInvocationResponse;
  durationMs: number;
}

/**
 * Runs one invocation the way the Node.js worker does: the library's InvocationModel turns the
 * RPC-shaped data into HttpRequest / InvocationContext objects, hooks run around the handler, and the
 * result comes back in RPC shape (so output bindings and HTTP responses go through the real converters).
 */
export async function invoke(
  registry: FunctionRegistry,
  fn: RegisteredFunction,
  request: InvocationRequest,
  log: HostLog,
): Promise<InvocationOutcome> {
  const model = registry.programmingModel;
  if (!model) throw new Error('The app did not set a programming model (is it a v4 @azure/functions app?)');
  const invocationId = request.invocationId ?? randomUUID();
  const started = performance.now();
  log.info(`Executing 'Functions.${fn.name}' (Reason='${request.reason}', Id=${invocationId})`);

  const inputData = [{ name: fn.triggerName, data: request.triggerData }];
  // Binding expressions in input and output bindings ({name}, {Query.kind}...) read the trigger's data;
  // gathered only for a function that has some, so an upload's body is not parsed for nothing.
  const bindingData = hasExpressions(fn) ? bindingDataOf(request.triggerData, request.triggerMetadata) : {};
  try {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (name === fn.triggerName || binding.direction !== 'in') continue;
      const given = request.extraInputs?.[name];
      const provider = registry.inputProviders.get((binding.type ?? '').toLowerCase());
      if (given !== undefined) inputData.push({ name, data: given });
      else if (provider) inputData.push({ name, data: await provider(binding, bindingData) });
    }
  } catch (e) {
    log.error(`Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=0ms): an input binding failed: ${describeError(e)}`);
    return { invocationId, succeeded: false, error: e, durationMs: 0 };
  }
  const coreCtx = {
    invocationId,
    request: {
      invocationId,
      functionId: fn.name,
      inputData,
      triggerMetadata: request.triggerMetadata ?? {},
      retryContext: request.retryContext,
    },
    metadata: fn.metadata,
    state: undefined as string | undefined,
    log: (level: string, category: string, message: string) => {
      if (category === 'user' || level === 'warning' || level === 'error') log.info(message);
    },
  };

  let response: RpcInvocationResponse | undefined;
  let error: unknown;
  try {
    const invocationModel = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocationModel.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre: Record<string, unknown> = { invocationContext: context, inputs, functionCallback: fn.callback, hookData };
    coreCtx.state = 'preInvocationHooks';
    await registry.runHooks('preInvocation', pre);
    coreCtx.state = 'invocation';
    let result: unknown;
    try {
      result = await invocationModel.invokeFunction(context, pre.inputs as unknown[], pre.functionCallback as never);
    } catch (e) {
      error = e;
    }
    coreCtx.state = 'postInvocationHooks';
    const post: Record<string, unknown> = { invocationContext: context, inputs: pre.inputs, result, error, hookData };
    await registry.runHooks('postInvocation', post);
    error = post.error;
    if (!error) {
      response = await invocationModel.getResponse(context, post.result);
      await deliverOutputs(registry, fn, response, log, bindingData);
    }
  } catch (e) {
    error = e;
  }
  const durationMs = Math.round(performance.now() - started);
  if (error) {
    log.error(`Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${durationMs}ms)`);
    log.error(`Result: Failure\nException: ${format('%s', describeError(error))}`);
    return { invocationId, succeeded: false, error, durationMs };
  }
  log.info(`Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${durationMs}ms)`);
  return { invocationId, succeeded: true, response, durationMs };
}

/** The value an RPC typed datum carries, as the worker library would read it. */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.string !== undefined && data.string !== null) return data.string;
  if (data.json !== undefined && data.json !== null) return JSON.parse(data.json) as unknown;
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.int !== undefined && data.int !== null) return data.int;
  if (data.double !== undefined && data.double !== null) return data.double;
  return undefined;
}

export function jsonData(value: unknown): RpcTypedData {
  return { json: JSON.stringify(value) };
}

/** Sends output binding values (other than HTTP responses) to their targets after a successful run. */
async function deliverOutputs(registry: FunctionRegistry, fn: RegisteredFunction, response: RpcInvocationResponse, log: HostLog, bindingData: BindingData) {
  const values: { name: string; data: RpcTypedData | null | undefined }[] = [...(response.outputData ?? [])];
  const ret = fn.metadata.bindings['$return'];
  if (ret && ret.type?.toLowerCase() !== 'http') values.push({ name: '$return', data: response.returnValue });
  for (const { name, data } of values) {
    const binding = fn.metadata.bindings[name];
    const type = (binding?.type ?? '').toLowerCase();
    if (!binding || type === 'http' || data === null || data === undefined) continue;
    const handler = registry.outputHandlers.get(type);
    if (!handler) {
      log.warn(`Output binding '${name}' of type '${binding.type}' is not supported by this host; the value was dropped.`);
      continue;
    }
    await handler(binding, data, bindingData);
  }
}

function hasExpressions(fn: RegisteredFunction): boolean {
  return Object.entries(fn.metadata.bindings).some(
    ([name, binding]) => name !== fn.triggerName && Object.values(binding).some((v) => typeof v === 'string' && /\{[^{}]+\}/.test(v)),
  );
}
