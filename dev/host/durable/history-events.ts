/** Durable Task history event types, with the numbers durable-functions 3.x expects. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

/** Action types in the orchestrator's replies (durable-functions ActionType). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
} as const;

/** A history event as the extension sends it to the worker: PascalCase JSON. */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
}

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: RetryOptions;
  /** CallHttp: the DurableHttpRequest. */
  httpRequest?: unknown;
  /** CallEntity / SignalEntity: the entity operation's name (instanceId is then the entity's `@name@key`). */
  operation?: string;
}

/**
 * A message to an entity, as the extension records it in the sender's EventSent event and queues it
 * to the entity: `id` names the request (a call's answer comes back as an event of that name),
 * `parent` the orchestration waiting for it; a signal expects no answer. `input` is JSON text.
 */
export interface EntityRequest {
  id: string;
  op: string;
  signal: boolean;
  input?: string;
  parent?: string;
}

/** An entity's instance id (its scheduler id): `@name@key`, the name lower-cased, as durable-functions builds it. */
export function entityInstanceId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

export function isEntityInstanceId(instanceId: string): boolean {
  return instanceId.startsWith('@') && instanceId.indexOf('@', 1) > 0;
}

export function parseEntityInstanceId(instanceId: string): { name: string; key: string } {
  const at = instanceId.indexOf('@', 1);
  return { name: instanceId.slice(1, at), key: instanceId.slice(at + 1) };
}

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** The orchestrator's reply (OrchestratorState), schema V1: one array of actions per scheduling step. */
export interface OrchestratorReply {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export function isNumbered(action: OrchestratorAction): boolean {
  return action.actionType !== ActionType.WaitForExternalEvent && action.actionType !== ActionType.ContinueAsNew;
}

/** The delay before retry number `attempt` (1 = first retry), as DurableTask's RetryOptions compute it. */
export function retryDelay(options: RetryOptions, attempt: number): number {
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, attempt - 1);
  return Math.min(delay, options.maxRetryIntervalInMilliseconds ?? Number.MAX_SAFE_INTEGER);
}

/** JSON text for a value produced by an activity/orchestrator; `null` stands in for undefined. */
export function toJsonText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Action inputs went through durable-functions' processInput: strings are already JSON text. */
export function actionInputText(input: unknown): string {
  return typeof input === 'string' ? input : toJsonText(input);
}

/**
 * An instance's history as the extension's status API shows it (`showHistory=true`): event types by
 * name; no replay bookkeeping (EventId, IsPlayed, the OrchestratorStarted/Completed markers); the
 * scheduling events folded into their completions as `FunctionName` and `ScheduledTime`; the
 * execution's end as `ExecutionCompleted` with its `OrchestrationStatus`. Inputs and results
 * (which may hold personal data) only with `showHistoryOutput=true`, as in the extension.
 */
export function statusHistory(history: HistoryEvent[], showOutput: boolean): Record<string, unknown>[] {
  const scheduled = new Map<number, HistoryEvent>();
  for (const e of history) {
    if (e.EventType === EventType.TaskScheduled || e.EventType === EventType.SubOrchestrationInstanceCreated) scheduled.set(e.EventId, e);
  }
  const payload = (value: string | undefined) => (showOutput && value !== undefined ? { Result: parseJson(value) } : {});
  const out: Record<string, unknown>[] = [];
  for (const e of history) {
    const from = e.TaskScheduledId === undefined ? undefined : scheduled.get(e.TaskScheduledId);
    const origin = from ? { FunctionName: from.Name, ScheduledTime: from.Timestamp } : {};
    switch (e.EventType) {
      case EventType.ExecutionStarted:
        out.push({ EventType: 'ExecutionStarted', FunctionName: e.Name, Timestamp: e.Timestamp, ...(showOutput ? { Input: parseJson(e.Input ?? 'null') } : {}) });
        break;
      case EventType.TaskCompleted:
        out.push({ EventType: 'TaskCompleted', ...origin, ...payload(e.Result), Timestamp: e.Timestamp });
        break;
      case EventType.SubOrchestrationInstanceCompleted:
        out.push({ EventType: 'SubOrchestrationInstanceCompleted', ...origin, ...payload(e.Result), Timestamp: e.Timestamp });
        break;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        out.push({ EventType: e.EventType === EventType.TaskFailed ? 'TaskFailed' : 'SubOrchestrationInstanceFailed', ...origin, Reason: e.Reason, Details: e.Details, Timestamp: e.Timestamp });
        break;
      case EventType.TimerCreated:
        out.push({ EventType: 'TimerCreated', FireAt: e.FireAt, Timestamp: e.Timestamp });
        break;
      case EventType.TimerFired:
        out.push({ EventType: 'TimerFired', FireAt: e.FireAt, Timestamp: e.Timestamp });
        break;
      case EventType.EventRaised:
        out.push({ EventType: 'EventRaised', Name: e.Name, ...(showOutput ? { Input: parseJson(e.Input ?? 'null') } : {}), Timestamp: e.Timestamp });
        break;
      case EventType.ExecutionCompleted:
        out.push({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed', ...payload(e.Result), Timestamp: e.Timestamp });
        break;
      case EventType.ExecutionFailed:
        out.push({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Failed', ...(showOutput ? { Result: e.Reason } : {}), Timestamp: e.Timestamp });
        break;
      case EventType.ExecutionTerminated:
        out.push({ EventType: 'ExecutionTerminated', ...(showOutput ? { Input: e.Input } : {}), Timestamp: e.Timestamp });
        break;
      case EventType.ExecutionSuspended:
      case EventType.ExecutionResumed:
        out.push({ EventType: e.EventType === EventType.ExecutionSuspended ? 'ExecutionSuspended' : 'ExecutionResumed', Reason: e.Reason, Timestamp: e.Timestamp });
        break;
      default:
        // TaskScheduled, SubOrchestrationInstanceCreated (folded above), OrchestratorStarted/Completed (replay markers).
        break;
    }
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
