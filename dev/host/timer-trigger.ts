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
    void (async () => {
      const status = useMonitor ? await options.monitor!.read(fn.name).catch(() => undefined) : undefined;
      const now = new Date();
      if (fn.trigger.runOnStartup === true) {
        await run(fn, schedule, now, false, useMonitor ? options.monitor : undefined);
      } else if (status && new Date(status.next) < now) {
        await run(fn, schedule, new Date(status.next), true, useMonitor ? options.monitor : undefined);
      }
      arm(fn, schedule, useMonitor ? options.monitor : undefined);
    })();
    const next = schedule.next(new Date());
    log.info(`Timer '${fn.name}' schedule ${schedule.toString()}: next occurrence ${next.toISOString()}`);
  }

  function arm(fn: RegisteredFunction, schedule: Schedule, monitor: ScheduleMonitor | undefined) {
    if (stopped) return;
    const next = schedule.next(new Date());
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps for far schedules.
    const delay = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    void monitor?.write(fn.name, { last: new Date().toISOString(), next: next.toISOString(), lastUpdated: new Date().toISOString() }).catch(() => {});
    const timer = setTimeout(async () => {
      timers.splice(timers.indexOf(timer), 1);
      if (stopped) return;
      if (Date.now() + 5 < next.getTime()) return arm(fn, schedule, monitor);
      await run(fn, schedule, next, Date.now() - next.getTime() > 1000, monitor);
      arm(fn, schedule, monitor);
    }, Math.max(0, delay));
    timers.push(timer);
  }

  async function run(fn: RegisteredFunction, schedule: Schedule, scheduled: Date, isPastDue: boolean, monitor: ScheduleMonitor | undefined) {
    if (stopped) return;
    const next = schedule.next(new Date(Math.max(Date.now(), scheduled.getTime())));
    const payload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: { Last: scheduled.toISOString(), Next: next.toISOString(), LastUpdated: new Date().toISOString() },
      IsPastDue: isPastDue,
    };
    const p = invoke(app.registry, fn, { triggerData: { json: JSON.stringify(payload) }, reason: `Timer fired at ${new Date().toISOString()}` }, log)
      .then(async () => {
        await monitor?.write(fn.name, { last: scheduled.toISOString(), next: next.toISOString(), lastUpdated: new Date().toISOString() }).catch(() => {});
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
