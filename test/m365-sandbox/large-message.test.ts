import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox } from '../../dev/m365-sandbox/index';

/**
 * The sandbox runs as its own process (through its CLI) so its memory can be measured apart from the
 * test's: streaming the ~100 MB message must not make it grow by anything near that size.
 */
let child: ChildProcess;
let dir: string;
let ready: { baseUrl: string; controlUrl: string; caCertFile: string };
let graph: Client;
let control: SandboxControl;
let caCertPem: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'm365-sandbox-test-'));
  const cli = path.resolve(__dirname, '../../dev/m365-sandbox/cli.ts');
  child = spawn(process.execPath, ['--import', 'tsx', cli, '--scale-messages', '6', '--ca-out', path.join(dir, 'ca.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  ready = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox CLI exited with ${code}`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as typeof ready));
  });
  caCertPem = readFileSync(ready.caCertFile, 'utf8');
  graph = createSandboxGraphClient({ baseUrl: ready.baseUrl, caCertPem });
  control = new SandboxControl({ controlUrl: ready.controlUrl, caCertPem });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function hashStream(stream: unknown, onChunk?: () => Promise<void>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (onChunk && ++n % 200 === 0) await onChunk();
  }
  return { sha256: hash.digest('hex'), bytes };
}

describe('M365 sandbox: the ~100 MB message', () => {
  it('streams its $value without the sandbox buffering it, with the same bytes twice and across processes', async () => {
    const tenant = await control.request<{ largeMessage: { userId: string; messageId: string; attachmentBytes: number } }>('GET', '/tenant');
    const { userId, messageId } = tenant.largeMessage;
    const url = `/users/${userId}/messages/${messageId}/$value`;

    await control.resetPeakMemory();
    const before = (await control.stats()).memory.rss;
    const first = await hashStream(await graph.api(url).getStream(), async () => {
      await control.stats();
    });
    const peak = (await control.stats()).peakRss;
    expect(first.bytes).toBeGreaterThan(100_000_000);
    // A buffering server would grow by > 100 MB; generating chunk by chunk keeps it to a few chunks.
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);

    const second = await hashStream(await graph.api(url).getStream());
    expect(second).toEqual(first);

    // Same seed in another process: same message, same bytes.
    const local = await startM365Sandbox({ scale: { messagesPerMailbox: 6 } });
    try {
      expect(local.tenant.largeMessage?.messageId).toBe(messageId);
      const localGraph = createSandboxGraphClient(local);
      expect(await hashStream(await localGraph.api(url).getStream())).toEqual(first);
    } finally {
      await local.stop();
    }
  });

  it('lists the large attachment without inlining its content', async () => {
    const tenant = await control.request<{ largeMessage: { userId: string; messageId: string; attachmentBytes: number } }>('GET', '/tenant');
    const attachments = await graph.api(`/users/${tenant.largeMessage.userId}/messages/${tenant.largeMessage.messageId}/attachments`).get();
    expect(attachments.value).toHaveLength(1);
    expect(attachments.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.fileAttachment', size: tenant.largeMessage.attachmentBytes, contentType: 'video/mp4' });
    expect(attachments.value[0].contentBytes).toBeUndefined();
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
