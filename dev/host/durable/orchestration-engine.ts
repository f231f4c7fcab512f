import type { FunctionRegistry, RegisteredFunction } from '../functions-core';
import { describeError, type HostLog } from '../host-log';
import { fromTypedData, invoke } from '../invoke';
import { randomUUID } from 'node:crypto';
import {
  ActionType, EventType, actionInputText, entityInstanceId, isEntityInstanceId, isNumbered, parseEntityInstanceId, retryDelay, toJsonText,
  type EntityRequest, type HistoryEvent, type OrchestratorReply,
} from './history-events';
import { HTTP_ACTIVITY, runDurableHttp } from './durable-http';
import { TERMINAL, type InstanceState, type OutboxItem, type TaskHubStore } from './task-hub-store';

const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

/**
 * Drives orchestrations the way the Durable extension drives an out-of-process worker: each episode
 * gives the orchestrator function its whole history plus the new events, and turns the actions it
 * replies with into work (activities, timers, sub-orchestrations). The replay itself is
 * durable-functions' own code, reached through the app's registered orchestrator function.
 *
 * Event ids follow the numbering the library's replay assigns (its sequence number): one per
 * numbered action in the order the orchestrator first scheduled it, and, for a task with retries,
 * one for the retry timer when an attempt fails and one for the next attempt when that timer fires.
 */
export class OrchestrationEngine {
  readonly #store: TaskHubStore;
  readonly #registry: FunctionRegistry;
  readonly #log: HostLog;
  readonly #episodes = new Map<string, Promise<void>>();
  readonly #pendingKick = new Set<string>();
  readonly #deliveries = new Map<string, Promise<void>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #activitySlots: { free: number; waiting: (() => void)[] };
  #stopped = false;

