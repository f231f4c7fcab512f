import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { OPERATIONS, type OperationName } from '../../shared/relay/contract';
import { RECORDS, STAFF, auditLines, startRelayStack, type RelayStack } from './support';

/** Each catalogue operation end to end: relay client -> Service Bus emulator -> agent -> SQLite / archive -> reply session. */
let stack: RelayStack;

beforeAll(async () => {
  stack = await startRelayStack();
  await stack.startAgent();
});
afterAll(async () => stack?.stop());

async function call(operation: OperationName, params: unknown, user = STAFF) {
  const result = await stack.client.call(operation, params, user, 10_000);
  if (result.kind !== 'replied') throw new Error('no reply');
  return result.reply;
}

describe('mission system operations', () => {
  it('looks up a member by number and by name', async () => {
    const member = stack.relay.mission.members[41]!;
    const byNumber = await call('lookupMember', { memberNumber: member.memberNumber });
    expect(byNumber.outcome).toBe('ok');
    expect(OPERATIONS.lookupMember.output.parse(byNumber.result).members).toEqual([member]);

    const byName = await call('lookupMember', { name: member.lastName });
    const found = OPERATIONS.lookupMember.output.parse(byName.result).members;
    expect(found.map((m) => m.memberNumber)).toContain(member.memberNumber);
    expect(found.every((m) => `${m.firstName} ${m.lastName}`.includes(member.lastName))).toBe(true);
  });

  it('gets a case with its history and lists a member’s open cases', async () => {
    const kase = stack.relay.mission.cases.find((c) => c.status !== 'closed')!;
    const reply = await call('getCase', { caseNumber: kase.caseNumber });
    const { case: got, history } = OPERATIONS.getCase.output.parse(reply.result);
    expect(got).toEqual(kase);
    expect(history.map((h) => h.status)).toEqual(stack.relay.mission.events.filter((e) => e.caseNumber === kase.caseNumber).map((e) => e.status));

    const open = OPERATIONS.listOpenCases.output.parse((await call('listOpenCases', { memberNumber: kase.memberNumber })).result).cases;
    const expected = stack.relay.mission.cases.filter((c) => c.memberNumber === kase.memberNumber && c.status !== 'closed');
    expect(open.map((c) => c.caseNumber).sort()).toEqual(expected.map((c) => c.caseNumber).sort());
  });

  it('answers not found for an unknown member or case', async () => {
    expect((await call('lookupMember', { memberNumber: 'M99999' })).outcome).toBe('not_found');
    expect((await call('getCase', { caseNumber: 'GR-1999-0001' })).outcome).toBe('not_found');
  });
});

