/**
 * Figures for the Microsoft 365 sandbox (npm run bench:m365-sandbox): start-up time, paging and delta
 * throughput at scale, small-request rate, and the 100 MB $value stream (rate and sandbox memory,
 * measured in a separate sandbox process through its control API). Everything goes through the
 * official Graph client over HTTPS, as the app does.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox } from '../dev/m365-sandbox/index';

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function drain(url: string, graph: ReturnType<typeof createSandboxGraphClient>, prefer: string): Promise<number> {
  let count = 0;
  let next: string | undefined = url;
  while (next) {
    const page: { value: unknown[]; '@odata.nextLink'?: string } = await graph.api(next).header('Prefer', prefer).get();
    count += page.value.length;
    next = page['@odata.nextLink'];
  }
  return count;
}

/**
 * Change notifications at the freshness benchmark's shape: one subscription per mailbox (each with its
 * validation handshake), a message every 100 ms to a random mailbox, a loopback listener answering
 * 202. Latency runs from just before the control call that delivers the message to the arrival of
 * its notification, so it includes the 100 ms batching window.
 */
async function notifications(): Promise<void> {
  const mailboxes = Number(process.env.BENCH_MAILBOXES ?? 200);
  const seconds = Number(process.env.BENCH_NOTIFY_SECONDS ?? 60);
  const sent = new Map<string, bigint>();
  const arrived = new Map<string, bigint>();
  let posts = 0;
  const listener = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
      if (token !== null) return void res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      posts++;
      const now = process.hrtime.bigint();
      for (const item of (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value: Array<{ resourceData: { id: string } }> }).value) arrived.set(item.resourceData.id, now);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/notify`;
  // A few more than asked: the two shared mailboxes are not staff.
  const sandbox = await startM365Sandbox({ scale: { mailboxes: mailboxes + 5, messagesPerMailbox: 5 }, throttling: false });
  try {
    const graph = createSandboxGraphClient(sandbox);
    const control = new SandboxControl(sandbox);
    const users = sandbox.tenant.users.filter((u) => !u.isSharedMailbox && u.userType === 'Member').slice(0, mailboxes).map((u) => u.id);
    let t = process.hrtime.bigint();
    for (const user of users) {
      await graph.api('/subscriptions').post({ changeType: 'created,updated,deleted', notificationUrl: url, resource: `users/${user}/messages`, expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString(), clientState: 'bench' });
    }
    const subscribeMs = ms(t);
    const cpu = process.cpuUsage();
    t = process.hrtime.bigint();
    let count = 0;
    for (let i = 0; i < seconds * 10; i++) {
      const due = t + BigInt(i) * 100_000_000n;
      const wait = Number(due - process.hrtime.bigint()) / 1e6;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const before = process.hrtime.bigint();
      const added = await control.addMessage(users[Math.floor(Math.random() * users.length)]!, { subject: `Bench ${i}` });
      sent.set(added.restId, before);
      count++;
    }
    const deadline = Date.now() + 30_000;
    while ([...sent.keys()].some((id) => !arrived.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const used = process.cpuUsage(cpu);
    const latencies = [...sent].filter(([id]) => arrived.has(id)).map(([id, at]) => Number(arrived.get(id)! - at) / 1e6).sort((a, b) => a - b);
    const lost = sent.size - latencies.length;
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(0);
    console.log(`notifications: ${users.length} subscriptions created (handshake each) in ${subscribeMs.toFixed(0)} ms; ${count} messages in ${seconds} s -> ${latencies.length} notified in ${posts} POSTs, latency p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${latencies[latencies.length - 1]!.toFixed(0)} ms, lost ${lost}; CPU of the process (sandbox, listener and driver) ${((used.user + used.system) / 1000 / count).toFixed(2)} ms per message`);
  } finally {
    await sandbox.stop();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY === 'notifications') return notifications();
  const startups: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    const s = await startM365Sandbox();
    startups.push(ms(t));
    await s.stop();
  }
  console.log(`start-up, default seed: ${startups.map((v) => v.toFixed(0)).join(', ')} ms`);

  const scaled = await startM365Sandbox({ scale: { mailboxes: 2, messagesPerMailbox: 5000 }, throttling: false });
  try {
    const graph = createSandboxGraphClient(scaled);
    const user = scaled.tenant.largeMessage!.userId;
    let t = process.hrtime.bigint();
    const all = await drain(`/users/${user}/messages?$select=subject,receivedDateTime`, graph, 'odata.maxpagesize=1000, IdType="ImmutableId"');
    let elapsed = ms(t);
    console.log(`paging /messages (${all} messages, 1000 per page, $select): ${elapsed.toFixed(0)} ms, ${(all / (elapsed / 1000)).toFixed(0)} messages/s`);
    t = process.hrtime.bigint();
    const full = await drain(`/users/${user}/mailFolders/inbox/messages/delta`, graph, 'odata.maxpagesize=500, IdType="ImmutableId"');
    elapsed = ms(t);
    console.log(`delta full sync of the inbox (${full} messages, full bodies, 500 per page): ${elapsed.toFixed(0)} ms, ${(full / (elapsed / 1000)).toFixed(0)} messages/s`);
    t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await graph.api(`/users/${user}/mailFolders/inbox`).get();
    elapsed = ms(t);
    console.log(`1000 sequential GET mailFolders/inbox: ${elapsed.toFixed(0)} ms, ${(1000 / (elapsed / 1000)).toFixed(0)} requests/s`);
  } finally {
    await scaled.stop();
  }

  // Directory sync at the size the staff-directory benchmark uses: 2,000 staff, users/delta full round.
  let t = process.hrtime.bigint();
  const staffed = await startM365Sandbox({ scale: { staff: 2000 }, throttling: false });
  const staffStart = ms(t);
  try {
    const graph = createSandboxGraphClient(staffed);
    let users = 0;
    let requests = 0;
    let next: string | undefined = '/users/delta?$select=displayName,department,accountEnabled,employeeType,employeeHireDate,employeeLeaveDateTime,preferredLanguage,userType,onPremisesExtensionAttributes,manager';
    t = process.hrtime.bigint();
    while (next) {
      const page: { value: unknown[]; '@odata.nextLink'?: string } = await graph.api(next).get();
      users += page.value.length;
      requests++;
      next = page['@odata.nextLink'];
    }
    console.log(`users/delta full round at 2,000 staff (start-up ${staffStart.toFixed(0)} ms): ${users} users in ${requests} requests, ${ms(t).toFixed(0)} ms`);
  } finally {
    await staffed.stop();
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'm365-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../dev/m365-sandbox/cli.ts'), '--ca-out', path.join(dir, 'ca.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await new Promise<{ baseUrl: string; controlUrl: string; caCertFile: string }>((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l))));
    const caCertPem = readFileSync(ready.caCertFile, 'utf8');
    const graph = createSandboxGraphClient({ baseUrl: ready.baseUrl, caCertPem });
    const control = new SandboxControl({ controlUrl: ready.controlUrl, caCertPem });
    const { largeMessage } = await control.request<{ largeMessage: { userId: string; messageId: string } }>('GET', '/tenant');
    await control.resetPeakMemory();
    const before = (await control.stats()).memory.rss;
    const t = process.hrtime.bigint();
    let bytes = 0;
    for await (const chunk of (await graph.api(`/users/${largeMessage.userId}/messages/${largeMessage.messageId}/$value`).getStream()) as AsyncIterable<Uint8Array>) bytes += chunk.length;
    const elapsed = ms(t);
    const peak = (await control.stats()).peakRss;
    console.log(`$value of the large message: ${(bytes / 1e6).toFixed(1)} MB in ${elapsed.toFixed(0)} ms (${(bytes / 1e6 / (elapsed / 1000)).toFixed(0)} MB/s); sandbox RSS ${(before / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB (+${((peak - before) / 2 ** 20).toFixed(0)} MiB)`);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  await notifications();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
