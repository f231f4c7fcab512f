import type { LoadedApp } from './app-loader';
import type { RegisteredFunction } from './functions-core';
import type { HostLog } from './host-log';
import { invoke } from './invoke';
import { hostTimeZone, parseSchedule, type Schedule } from './ncrontab';
import { resolveSetting } from './settings';

/** Where each timer's last and next occurrence is kept, so a restart can tell a missed run (isPastDue). */
export interface ScheduleMonitor {
  read(functionName: string): Promise<{ last: string; next: string; lastUpdated: string } | undefined>;
  write(functionName: string, status: { last: string; next: string; lastUpdated: string }): Promise<void>;
}

type Status = { last: string; next: string; lastUpdated: string };
/** .NET's DateTime.MinValue, the host's `Last` before a timer's first run. */
const NEVER = '0001-01-01T00:00:00.000Z';

export interface TimerTriggers {
  stop(): Promise<void>;
}

/**
 * Timer triggers with the host's rules: one run at a time per timer (the next occurrence is computed
 * once a run ends), `runOnStartup`, and `isPastDue` when an occurrence was missed while the host was
 * down (known through the schedule monitor) or a run starts late.
 */
export function startTimerTriggers(options: { app: LoadedApp; log: HostLog; monitor?: ScheduleMonitor; env?: NodeJS.ProcessEnv }): TimerTriggers {
  const { app, log } = options;
  const env = options.env ?? process.env;
  const timeZone = hostTimeZone(env);
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<void>>();
  let stopped = false;

  for (const fn of app.registry.byTrigger('timerTrigger')) {
    let schedule: Schedule;
    try {
      schedule = parseSchedule(resolveSetting(String(fn.trigger.schedule ?? ''), env), timeZone);
    } catch (e) {
      log.error(`The '${fn.name}' function is in error: ${(e as Error).message}`);
      continue;
    }
    // As in the host: monitored by default only when occurrences are at least a minute apart.
    const first = schedule.next(new Date());
    const defaultMonitor = schedule.next(first).getTime() - first.getTime() >= 60_000;
    const useMonitor = ((fn.trigger.useMonitor as boolean | undefined) ?? defaultMonitor) && options.monitor;
    const monitor = useMonitor ? options.monitor : undefined;
    void (async () => {
      const stored = monitor ? await monitor.read(fn.name).catch(() => undefined) : undefined;
      const now = new Date();
      // As the host's TimerListener: the status it holds between runs; until a first run, Last is
      // .NET's DateTime.MinValue and Next the coming occurrence (recorded at once when monitored).
      const status: Status = stored ?? { last: NEVER, next: schedule.next(now).toISOString(), lastUpdated: now.toISOString() };
      if (monitor && !stored) await monitor.write(fn.name, status).catch(() => {});
      if (stored && new Date(stored.next) < now) {
        await run(fn, schedule, status, { isPastDue: true }, monitor);
      } else if (fn.trigger.runOnStartup === true) {
        await run(fn, schedule, status, { runOnStartup: true }, monitor);
      }
      arm(fn, schedule, status, monitor);
    })();
    const next = schedule.next(new Date());
    log.info(`Timer '${fn.name}' schedule ${schedule.toString()}: next occurrence ${next.toISOString()}`);
  }

  function arm(fn: RegisteredFunction, schedule: Schedule, status: Status, monitor: ScheduleMonitor | undefined) {
    if (stopped) return;
    // After a run Next is already the following occurrence; a status read at start may be stale.
    if (new Date(status.next).getTime() <= Date.now()) status.next = schedule.next(new Date()).toISOString();
    const next = new Date(status.next);
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps for far schedules.
    const delay = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    const timer = setTimeout(async () => {
      timers.splice(timers.indexOf(timer), 1);
      if (stopped) return;
      if (Date.now() + 5 < next.getTime()) return arm(fn, schedule, status, monitor);
      // A late scheduled run is not past due for the host: only one missed while it was down is.
      await run(fn, schedule, status, {}, monitor);
      arm(fn, schedule, status, monitor);
    }, Math.max(0, delay));
    timers.push(timer);
  }

  /**
   * One invocation, shaped as Azure's host does it (Microsoft.Azure.WebJobs.Extensions.Timers,
   * TimerListener.InvokeJobFunction): the function sees the status as it stood BEFORE this run —
   * `Last` is the previous run, `Next` the occurrence being run now (for a scheduled or past-due
   * run) — and no status at all when the timer is not monitored. After the run the status
   * becomes Last = this run's time (moved up to the occurrence when the timer fired a little
   * early), Next = the occurrence after it, and is saved.
   */
  async function run(fn: RegisteredFunction, schedule: Schedule, status: Status, why: { isPastDue?: boolean; runOnStartup?: boolean }, monitor: ScheduleMonitor | undefined) {
    if (stopped) return;
    const invokedAt = new Date();
    const payload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: monitor ? { Last: status.last, Next: status.next, LastUpdated: status.lastUpdated } : null,
      IsPastDue: why.isPastDue === true,
    };
    const p = invoke(app.registry, fn, { triggerData: { json: JSON.stringify(payload) }, reason: `Timer fired at ${invokedAt.toISOString()}` }, log)
      .then(async () => {
        const scheduled = new Date(status.next);
        const adjusted = !why.isPastDue && !why.runOnStartup && scheduled > invokedAt ? scheduled : invokedAt;
        Object.assign(status, { last: adjusted.toISOString(), next: schedule.next(adjusted).toISOString(), lastUpdated: adjusted.toISOString() });
        await monitor?.write(fn.name, { ...status }).catch(() => {});
      });
    running.add(p);
    await p;
    running.delete(p);
  }

  return {
    async stop() {
      stopped = true;
      timers.forEach(clearTimeout);
      await Promise.allSettled([...running]);
    },
  };
}
