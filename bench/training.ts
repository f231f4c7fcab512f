/**
 * Training reminders at the scale of the union: 1,000 staff in the Microsoft 365 sandbox, 12
 * modules each (the catalogue's 6 and 6 copies), 40% of the 12,000 assignments overdue at various
 * steps, some people on leave, some departed, some without the Teams app (e-mail), built through
 * the app's own Cosmos DB adapters on the emulator. One pass of the real use case with the real
 * Graph notifier, while completions are written mid-pass. Everything is counted at the sandbox
 * (its log of writes), not from the pass's own summary.
 *
 * Pacing at 5 per second makes a pass of N notifications last N/5 seconds: the data are shaped so
 * that a few hundred are due today (most overdue assignments sit between two overdue steps), which
 * keeps the bench near a minute and a half. `BENCH_STAFF` scales the staff.
 *
 * Last line: {"due","sent","duplicates","after_completion","to_departed_or_leave","graph_429","pacing_utilization"}.
 * Targets: sent = due, duplicates 0, after_completion 0, to_departed_or_leave 0, graph_429 0, pacing_utilization >= 0.85.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCosmosEmulator } from '../dev/local-stack/cosmos';
import { SandboxControl, startM365Sandbox } from '../dev/m365-sandbox/index';
import { startTokenIssuer } from '../dev/token-issuer';
import { reminderDeps } from '../shared/training/adapters/reminder-services';
import type { Assignment, Trainee } from '../shared/training/model';
import { assignmentId } from '../shared/training/model';
import { AssignmentConflict } from '../shared/training/ports';
import { JOB_CATEGORY_DIRECTION, runReminderPass } from '../shared/training/reminders/pass';
import { passDay, reachable, stepToSend } from '../shared/training/reminders/schedule';

const ROOT = path.resolve(__dirname, '..');
const STAFF = Number(process.env.BENCH_STAFF ?? 1000);
// Tuesday 2026-03-10, 10:00 in Montréal: a business day, outside quiet hours.
const NOW = new Date('2026-03-10T14:00:00Z');
const MID_PASS_COMPLETIONS = 40;

/** Small deterministic generator, so every run builds the same data. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

async function main() {
  const [cosmos, issuer, sandbox] = await Promise.all([startCosmosEmulator({ port: 0 }), startTokenIssuer(), startM365Sandbox({ scale: { staff: STAFF } })]);
  const control = new SandboxControl(sandbox);
  const dir = mkdtempSync(path.join(tmpdir(), 'spgq-bench-training-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caCertPem);
  // Twelve modules: the catalogue's and a copy of each.
  const catalogue = JSON.parse(readFileSync(path.join(ROOT, 'config/training-catalogue.json'), 'utf8')) as { modules: Array<{ id: string; title: Record<string, string> }> };
  const copies = catalogue.modules.map((m) => ({ ...m, attackSimulation: false, id: `${m.id}-B`.slice(0, 40), title: { 'fr-CA': `${m.title['fr-CA']} (2)`, en: `${m.title.en} (2)` } }));
  catalogue.modules.push(...copies);
  const catalogueFile = path.join(dir, 'training-catalogue.json');
  writeFileSync(catalogueFile, JSON.stringify(catalogue));
  const sender = sandbox.tenant.users.find((u) => u.isSharedMailbox)!;
  Object.assign(process.env, {
    LOCAL_MODE: 'true',
    DEPLOYMENT_REGION: 'canadacentral',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    CosmosDb: cosmos.connectionString,
    COSMOS_DATABASE: 'bench-training',
    ServiceBusConnection: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=local;SharedAccessKey=bG9jYWw=;UseDevelopmentEmulator=true',
    GRAPH_BASE_URL: sandbox.graphBaseUrl,
    GRAPH_CA_FILE: caFile,
    AUTH_TENANT_ID: issuer.tenantId,
    AUTH_CLIENT_ID: issuer.clientId,
    AUTH_AUTHORITY: issuer.authority,
    TRAINING_CATALOGUE_FILE: catalogueFile,
    TRAINING_SENDER_MAILBOX: sender.userPrincipalName,
    TRAINING_TAB_URL: 'https://teams.microsoft.com/l/entity/00000000-0000-0000-0000-000000000001/training',
  });
  try {
    const names = { namesOf: async (ids: string[]) => new Map(sandbox.tenant.users.filter((u) => ids.includes(u.id)).map((u) => [u.id, u.displayName])) };
    const deps = { ...reminderDeps(names), now: () => NOW };
    // Point-read latency of the emulator, next to the pacing (the last look sits inside the paced span).
    const reads = { n: 0, ms: 0 };
    const assignmentsGet = deps.assignments.get.bind(deps.assignments);
    deps.assignments.get = async (id) => {
      const t = performance.now();
      try {
        return await assignmentsGet(id);
      } finally {
        reads.n++;
        reads.ms += performance.now() - t;
      }
    };
    const policy = deps.catalogue.reminders;
    const today = passDay(NOW, policy);
    const random = prng(20_261_205);

    // People: the sandbox's staff; 2.5% on leave, about 7% departed, 3% without the Teams app.
    // Disabled accounts in the sandbox are people who left.
    const staff = sandbox.tenant.users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox).slice(0, STAFF);
    const trainees: Trainee[] = staff.map((u, i) => ({
      personId: u.id, serviceCode: u.department, jobCategoryCode: u.jobCategory, managerId: u.managerId, language: i % 8 === 3 ? 'en' : 'fr-CA',
      status: i % 40 === 7 ? 'on-leave' : i % 40 === 13 || !u.accountEnabled ? 'left' : 'active', hireDate: '2020-01-06', version: 1,
      leaveSince: i % 40 === 7 ? '2026-02-01T00:00:00Z' : null, updatedAt: NOW.toISOString(),
    }));
    const noApp = staff.filter((_, i) => i % 33 === 4).map((u) => u.id);
    await control.setTeamsAppNotInstalled(noApp);

    // Assignments: 40% overdue (7% of them on an overdue step today, the others between two steps),
    // 1% at before-7, before-1 or due today, 15% completed, the rest due later.
    const overdueStep = [3, 6, 9, 12, 15, 18];
    // Days after an overdue step and before the next one, where neither today nor yesterday is a step.
    const overdueQuiet = [2, 5, 8, 11, 14, 17, 20, 23];
    const laterQuiet = [2, 3, 4, 5, 9, 10, 12, 15, 20, 30, 40];
    const assignments: Assignment[] = [];
    for (const t of trainees) {
      for (const module of catalogue.modules) {
        const r = random();
        let dueDate: string;
        let status: Assignment['status'] = 'open';
        if (r < 0.4) {
          const d = random() < 0.07 ? overdueStep[Math.floor(random() * overdueStep.length)]! : overdueQuiet[Math.floor(random() * overdueQuiet.length)]!;
          dueDate = deps.calendar.addBusinessDays(today, -d);
        } else if (r < 0.41) {
          dueDate = deps.calendar.addBusinessDays(today, [7, 1, 0][Math.floor(random() * 3)]!);
        } else if (r < 0.56) {
          dueDate = deps.calendar.addBusinessDays(today, -3);
          status = 'completed';
        } else {
          dueDate = deps.calendar.addBusinessDays(today, laterQuiet[Math.floor(random() * laterQuiet.length)]!);
        }
        assignments.push({
          id: assignmentId(t.personId, module.id), personId: t.personId, moduleId: module.id, rules: ['tout-le-personnel'], hr: null, status, cycle: 1,
          cycleOpenedAt: '2026-01-05T12:00:00Z', dueDate, attempts: 0,
          completions: status === 'completed' ? [{ cycle: 1, completedAt: '2026-03-01T12:00:00Z', method: 'content' }] : [],
          nextCycleDate: null, closedAt: null, closedReason: null, pausedSince: t.status === 'on-leave' ? t.leaveSince : null, updatedAt: NOW.toISOString(),
        });
      }
    }
    let started = performance.now();
    await inParallel(trainees, 32, (t) => deps.trainees.save(t));
    await inParallel(assignments, 64, async (a) => void (await deps.assignments.save(a)));
    console.log(JSON.stringify({ phase: 'seed', staff: trainees.length, assignments: assignments.length, overdue: assignments.filter((a) => a.status === 'open' && a.dueDate < today).length, ms: Math.round(performance.now() - started) }));

    // What is due today, by the schedule (proven by its table tests): personal steps, and digests.
    const byId = new Map(trainees.map((t) => [t.personId, t]));
    const due = new Map<string, { personId: string; moduleId: string }>();
    const digestRecipients = new Set<string>();
    const heads = trainees.filter((t) => t.jobCategoryCode === JOB_CATEGORY_DIRECTION && reachable(t) === 'yes');
    for (const a of assignments) {
      if (a.status !== 'open') continue;
      const t = byId.get(a.personId)!;
      const v = stepToSend(today, a, t, policy, deps.calendar);
      if (v.due) due.set(`${a.personId}|${a.moduleId}`, { personId: a.personId, moduleId: a.moduleId });
      if (v.escalation !== 'none' && t.managerId && t.managerId !== t.personId && byId.has(t.managerId) && reachable(byId.get(t.managerId)!) === 'yes') digestRecipients.add(`manager|${t.managerId}`);
      if (v.escalation === 'direction') for (const h of heads) if (h.serviceCode === t.serviceCode && h.personId !== t.personId) digestRecipients.add(`direction|${h.personId}`);
    }

    // Completions written while the pass runs, at random moments over its expected length.
    const passSeconds = (due.size + digestRecipients.size) / 5;
    const victims = [...due.values()].filter((d) => reachable(byId.get(d.personId)!) === 'yes').sort(() => random() - 0.5).slice(0, MID_PASS_COMPLETIONS);
    const completedAt = new Map<string, number>();
    const writer = Promise.all(victims.map(async (v, i) => {
      await new Promise((resolve) => setTimeout(resolve, ((i + random()) / victims.length) * passSeconds * 900));
      for (;;) {
        const current = (await deps.assignments.get(assignmentId(v.personId, v.moduleId)))!;
        try {
          await deps.assignments.save({ ...current.assignment, status: 'completed', completions: [{ cycle: 1, completedAt: new Date().toISOString(), method: 'content' }] }, current.etag);
          completedAt.set(`${v.personId}|${v.moduleId}`, Date.now());
          return;
        } catch (e) {
          if (!(e instanceof AssignmentConflict)) throw e;
        }
      }
    }));

    await control.clearWrites();
    const before = await control.stats();
    started = performance.now();
    const summary = await runReminderPass(deps);
    const passMs = performance.now() - started;
    await writer;
    const after = await control.stats();
    console.log(JSON.stringify({ phase: 'pass', ms: Math.round(passMs), summary, assignment_read_ms: Math.round(reads.ms / Math.max(1, reads.n)) }));

    // What the sandbox received.
    const titleToModule = new Map<string, string>();
    for (const m of catalogue.modules) for (const title of Object.values(m.title)) titleToModule.set(title, m.id);
    const byUpn = new Map(sandbox.tenant.users.map((u) => [u.userPrincipalName.toLowerCase(), u.id]));
    const moduleOf = (text: string) => [...titleToModule.entries()].filter(([title]) => text.includes(title)).sort((a, b) => b[0].length - a[0].length)[0]?.[1] ?? '?';
    type Send = { to: string; key: string; at: number; channel: 'teams' | 'email'; digest: boolean };
    const sends: Send[] = [];
    for (const w of await control.writes('activityNotificationSent')) {
      const params = w.details.templateParameters as Array<{ name: string; value: string }>;
      const digest = w.details.activityType === 'trainingDigest';
      const to = w.details.userId as string;
      const topic = (w.details.topic as { value: string }).value;
      sends.push({ to, key: digest ? `digest|${to}|${/service/i.test(topic) ? 'direction' : 'manager'}` : `${to}|${moduleOf(params.find((p) => p.name === 'module')?.value ?? '')}`, at: Date.parse(w.at), channel: 'teams', digest });
    }
    for (const w of await control.writes('mailSent')) {
      const to = byUpn.get(String((w.details.to as string[])[0]).toLowerCase()) ?? '?';
      const subject = String(w.details.subject);
      const digest = /retard|overdue/i.test(subject) && !/Rappel|reminder/i.test(subject);
      sends.push({ to, key: digest ? `digest|${to}|${/service/i.test(subject) ? 'direction' : 'manager'}` : `${to}|${moduleOf(subject)}`, at: Date.parse(w.at), channel: 'email', digest });
    }
    const distinct = new Set(sends.map((s) => s.key));
    const duplicates = sends.length - distinct.size;
    const afterCompletion = sends.filter((s) => !s.digest && completedAt.has(s.key) && s.at > completedAt.get(s.key)!).length;
    const toAway = sends.filter((s) => { const t = byId.get(s.to); return !t || reachable(t) !== 'yes'; }).length;
    // Due: every step and digest, except steps of completed-mid-pass assignments not reached before the completion.
    const sentBefore = (key: string) => sends.some((s) => s.key === key && s.at <= completedAt.get(key)!);
    const personalDue = [...due.keys()].filter((k) => !completedAt.has(k) || sentBefore(k));
    const expectedDigests = [...digestRecipients].map((r) => { const [level, id] = r.split('|'); return `digest|${id}|${level}`; });
    const dueKeys = new Set([...personalDue, ...expectedDigests]);
    const sent = [...distinct].filter((k) => dueKeys.has(k)).length;
    const feed = sends.filter((s) => s.channel === 'teams').map((s) => s.at).sort((a, b) => a - b);
    const span = (feed.at(-1)! - feed[0]!) / 1000;
    const utilisation = feed.length > 1 ? (feed.length - 1) / span / 5 : 0;
    const graph429 = (after.byStatus['429'] ?? 0) - (before.byStatus['429'] ?? 0);
    console.log(JSON.stringify({ phase: 'graph', byStatus: after.byStatus, activityFeedRefused: after.activityFeedRefused }));
    console.log(JSON.stringify({ phase: 'detail', notifications: sends.length, teams: feed.length, email: sends.length - feed.length, digests: expectedDigests.length, completed_mid_pass: completedAt.size, unexpected: [...distinct].filter((k) => !dueKeys.has(k)).length, feed_seconds: Math.round(span * 10) / 10 }));
    console.log(JSON.stringify({ due: dueKeys.size, sent, duplicates, after_completion: afterCompletion, to_departed_or_leave: toAway, graph_429: graph429, pacing_utilization: Math.round(utilisation * 1000) / 1000 }));
  } finally {
    await sandbox.stop();
    await issuer.stop();
    await cosmos.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
