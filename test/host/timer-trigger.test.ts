import { afterEach, describe, expect, inject, it } from 'vitest';
import { startHostProcess, waitFor, type HostProcess } from './host-process';

interface TimerEvent { kind: string; isPastDue?: boolean; start?: number; end?: number; status?: { last: string; next: string; lastUpdated: string } | null }

// Waits are on conditions, generous for a loaded machine (hosts start slowly there); a test
// that works ends as soon as its condition holds.
describe('timer triggers', { timeout: 240_000 }, () => {
  const hosts: HostProcess[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('fires on a six-field schedule, one run at a time even when a run outlasts the interval', async () => {
    const host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '* * * * * *', FIXTURE_TIMER_SLEEP_MS: '1300' } });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().filter((e) => e.kind === 'timer-end').length >= 3, 90_000, 'three timer runs');
    const events = host.events<TimerEvent>();
    const starts = events.filter((e) => e.kind === 'timer').map((e) => e.start!);
    const ends = events.filter((e) => e.kind === 'timer-end').map((e) => e.end!);
    for (let i = 1; i < ends.length; i++) expect(starts[i]!).toBeGreaterThanOrEqual(ends[i - 1]!);
    expect(host.output()).toMatch(/Executing 'Functions.everySecond' \(Reason='Timer fired at /);
  });

  it('runs once at startup with runOnStartup', async () => {
    const host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '0 0 0 1 1 *', FIXTURE_RUN_ON_STARTUP: 'true' } });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().some((e) => e.kind === 'timer-end'), 90_000, 'the startup run');
    expect(host.events<TimerEvent>().filter((e) => e.kind === 'timer')).toEqual([expect.objectContaining({ isPastDue: false })]);
  });

  it('keeps its schedule after a failing run, and logs the failure', async () => {
    const host = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '* * * * * *', FIXTURE_TIMER_FAIL: 'true' } });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().filter((e) => e.kind === 'timer-end').length >= 2, 90_000, 'two failing runs');
    expect(host.output()).toMatch(/Executed 'Functions.everySecond' \(Failed[\s\S]*timer failed on purpose/);
  });

  it('marks the first run after downtime as past due, from the schedule status kept in storage', async () => {
    const storage = inject('azurite').connectionString;
    // A two-second schedule is not monitored by default (the host monitors schedules a minute or more apart).
    // A host id of its own: other test files' hosts keep their timer status in the same Azurite.
    const env = { FIXTURE_TIMER_SCHEDULE: '*/2 * * * * *', AzureWebJobsStorage: storage, FIXTURE_USE_MONITOR: 'true', AzureFunctionsWebHost__hostid: `timer-test-${Math.random().toString(36).slice(2, 10)}` };
    const first = await startHostProcess({ app: 'basic-app', env });
    await waitFor(() => first.events<TimerEvent>().some((e) => e.kind === 'timer-end'), 90_000, 'a first run');
    await first.stop();
    await new Promise((r) => setTimeout(r, 4_500));
    const second = await startHostProcess({ app: 'basic-app', env });
    hosts.push(second);
    await waitFor(() => second.events<TimerEvent>().some((e) => e.kind === 'timer'), 90_000, 'a run after restart');
    expect(second.events<TimerEvent>()[0]).toMatchObject({ kind: 'timer', isPastDue: true });
  });

  it('passes the schedule status as Azure does: Next is the occurrence being run, Last the run before; none when not monitored', async () => {
    const storage = inject('azurite').connectionString;
    // A host id of its own: other test files' hosts keep their timer status in the same Azurite.
    const env = { FIXTURE_TIMER_SCHEDULE: '*/2 * * * * *', AzureWebJobsStorage: storage, FIXTURE_USE_MONITOR: 'true', AzureFunctionsWebHost__hostid: `timer-test-${Math.random().toString(36).slice(2, 10)}` };
    const host = await startHostProcess({ app: 'basic-app', env });
    hosts.push(host);
    await waitFor(() => host.events<TimerEvent>().filter((e) => e.kind === 'timer').length >= 3, 90_000, 'three monitored runs');
    const runs = host.events<TimerEvent>().filter((e) => e.kind === 'timer');
    for (const [i, run] of runs.entries()) {
      const next = Date.parse(run.status!.next);
      // The occurrence being run: an even second, not after the run started (the host may fire it a little early).
      expect(next % 2000).toBe(0);
      expect(next).toBeLessThanOrEqual(run.start! + 1000);
      if (i === 0) continue;
      // Last is the previous run: at or after the previous occurrence, before this one.
      const last = Date.parse(run.status!.last);
      expect(last).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.status!.next));
      expect(last).toBeLessThan(next);
    }

    const unmonitored = await startHostProcess({ app: 'basic-app', env: { FIXTURE_TIMER_SCHEDULE: '* * * * * *', FIXTURE_USE_MONITOR: 'false' } });
    hosts.push(unmonitored);
    await waitFor(() => unmonitored.events<TimerEvent>().some((e) => e.kind === 'timer'), 90_000, 'an unmonitored run');
    expect(unmonitored.events<TimerEvent>().find((e) => e.kind === 'timer')!.status ?? null).toBeNull();
  });
});
