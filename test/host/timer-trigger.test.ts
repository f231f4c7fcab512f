import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

interface TimerEvent { kind: string; isPastDue?: boolean; start?: number; end?: number }

describe('timer triggers', () => {
  const hosts: HostProcess[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('fires on a six-field schedule, one run at a time even when a run outlasts the interval', async () => {
    const host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '* * * * * *', FIXTURE_TIMER_SLEEP_MS: '1300' } });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().filter((e) => e.kind === 'timer-end').length >= 3, 15_000, 'three timer runs');
    const events = host.events<TimerEvent>();
    const starts = events.filter((e) => e.kind === 'timer').map((e) => e.start!);
    const ends = events.filter((e) => e.kind === 'timer-end').map((e) => e.end!);
    for (let i = 1; i < ends.length; i++) expect(starts[i]!).toBeGreaterThanOrEqual(ends[i - 1]!);
    expect(host.output()).toMatch(/Executing 'Functions.everySecond' \(Reason='Timer fired at /);
  });

  it('runs once at startup with runOnStartup', async () => {
    const host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '0 0 0 1 1 *', FIXTURE_RUN_ON_STARTUP: 'true' } });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().some((e) => e.kind === 'timer-end'), 10_000, 'the startup run');
    expect(host.events<TimerEvent>().filter((e) => e.kind === 'timer')).toEqual([expect.objectContaining({ isPastDue: false })]);
  });

  it('keeps its schedule after a failing run, and logs the failure', async () => {
    const host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '* * * * * *', FIXTURE_TIMER_FAIL: 'true' } });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().filter((e) => e.kind === 'timer-end').length >= 2, 10_000, 'two failing runs');
    expect(host.output()).toMatch(/Executed 'Functions.everySecond' \(Failed[\s\S]*timer failed on purpose/);
  });

  it('marks the first run after downtime as past due, from the schedule status kept in storage', async () => {
    const storage = inject('azurite').connectionString;
    // A two-second schedule is not monitored by default (the host monitors schedules a minute or more apart).
    const env = { FIXTURE_TIMER_SCHEDULE: '*/2 * * * * *', AzureWebJobsStorage: storage, FIXTURE_USE_MONITOR: 'true' };
    const first = await startHostProcess({ app: 'basic-app', env });
    await waitFor(() => first.events<TimerEvent>().some((e) => e.kind === 'timer-end'), 10_000, 'a first run');
    await first.stop();
    await new Promise((r) => setTimeout(r, 4_500));
    const second = await startHostProcess({ app: 'basic-app', env });
    hosts.push(second);
    await waitFor(() => second.events<TimerEvent>().some((e) => e.kind === 'timer'), 10_000, 'a run after restart');
    expect(second.events<TimerEvent>()[0]).toMatchObject({ kind: 'timer', isPastDue: true });
  });
});