  constructor(options: { store: TaskHubStore; registry: FunctionRegistry; log: HostLog; maxConcurrentActivities?: number }) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#log = options.log;
    this.#activitySlots = { free: options.maxConcurrentActivities ?? 10, waiting: [] };
  }

  /** Runs an episode for the instance after any running one (episodes of one instance never overlap). */
  kick(instanceId: string): void {
    if (this.#stopped) return;
    if (this.#episodes.has(instanceId)) {
      this.#pendingKick.add(instanceId);
      return;
    }
    const run = this.#episode(instanceId)
      .catch((e: unknown) => {
        // Storage unreachable, a conflicting write...: the inbox is untouched, so try again shortly.
        this.#log.error(`Orchestration '${instanceId}': episode failed in the host, retrying in 2 s: ${describeError(e)}`);
        const retry = setTimeout(() => this.kick(instanceId), 2_000);
        this.#timers.set(`${instanceId}|retry-episode`, retry);
      })
      .finally(() => {
        this.#episodes.delete(instanceId);
        if (this.#pendingKick.delete(instanceId)) this.kick(instanceId);
      });
    this.#episodes.set(instanceId, run);
  }

  /** After a restart: re-arm timers, re-run activities that never reported, and process waiting inboxes. */
  async recover(instanceIds: string[]): Promise<void> {
    for (const instanceId of instanceIds) {
      const { instance, history, inbox } = await this.#store.load(instanceId);
      if (!instance || TERMINAL.has(instance.status)) continue;
      const done = new Set<string>();
      for (const e of [...history, ...inbox.map((i) => i.event)]) {
        if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) done.add(`task-${e.TaskScheduledId}`);
        if (e.EventType === EventType.TimerFired) done.add(`timer-${e.TimerId}`);
        if (e.EventType === EventType.SubOrchestrationInstanceCompleted || e.EventType === EventType.SubOrchestrationInstanceFailed) done.add(`sub-${e.TaskScheduledId}`);
      }
      for (const e of history) {
        if (e.EventType === EventType.TaskScheduled && !done.has(`task-${e.EventId}`)) this.#runActivity(instance.instanceId, e);
        if (e.EventType === EventType.TimerCreated && !done.has(`timer-${e.EventId}`)) this.#armTimer(instance.instanceId, e.EventId, e.FireAt!);
        if (e.EventType === EventType.SubOrchestrationInstanceCreated && !done.has(`sub-${e.EventId}`)) await this.#ensureChild(instance, e);
      }
      if (inbox.length > 0) this.kick(instanceId);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#episodes.values(), ...this.#running]);
  }

  async #episode(instanceId: string): Promise<void> {
    if (isEntityInstanceId(instanceId)) return this.#entityEpisode(instanceId);
    const { instance, history, inbox } = await this.#store.load(instanceId);
    if (!instance || inbox.length === 0) return;
    if (TERMINAL.has(instance.status)) {
      await this.#store.commit(instance, history.length, [], inbox.map((i) => i.rowKey));
      return;
    }
    const fn = this.#registry.functions.get(instance.name);
    const now = new Date().toISOString();
    const state: InstanceState = { ...instance, actionIds: [...instance.actionIds], retries: { ...instance.retries } };
    const appended: HistoryEvent[] = [{ EventType: EventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: now }];
    const consumed: string[] = [];
    const work: (() => void)[] = [];
    const outbox: OutboxItem[] = [];
    const completed = completionKeys(history);
    let terminateReason: string | undefined;
    let reply: OrchestratorReply | undefined;
    let failure: string | undefined;

    const replay = async () => {
      if (!fn) {
        failure = `The orchestrator function '${instance.name}' is not registered in this app.`;
        return;
      }
      const result = await this.#runOrchestrator(fn, state, [...history, ...appended]);
      reply = result.reply;
      failure = result.failure;
      try {
        this.#scheduleNewActions(state, result.reply, appended, work, outbox, history);
      } catch (e) {
        // An action this host cannot run fails the instance rather than retrying forever.
        failure = (e as Error).message;
      }
    };

    for (const item of inbox) {
      const event = item.event;
      if (event.EventType === EventType.ExecutionTerminated) {
        terminateReason = event.Input ?? '';
        consumed.push(item.rowKey);
        break;
      }
      if (event.EventType === EventType.ExecutionSuspended || event.EventType === EventType.ExecutionResumed) {
        state.status = event.EventType === EventType.ExecutionSuspended ? 'Suspended' : 'Running';
        appended.push(event);
        consumed.push(item.rowKey);
        continue;
      }
      if (state.status === 'Suspended') continue; // stays in the inbox until resumed
      consumed.push(item.rowKey);
      const key = completionKey(event);
      if (key && completed.has(key)) continue; // a duplicate report (activity re-run after a restart)
      if (key) completed.add(key);
      if (event.EventType === EventType.ExecutionStarted) state.status = 'Running';
      appended.push({ ...event, IsPlayed: false });
      this.#advanceRetries(state, event, appended, work);
      // One replay per new event keeps the event numbering in step with the library's.
      await replay();
      if (failure || reply?.isDone) break;
    }

    if (terminateReason !== undefined) {
      appended.push({ EventType: EventType.ExecutionTerminated, EventId: -1, IsPlayed: false, Timestamp: now, Input: terminateReason });
      state.status = 'Terminated';
      state.output = toJsonText(terminateReason);
      work.length = 0;
      outbox.length = 0;
    } else if (state.status === 'Suspended' && !reply) {
      // Only suspend/resume bookkeeping happened.
    } else if (failure) {
      state.status = 'Failed';
      state.output = toJsonText(failure);
      appended.push({ EventType: EventType.ExecutionFailed, EventId: -1, IsPlayed: false, Timestamp: now, Reason: failure });
      this.#log.error(`Orchestration '${instance.name}' (${instanceId}) failed: ${failure}`);
    } else if (reply) {
      const finalReply: OrchestratorReply = reply;
      if (finalReply.customStatus !== undefined) state.customStatus = toJsonText(finalReply.customStatus);
      if (finalReply.isDone) {
        const continueAsNew = finalReply.actions.flat().find((a) => a.actionType === ActionType.ContinueAsNew);
        if (continueAsNew) {
          return this.#continueAsNew(state, history.length, consumed, actionInputText(continueAsNew.input), outbox);
        }
        state.status = 'Completed';
        state.output = toJsonText(finalReply.output);
        appended.push({ EventType: EventType.ExecutionCompleted, EventId: -1, IsPlayed: false, Timestamp: now, Result: state.output });
      }
    }
    appended.push({ EventType: EventType.OrchestratorCompleted, EventId: -1, IsPlayed: false, Timestamp: new Date().toISOString() });
    state.lastUpdatedTime = new Date().toISOString();
    const outboxRows = await this.#store.commit(state, history.length, appended, consumed, undefined, outbox);
    this.#track(this.#deliver(instanceId, outbox.map((item, i) => ({ ...item, rowKey: outboxRows[i]! }))));

    if (TERMINAL.has(state.status)) {
      this.#clearTimers(instanceId);
      if (state.status === 'Completed') this.#log.info(`Orchestration '${instance.name}' (${instanceId}) ${state.status.toLowerCase()}.`);
      await this.#notifyParent(state);
    } else {
      for (const start of work) start();
      // Events held back while suspended are processed once the instance runs again.
      if (state.status === 'Running' && consumed.length < inbox.length) this.kick(instanceId);
    }
  }

  async #runOrchestrator(fn: RegisteredFunction, state: InstanceState, history: HistoryEvent[]): Promise<{ reply?: OrchestratorReply; failure?: string }> {
    const lastStarted = history.map((e) => e.EventType).lastIndexOf(EventType.OrchestratorStarted);
    const bindingInfo = {
      history: history.map((e, i) => ({ ...e, IsPlayed: i < lastStarted })),
      input: state.input ? (JSON.parse(state.input) as unknown) : undefined,
      instanceId: state.instanceId,
      isReplaying: lastStarted > 0,
      parentInstanceId: state.parentInstanceId || undefined,
      upperSchemaVersion: 0,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const outcome = await invoke(this.#registry, fn, { triggerData: { json: JSON.stringify(bindingInfo) }, reason: `(orchestration ${state.instanceId})` }, quietLog(this.#log));
    if (outcome.succeeded) {
      return { reply: fromTypedData(outcome.response?.returnValue) as OrchestratorReply };
    }
    // The library reports an orchestrator's unhandled error with its state appended to the message.
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    const at = message.indexOf(OUT_OF_PROC_LABEL);
    if (at >= 0) {
      const reply = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorReply;
      return { reply, failure: reply.error ?? message.slice(0, at).trim() };
    }
    return { failure: message };
  }

  /** Gives ids to actions the orchestrator scheduled for the first time and queues their work. */
  #scheduleNewActions(state: InstanceState, reply: OrchestratorReply | undefined, appended: HistoryEvent[], work: (() => void)[], outbox: OutboxItem[], history: HistoryEvent[] = []) {
    if (!reply) return;
    const actions = reply.actions.flat();
    const now = new Date().toISOString();
    actions.forEach((action, index) => {
      if (index < state.actionIds.length) {
        const id = state.actionIds[index]!;
        if (action.actionType === ActionType.CreateTimer && action.isCanceled) work.push(() => this.#cancelTimer(state.instanceId, id));
        return;
      }
      if (!isNumbered(action)) {
        state.actionIds.push(-1);
        return;
      }
      const id = state.nextEventId++;
      state.actionIds.push(id);
      switch (action.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry: {
          const event: HistoryEvent = { EventType: EventType.TaskScheduled, EventId: id, IsPlayed: false, Timestamp: now, Name: action.functionName, Input: actionInputText(action.input) };
          appended.push(event);
          if (action.retryOptions) state.retries[String(index)] = { attempt: 1, currentId: id, firstAttemptAt: now, action };
          work.push(() => this.#runActivity(state.instanceId, event));
          break;
        }
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          if (action.instanceId && [...knownChildren(history, appended)].includes(action.instanceId)) {
            // Replay schema V1 (the one this host speaks) flattens Task.any/Task.all into their
            // tasks, including tasks yielded before: the same child would be scheduled twice.
            throw new Error(
              `The orchestrator scheduled sub-orchestration '${action.instanceId}' a second time: a Task.any or Task.all over a task already yielded re-schedules it under replay schema V1, which this host speaks. Yield each task once (for example, one sub-orchestration per lane of work).`,
            );
          }
          const event: HistoryEvent = {
            EventType: EventType.SubOrchestrationInstanceCreated, EventId: id, IsPlayed: false, Timestamp: now,
            Name: action.functionName, InstanceId: action.instanceId || `${state.instanceId}:${String(id).padStart(4, '0')}`,
            Input: toJsonText(action.input),
          };
          appended.push(event);
          if (action.retryOptions) state.retries[String(index)] = { attempt: 1, currentId: id, firstAttemptAt: now, action };
          work.push(() => void this.#ensureChild(state, event));
          break;
        }
        case ActionType.CallHttp: {
          // The extension runs a durable HTTP call as a built-in activity: scheduled and completed
          // like one (so a restart re-sends it, at least once as activities are).
          const event: HistoryEvent = { EventType: EventType.TaskScheduled, EventId: id, IsPlayed: false, Timestamp: now, Name: HTTP_ACTIVITY, Input: JSON.stringify(action.httpRequest ?? {}) };
          appended.push(event);
          work.push(() => this.#runActivity(state.instanceId, event));
          break;
        }
        case ActionType.CreateTimer: {
          const fireAt = String(action.fireAt);
          appended.push({ EventType: EventType.TimerCreated, EventId: id, IsPlayed: false, Timestamp: now, FireAt: fireAt });
          if (!action.isCanceled) work.push(() => this.#armTimer(state.instanceId, id, fireAt));
          break;
        }
        case ActionType.CallEntity:
        case ActionType.SignalEntity: {
          // As the extension: the message is recorded as EventSent (numbered like any task; the
          // library maps a call's task to the request id it reads there) and queued to the entity.
          const request: EntityRequest = {
            id: randomUUID(), op: action.operation ?? '', signal: action.actionType === ActionType.SignalEntity,
            input: action.input === undefined ? undefined : JSON.stringify(action.input), parent: state.instanceId,
          };
          appended.push({ EventType: EventType.EventSent, EventId: id, IsPlayed: false, Timestamp: now, Name: 'op', InstanceId: action.instanceId, Input: JSON.stringify(request) });
          outbox.push({ to: action.instanceId!, key: `op-${request.id}`, event: entityMessage(request) });
          break;
        }
        default:
          throw new Error(`Action type ${action.actionType} (entity locks) is not supported by this host.`);
      }
    });
  }

  /** Retry bookkeeping the extension does for callActivityWithRetry / callSubOrchestratorWithRetry. */
  #advanceRetries(state: InstanceState, event: HistoryEvent, appended: HistoryEvent[], work: (() => void)[]) {
    const now = new Date();
    for (const [index, retry] of Object.entries(state.retries)) {
      // An attempt that succeeded ends the task's retry bookkeeping, as in the extension: kept, it
      // would grow the instance row with every retried call (a lane of 30 journeys: 30 copies of an
      // activity's input) and be rewritten at every episode.
      const succeeded = (event.EventType === EventType.TaskCompleted || event.EventType === EventType.SubOrchestrationInstanceCompleted) && event.TaskScheduledId === retry.currentId;
      if (succeeded) {
        delete state.retries[index];
        continue;
      }
      const failedAttempt = (event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed) && event.TaskScheduledId === retry.currentId;
      const timerFired = event.EventType === EventType.TimerFired && event.TimerId === retry.waitingTimerId;
      if (!failedAttempt && !timerFired) continue;
      const action = retry.action;
      const options = action.retryOptions;
      if (failedAttempt) {
        const timerId = state.nextEventId++;
        const exhausted = !options || retry.attempt >= options.maxNumberOfAttempts
          || (options.retryTimeoutInMilliseconds !== undefined && now.getTime() - Date.parse(retry.firstAttemptAt) > options.retryTimeoutInMilliseconds);
        const fireAt = new Date(now.getTime() + (exhausted ? 0 : retryDelay(options, retry.attempt))).toISOString();
        state.retries[index] = { ...retry, waitingTimerId: timerId };
        appended.push({ EventType: EventType.TimerCreated, EventId: timerId, IsPlayed: false, Timestamp: now.toISOString(), FireAt: fireAt });
        work.push(() => this.#armTimer(state.instanceId, timerId, fireAt));
      } else if (retry.attempt < (options?.maxNumberOfAttempts ?? 1)) {
        const id = state.nextEventId++;
        state.retries[index] = { ...retry, attempt: retry.attempt + 1, currentId: id, waitingTimerId: undefined };
        if (action.actionType === ActionType.CallActivityWithRetry) {
          const scheduled: HistoryEvent = { EventType: EventType.TaskScheduled, EventId: id, IsPlayed: false, Timestamp: now.toISOString(), Name: action.functionName, Input: actionInputText(action.input) };
          appended.push(scheduled);
          work.push(() => this.#runActivity(state.instanceId, scheduled));
        } else {
          const created: HistoryEvent = {
            EventType: EventType.SubOrchestrationInstanceCreated, EventId: id, IsPlayed: false, Timestamp: now.toISOString(),
            Name: action.functionName, InstanceId: `${action.instanceId || state.instanceId + ':' + String(state.actionIds[Number(index)]).padStart(4, '0')}:${retry.attempt + 1}`,
            Input: toJsonText(action.input),
          };
          appended.push(created);
          work.push(() => void this.#ensureChild(state, created));
        }
      } else {
        delete state.retries[index];
      }
    }
  }

  async #continueAsNew(state: InstanceState, historyLength: number, consumed: string[], input: string, outbox: OutboxItem[]) {
    const now = new Date().toISOString();
    this.#clearTimers(state.instanceId);
    const next: InstanceState = { ...state, status: 'Running', input, output: 'null', nextEventId: 0, actionIds: [], retries: {}, lastUpdatedTime: now };
    const started: HistoryEvent = { EventType: EventType.ExecutionStarted, EventId: -1, IsPlayed: false, Timestamp: now, Name: state.name, Input: input };
    const outboxRows = await this.#store.commit(next, 0, [], consumed, { oldHistoryLength: historyLength, started }, outbox);
    this.#track(this.#deliver(state.instanceId, outbox.map((item, i) => ({ ...item, rowKey: outboxRows[i]! }))));
    this.kick(state.instanceId);
  }

  #runActivity(instanceId: string, scheduled: HistoryEvent) {
    const fn = this.#registry.functions.get(scheduled.Name ?? '');
    // A durable HTTP call may poll for minutes: it does not hold one of the activity slots.
    const usesSlot = scheduled.Name !== HTTP_ACTIVITY;
    const run = (async () => {
      if (usesSlot) await this.#acquireSlot();
      try {
        if (this.#stopped) return;
        let event: HistoryEvent;
        const base = { EventId: -1, IsPlayed: false, Timestamp: '', TaskScheduledId: scheduled.EventId };
        if (scheduled.Name === HTTP_ACTIVITY) {
          const at = scheduled.Timestamp;
          const done = await runDurableHttp(scheduled, () => this.#stopped, {
            load: () => this.#store.loadPoll(instanceId, scheduled.EventId, at),
            save: (location) => this.#store.savePoll(instanceId, scheduled.EventId, at, location),
          });
          if (!done || this.#stopped) return;
          event = { ...base, ...done };
        } else if (!fn || fn.triggerType !== 'activitytrigger') {
          event = { ...base, EventType: EventType.TaskFailed, Reason: `The activity function '${scheduled.Name}' is not registered in this app.`, Details: '' };
        } else {
          const outcome = await invoke(this.#registry, fn, { triggerData: { json: scheduled.Input ?? 'null' }, reason: `(activity of orchestration ${instanceId})` }, this.#log);
          if (this.#stopped) return;
          if (outcome.succeeded) {
            const value = fromTypedData(outcome.response?.returnValue);
            const result = outcome.response?.returnValue?.json ?? toJsonText(Buffer.isBuffer(value) ? value.toString('base64') : value);
            event = { ...base, EventType: EventType.TaskCompleted, Result: result };
          } else {
            const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
            event = { ...base, EventType: EventType.TaskFailed, Reason: `Activity function '${fn.name}' failed: ${error.message}`, Details: error.stack ?? '' };
          }
        }
        event.Timestamp = new Date().toISOString();
        await this.#store.post(instanceId, `task-${scheduled.EventId}`, event);
        if (scheduled.Name === HTTP_ACTIVITY) await this.#store.clearPoll(instanceId, scheduled.EventId);
        this.kick(instanceId);
      } finally {
        if (usesSlot) this.#releaseSlot();
      }
    })();
    this.#track(run);
  }

  #armTimer(instanceId: string, timerId: number, fireAt: string) {
    const key = `${instanceId}|${timerId}`;
    if (this.#timers.has(key) || this.#stopped) return;
    const fire = () => {
      this.#timers.delete(key);
      if (this.#stopped) return;
      const remaining = Date.parse(fireAt) - Date.now();
      if (remaining > 0) return arm(remaining); // long timers are re-armed in steps
      const event: HistoryEvent = { EventType: EventType.TimerFired, EventId: -1, IsPlayed: false, Timestamp: new Date().toISOString(), TimerId: timerId, FireAt: fireAt };
      this.#track(this.#store.post(instanceId, `timer-${timerId}`, event).then(() => this.kick(instanceId)));
    };
    const arm = (ms: number) => this.#timers.set(key, setTimeout(fire, Math.min(Math.max(ms, 0), 2 ** 31 - 1)));
    arm(Date.parse(fireAt) - Date.now());
  }

  #cancelTimer(instanceId: string, timerId: number) {
    const key = `${instanceId}|${timerId}`;
    const t = this.#timers.get(key);
    if (t) clearTimeout(t);
    this.#timers.delete(key);
  }

  #clearTimers(instanceId: string) {
    for (const [key, t] of this.#timers) {
      if (key.startsWith(`${instanceId}|`)) {
        clearTimeout(t);
        this.#timers.delete(key);
      }
    }
  }

  /** Starts a sub-orchestration unless it already exists; reports it to the parent if it already finished. */
  async #ensureChild(parent: InstanceState, created: HistoryEvent) {
    const childId = created.InstanceId!;
    const existing = await this.#store.getInstance(childId);
    // This very call's child (ensured again after a restart): created after the parent scheduled it.
    const ours = existing && existing.parentInstanceId === parent.instanceId && existing.parentTaskId === created.EventId && Date.parse(existing.createdTime) >= Date.parse(created.Timestamp);
    if (existing && ours) {
      if (TERMINAL.has(existing.status)) await this.#notifyParent(existing);
      return;
    }
    if (existing && !TERMINAL.has(existing.status)) {
      // As the extension does: an instance id that is in use by a running instance fails the call;
      // a finished instance with that id is replaced by the new one.
      const event: HistoryEvent = {
        EventId: -1, IsPlayed: false, Timestamp: new Date().toISOString(), TaskScheduledId: created.EventId, EventType: EventType.SubOrchestrationInstanceFailed,
        Reason: `An orchestration with instance ID '${childId}' already exists and is ${existing.status.toLowerCase()}.`, Details: '',
      };
      await this.post(parent.instanceId, `sub-${created.EventId}`, event);
      return;
    }
    await this.startInstance({ name: created.Name!, instanceId: childId, input: created.Input ?? 'null', parentInstanceId: parent.instanceId, parentTaskId: created.EventId });
  }

  async #notifyParent(child: InstanceState) {
    if (!child.parentInstanceId) return;
    const base = { EventId: -1, IsPlayed: false, Timestamp: new Date().toISOString(), TaskScheduledId: child.parentTaskId };
    const event: HistoryEvent = child.status === 'Completed'
      ? { ...base, EventType: EventType.SubOrchestrationInstanceCompleted, Result: child.output }
      : { ...base, EventType: EventType.SubOrchestrationInstanceFailed, Reason: `Sub-orchestration '${child.name}' (${child.instanceId}) ${child.status.toLowerCase()}: ${safeParse(child.output)}`, Details: '' };
    await this.#store.post(child.parentInstanceId, `sub-${child.parentTaskId}`, event);
    this.kick(child.parentInstanceId);
  }

  /** Creates an instance (Pending) and runs its first episode. */
  async startInstance(options: { name: string; instanceId: string; input: string; parentInstanceId?: string; parentTaskId?: number }) {
    const now = new Date().toISOString();
    const instance: InstanceState = {
      instanceId: options.instanceId, name: options.name, status: 'Pending', input: options.input, output: 'null', customStatus: 'null',
      createdTime: now, lastUpdatedTime: now, parentInstanceId: options.parentInstanceId ?? '', parentTaskId: options.parentTaskId ?? -1,
      nextEventId: 0, actionIds: [], retries: {},
    };
    const started: HistoryEvent = { EventType: EventType.ExecutionStarted, EventId: -1, IsPlayed: false, Timestamp: now, Name: options.name, Input: options.input };
    await this.#store.create(instance, started);
    this.kick(options.instanceId);
    return instance;
  }

  /** Queues an operation to an entity (`@name@key`) and runs it after those queued before. */
  async sendToEntity(entityId: string, request: EntityRequest) {
    await this.#ensureEntityRow(entityId);
    await this.post(entityId, `op-${request.id}`, entityMessage(request));
  }

  /** Delivers an episode's outbox (idempotent keys: delivering twice after a restart writes the same row), then forgets it. */
  #deliver(from: string, items: (OutboxItem & { rowKey: string })[]): Promise<void> {
    // One sender's messages arrive in the order sent: each delivery waits for the sender's previous one.
    const previous = this.#deliveries.get(from) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      for (const item of items) {
        // Storage unreachable: try again shortly (the row stays in the outbox for the next start too).
        for (;;) {
          try {
            if (isEntityInstanceId(item.to)) await this.#ensureEntityRow(item.to);
            await this.post(item.to, item.key, item.event);
            await this.#store.deleteRow(from, item.rowKey);
            break;
          } catch (e) {
            if (this.#stopped) return;
            this.#log.warn(`Delivering a durable message from '${from}' failed (${describeError(e)}); retrying.`);
            await new Promise((r) => setTimeout(r, 2000));
          }
        }
      }
    });
    this.#deliveries.set(from, next);
    void next.catch(() => undefined).finally(() => {
      if (this.#deliveries.get(from) === next) this.#deliveries.delete(from);
    });
    return next;
  }

  /** Delivers what stopped hosts left in outboxes; called once on start. */
  async deliverOutboxes(): Promise<void> {
    for (const owner of await this.#store.outboxOwners()) {
      const { outbox } = await this.#store.load(owner);
      await this.#deliver(owner, outbox);
    }
  }

  async #ensureEntityRow(entityId: string) {
    const now = new Date().toISOString();
    await this.#store.createIfMissing({
      instanceId: entityId, name: parseEntityInstanceId(entityId).name, status: 'Running', input: 'null', output: 'null', customStatus: 'null',
      createdTime: now, lastUpdatedTime: now, parentInstanceId: '', parentTaskId: -1, nextEventId: 0, actionIds: [], retries: {}, entityExists: false,
    });
  }

  /**
   * One batch of an entity's queued operations, in the order they were queued, given to the entity
   * function as the extension gives it to an out-of-process worker ({ self, exists, state, batch });
   * its answer (EntityState: the new state, one OperationResult per operation, signals to send) is
   * committed with the consumed messages, then calls are answered (an EventRaised named after the
   * request id, carrying { result, exceptionType }) and the entity's own signals queued. Episodes of
   * one instance never overlap, so an entity runs one operation at a time.
   */
  async #entityEpisode(instanceId: string): Promise<void> {
    const { instance, inbox, outbox: undelivered } = await this.#store.load(instanceId);
    if (undelivered.length) await this.#deliver(instanceId, undelivered);
    if (!instance || inbox.length === 0) return;
    const self = parseEntityInstanceId(instanceId);
    const requests = inbox.map((i) => JSON.parse(i.event.Input ?? '{}') as EntityRequest);
    const fn = [...this.#registry.functions.values()].find((f) => f.triggerType === 'entitytrigger' && f.name.toLowerCase() === self.name);
    let results: { isError: boolean; result?: string }[];
    let signals: { target: { name: string; key: string }; name: string; input?: string }[] = [];
    const state: InstanceState = { ...instance };
    if (!fn) {
      results = requests.map(() => ({ isError: true, result: JSON.stringify(`The entity function '${self.name}' is not registered in this app.`) }));
    } else {
      const batch = { self, exists: instance.entityExists ?? false, state: instance.entityState, batch: requests.map((r) => ({ id: r.id, name: r.op, signal: r.signal, input: r.input })) };
      const outcome = await invoke(this.#registry, fn, { triggerData: { json: JSON.stringify(batch) }, reason: `(entity ${instanceId})` }, this.#log);
      if (outcome.succeeded) {
        const reply = fromTypedData(outcome.response?.returnValue) as { entityExists: boolean; entityState?: string; results: { isError: boolean; result?: string }[]; signals?: typeof signals };
        state.entityExists = reply.entityExists;
        state.entityState = reply.entityExists ? reply.entityState : undefined;
        results = reply.results;
        signals = reply.signals ?? [];
      } else {
        // The batch as a whole failed (the library catches each operation's errors): state unchanged.
        const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        results = requests.map(() => ({ isError: true, result: JSON.stringify(message) }));
      }
    }
    state.lastUpdatedTime = new Date().toISOString();
    const outbox: OutboxItem[] = [];
    for (const [i, request] of requests.entries()) {
      if (request.signal || !request.parent) continue;
      const r = results[i] ?? { isError: false };
      const answer = { result: r.result, ...(r.isError ? { exceptionType: 'Error' } : {}) };
      outbox.push({ to: request.parent, key: `entity-${request.id}`, event: { EventType: EventType.EventRaised, EventId: -1, IsPlayed: false, Timestamp: state.lastUpdatedTime, Name: request.id, Input: JSON.stringify(answer) } });
    }
    for (const signal of signals) {
      const request: EntityRequest = { id: randomUUID(), op: signal.name, signal: true, input: signal.input || undefined, parent: instanceId };
      outbox.push({ to: entityInstanceId(signal.target.name, signal.target.key), key: `op-${request.id}`, event: entityMessage(request) });
    }
    // The new state, the consumed operations and the messages they send, in one transaction.
    const rows = await this.#store.commit(state, 0, [], inbox.map((i) => i.rowKey), undefined, outbox);
    await this.#deliver(instanceId, outbox.map((item, i) => ({ ...item, rowKey: rows[i]! })));
  }

  async post(instanceId: string, key: string, event: HistoryEvent) {
    await this.#store.post(instanceId, key, event);
    this.kick(instanceId);
  }

  #track(p: Promise<unknown>) {
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
  }

  async #acquireSlot() {
    if (this.#activitySlots.free > 0) {
      this.#activitySlots.free--;
      return;
    }
    await new Promise<void>((resolve) => this.#activitySlots.waiting.push(resolve));
  }

  #releaseSlot() {
    const next = this.#activitySlots.waiting.shift();
    if (next) next();
    else this.#activitySlots.free++;
  }
}

