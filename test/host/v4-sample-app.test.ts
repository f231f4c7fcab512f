import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveEntryFiles } from '../../dev/host/entry-glob';
import { FIXTURES, startHostProcess, waitFor, type HostProcess } from './host-process';
import path from 'node:path';

/** An app laid out and written as Microsoft's v4-model samples are runs in the host unmodified. */
describe('an app written as the v4-model samples are', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({ app: 'v4-sample-app', env: { AzureWebJobsStorage: inject('azurite').connectionString, DURABLE_TASK_HUB: `SampleHub${Date.now()}` } });
  });
  afterAll(() => host?.stop());

  it('loads every file a glob "main" matches (dist/src/functions/*.js), and only those', async () => {
    const res = await fetch(`${host.baseUrl}/api/hello?name=Québec`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello, Québec!');
    expect(host.output()).not.toContain('not an entry point');
    const dir = path.join(FIXTURES, 'v4-sample-app');
    expect(resolveEntryFiles(dir, 'dist/src/functions/*.js').map((f) => path.relative(dir, f))).toEqual([
      'dist/src/functions/copyUpload.js',
      'dist/src/functions/counter.js',
      'dist/src/functions/hello.js',
      'dist/src/functions/helloSequence.js',
      'dist/src/functions/saveNote.js',
    ]);
    expect(resolveEntryFiles(dir, './dist/**/{hello,helpers}.js').map((f) => path.relative(dir, f))).toEqual([
      'dist/src/functions/hello.js',
      'dist/src/helpers.js',
    ]);
    expect(resolveEntryFiles(dir, 'dist/src/functions/nothing-*.js')).toEqual([]);
  });

  it('binds output blob paths from the trigger: route parameters, the query and JSON body properties', async () => {
    const res = await fetch(`${host.baseUrl}/api/notes/memo-42?kind=draft`, {
      method: 'POST', body: JSON.stringify({ text: 'bonjour', folder: 'equipe' }), headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    const container = BlobServiceClient.fromConnectionString(inject('azurite').connectionString).getContainerClient('samples-out');
    expect((await container.getBlockBlobClient('memo-42.txt').downloadToBuffer()).toString()).toBe('bonjour');
    const json = JSON.parse((await container.getBlockBlobClient('equipe/draft-memo-42.json').downloadToBuffer()).toString()) as unknown;
    expect(json).toEqual({ text: 'bonjour', folder: 'equipe' });
  });

  it('runs the durable hello sequence: starter, activities, callHttp, and status polling by Location until 200', async () => {
    const started = await fetch(`${host.baseUrl}/api/orchestrators/helloSequence`, { method: 'POST', body: JSON.stringify({ base: host.baseUrl }) });
    expect(started.status).toBe(202);
    let location = started.headers.get('location')!;
    expect(location).toContain('/runtime/webhooks/durabletask/instances/');
    // Poll as a client of the async HTTP pattern does: follow Location while the answer is 202.
    let res = await fetch(location.replace('localhost', '127.0.0.1'));
    const deadline = Date.now() + 60_000;
    while (res.status === 202 && Date.now() < deadline) {
      expect(res.headers.get('retry-after')).toBe('5');
      location = res.headers.get('location')!;
      await new Promise((r) => setTimeout(r, 200));
      res = await fetch(location.replace('localhost', '127.0.0.1'));
    }
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      runtimeStatus: 'Completed',
      output: ['Hello, Québec!', 'Hello, Montréal!', 'Hello, Gatineau!', 'Hello, orchestration!'],
    });
  }, 90_000);

  it('runs a blob trigger once per new blob (across a restart), with the output path bound from the trigger path {name}', async () => {
    const service = BlobServiceClient.fromConnectionString(inject('azurite').connectionString);
    const uploads = service.getContainerClient('samples-uploads');
    await uploads.createIfNotExists();
    const name = `dossier/lettre-${Date.now()}.txt`;
    await uploads.getBlockBlobClient(name).upload('bonjour', 7);
    const copy = service.getContainerClient('samples-out').getBlockBlobClient(`copies/${name}`);
    await waitFor(() => copy.exists(), 30_000, `the copy of ${name}`);
    expect((await copy.downloadToBuffer()).toString()).toBe(`samples-uploads/${name}: BONJOUR`);
    // Once per blob version: a later scan (the one that finds a second blob, listed after the first) leaves it alone.
    const next = name.replace('lettre-', 'suite-');
    await uploads.getBlockBlobClient(next).upload('merci', 5);
    const nextCopy = service.getContainerClient('samples-out').getBlockBlobClient(`copies/${next}`);
    await waitFor(() => nextCopy.exists(), 30_000, `the copy of ${next}`);
    // The host's log comes through its stdout, which this process may read after Azurite's answer:
    // wait for the second blob's line; the first blob's lines were written before it on the same pipe.
    const runsOf = (blob: string) => host.output().split('\n').filter((l) => l.includes(`New blob detected(samples-uploads/${blob})`)).length;
    await waitFor(async () => runsOf(next) > 0, 30_000, `the log line of ${next}`);
    expect(runsOf(name)).toBe(1);

    // A restarted host keeps the receipts: it runs only what is new.
    await host.stop();
    const again = await startHostProcess({ app: 'v4-sample-app', env: { AzureWebJobsStorage: inject('azurite').connectionString, DURABLE_TASK_HUB: `SampleHub${Date.now()}` } });
    try {
      const third = name.replace('lettre-', 'zz-');
      await uploads.getBlockBlobClient(third).upload('encore', 6);
      const thirdCopy = service.getContainerClient('samples-out').getBlockBlobClient(`copies/${third}`);
      await waitFor(() => thirdCopy.exists(), 30_000, `the copy of ${third} after the restart`);
      expect(again.output()).not.toContain(`New blob detected(samples-uploads/${name})`);
      expect(again.output()).not.toContain(`New blob detected(samples-uploads/${next})`);
    } finally {
      await again.stop();
    }
  }, 90_000);
});

describe('output bindings the host does not deliver', () => {
  it('refuse to start, naming the function and the binding type', async () => {
    const failed = await startHostProcess({ app: 'unknown-output-app', env: { AzureWebJobsStorage: inject('azurite').connectionString } }).then(
      async (h) => {
        await h.stop();
        return 'started';
      },
      (e: unknown) => String(e),
    );
    expect(failed).toMatch(/function 'enqueueNote': output binding '[^']+' of type 'queue'/);
    expect(failed).toContain('LOCAL_HOST_OPTIONAL_OUTPUT_BINDINGS');
  });

  it('start when declared optional in the app settings, warning about each', async () => {
    const h = await startHostProcess({
      app: 'unknown-output-app',
      env: { AzureWebJobsStorage: inject('azurite').connectionString, LOCAL_HOST_OPTIONAL_OUTPUT_BINDINGS: 'enqueueNote:queue' },
    });
    try {
      expect(await (await fetch(`${h.baseUrl}/api/ping`)).text()).toBe('pong');
      expect(h.output()).toMatch(/Declared optional, not delivered by this host: function 'enqueueNote'/);
    } finally {
      await h.stop();
    }
  });
});
