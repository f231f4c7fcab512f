/**
 * Figures for the Microsoft 365 sandbox (npm run bench:m365-sandbox): start-up time, paging and delta
 * throughput at scale, small-request rate, and the 100 MB $value stream (rate and sandbox memory,
 * measured in a separate sandbox process through its control API). Everything goes through the
 * official Graph client over HTTPS, as the app does.
 */
import { spawn } from 'node:child_process';
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

async function main(): Promise<void> {
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
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