/** An operation message in an entity's inbox. */
function entityMessage(request: EntityRequest): HistoryEvent {
  return { EventType: EventType.EventRaised, EventId: -1, IsPlayed: false, Timestamp: new Date().toISOString(), Name: 'op', Input: JSON.stringify(request) };
}

function completionKey(e: HistoryEvent): string | undefined {
  if (e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed) return `task-${e.TaskScheduledId}`;
  if (e.EventType === EventType.TimerFired) return `timer-${e.TimerId}`;
  if (e.EventType === EventType.SubOrchestrationInstanceCompleted || e.EventType === EventType.SubOrchestrationInstanceFailed) return `sub-${e.TaskScheduledId}`;
  if (e.EventType === EventType.ExecutionStarted) return 'started';
  return undefined;
}

function completionKeys(history: HistoryEvent[]): Set<string> {
  const keys = new Set<string>();
  for (const e of history) {
    const k = completionKey(e);
    if (k) keys.add(k);
  }
  return keys;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Orchestrator episodes replay often: their Executing/Executed lines would drown the activities', and
 * an orchestrator's failure is reported once by the engine. The orchestrator's own logs still show.
 */
function quietLog(log: HostLog): HostLog {
  const invocationLine = /^(Executing|Executed) 'Functions\.|^Result: Failure/;
  return {
    info: (m) => (invocationLine.test(m) ? undefined : log.info(m)),
    warn: log.warn,
    error: (m) => (invocationLine.test(m) ? undefined : log.error(m)),
  };
}

/** Instance ids of the sub-orchestrations this execution already created. */
function knownChildren(history: HistoryEvent[], appended: HistoryEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of [...history, ...appended]) if (e.EventType === EventType.SubOrchestrationInstanceCreated && e.InstanceId) ids.add(e.InstanceId);
  return ids;
}