describe('legacy archive operations', () => {
  it('searches by words, date range and classification', async () => {
    const reply = await call('searchDocuments', { classification: 'CNV-02', from: '1980-01-01', to: '1999-12-31', limit: 50 });
    const { documents, total } = OPERATIONS.searchDocuments.output.parse(reply.result);
    const expected = stack.relay.archive.filter((d) => d.classification === 'CNV-02' && d.date >= '1980-01-01' && d.date <= '1999-12-31' && !d.restricted);
    expect(total).toBe(expected.length);
    expect(documents.every((d) => d.classification === 'CNV-02' && !d.restricted)).toBe(true);

    const words = await call('searchDocuments', { words: 'proces-verbal assemblee' });
    const titles = OPERATIONS.searchDocuments.output.parse(words.result).documents.map((d) => d.title);
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((t) => t.startsWith('Procès-verbal de l’assemblée'))).toBe(true);
  });

  it('gets metadata, and refuses restricted documents to staff without the records role', async () => {
    const restricted = stack.relay.archive.find((d) => d.restricted)!;
    expect((await call('getDocument', { documentId: restricted.documentId })).outcome).toBe('denied');
    const ok = await call('getDocument', { documentId: restricted.documentId }, RECORDS);
    const { file: _file, ...metadata } = restricted;
    expect(ok.result).toEqual({ document: metadata });
  });

  it('fetches a small document inline and a large one as a short-lived link', async () => {
    const small = stack.relay.archive.find((d) => !d.restricted && d.sizeBytes < 10_000)!;
    const inline = OPERATIONS.fetchDocument.output.parse((await call('fetchDocument', { documentId: small.documentId })).result);
    expect(inline.content.kind).toBe('inline');
    if (inline.content.kind === 'inline') expect(Buffer.from(inline.content.base64, 'base64').length).toBe(small.sizeBytes);

    const large = stack.relay.archive.find((d) => !d.restricted && d.sizeBytes > 100_000)!;
    const linked = OPERATIONS.fetchDocument.output.parse((await call('fetchDocument', { documentId: large.documentId })).result);
    expect(linked.content.kind).toBe('link');
    if (linked.content.kind !== 'link') return;
    expect(Date.parse(linked.content.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000 + 1_000);
    const response = await fetch(linked.content.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect((await response.arrayBuffer()).byteLength).toBe(large.sizeBytes);
    // The link only reads: the same URL cannot overwrite the blob.
    const put = await fetch(linked.content.url, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } });
    expect(put.status).toBe(403);
  });

  it('refuses path traversal: in the request (invalid) and in a tampered index (denied), and never returns the file', async () => {
    for (const documentId of ['../agent-config.json', 'DOC-000001/../../etc/passwd', '/etc/passwd', '..\\..\\x', 'DOC-000001%2f..%2f..']) {
      const reply = await call('fetchDocument', { documentId });
      expect(reply.outcome).toBe('invalid');
    }
    // Someone with write access to the archive share edits the index and plants a link.
    const indexFile = path.join(stack.relay.archiveRoot, 'index.json');
    const original = readFileSync(indexFile, 'utf8');
    const index = JSON.parse(original) as { documentId: string; file: string; restricted: boolean }[];
    symlinkSync(stack.relay.configPath, path.join(stack.relay.archiveRoot, 'innocent.txt'));
    const tampered = [
      { ...index[0]!, documentId: 'DOC-900001', file: '../agent-config.json', restricted: false },
      { ...index[0]!, documentId: 'DOC-900002', file: 'innocent.txt', restricted: false },
      { ...index[0]!, documentId: 'DOC-900003', file: '/etc/passwd', restricted: false },
    ];
    writeFileSync(indexFile, JSON.stringify([...index, ...tampered]));
    try {
      const codes = [];
      for (const entry of tampered) {
        const reply = await call('fetchDocument', { documentId: entry.documentId });
        expect(reply.outcome).toBe('denied');
        expect(JSON.stringify(reply)).not.toContain('SharedAccessKey');
        codes.push(reply.code);
      }
      expect(codes).toEqual(['path_outside_archive', 'symlink_refused', 'path_outside_archive']);
    } finally {
      writeFileSync(indexFile, original);
    }
  });

  it('keeps an audit line per request without parameters or results', async () => {
    const lines = auditLines(stack.relay);
    expect(lines.length).toBeGreaterThan(5);
    const raw = JSON.stringify(lines);
    for (const m of stack.relay.mission.members.slice(0, 50)) expect(raw).not.toContain(m.lastName);
    expect(lines.every((l) => l.user && l.operation && l.outcome)).toBe(true);
  });

  it('writes a heartbeat the cloud can read', async () => {
    const blob = BlobServiceClient.fromConnectionString(inject('azurite').connectionString).getContainerClient(stack.heartbeatContainer).getBlobClient('heartbeats/local-agent.json');
    const read = async () => JSON.parse((await blob.downloadToBuffer()).toString()) as { connected: boolean; at: string; agentId: string };
    const heartbeat = await read();
    expect(heartbeat.connected).toBe(true);
    expect(heartbeat.agentId).toBe('local-agent');
    // Fresh by the cloud's own rule (RELAY_HEARTBEAT_MAX_AGE_SECONDS, 60 s), and written again and
    // again: a newer one follows. No tighter clock: a loaded machine delays the agent's timer.
    expect(Date.now() - Date.parse(heartbeat.at)).toBeLessThan(60_000);
    await expect.poll(async () => Date.parse((await read()).at), { timeout: 60_000, interval: 500 }).toBeGreaterThan(Date.parse(heartbeat.at));
  }, 90_000);
});
