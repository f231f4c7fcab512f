import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../../shared/platform/logger';

describe('structured logger', () => {
  it('writes one JSON object per line with the base fields', () => {
    const lines: [string, string][] = [];
    const log = createLogger((level, line) => lines.push([level, line]), { invocationId: 'inv-1' });
    log.child({ mailbox: 'mbx-42' }).warn('archive.page.retry', { attempt: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toBe('warn');
    expect(JSON.parse(lines[0]![1])).toEqual({ level: 'warn', event: 'archive.page.retry', invocationId: 'inv-1', mailbox: 'mbx-42', attempt: 2 });
  });

  it('never writes tokens, keys or personal information', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxIn0.c2lnbmF0dXJl';
    const out = JSON.stringify(
      redact({
        authorization: `Bearer ${jwt}`,
        userEmail: 'marie.roy@spgq.qc.ca',
        subject: 'Dossier de grief confidentiel',
        note: `token ${jwt} for marie.roy@spgq.qc.ca via Endpoint=sb://x;SharedAccessKeyName=k;SharedAccessKey=abc123==`,
        nested: [{ displayName: 'Marie Roy', count: 3 }],
        error: new Error('login failed for marie.roy@spgq.qc.ca password=hunter2'),
      }),
    );
    for (const leaked of [jwt, 'marie.roy@spgq.qc.ca', 'Dossier de grief', 'abc123==', 'Marie Roy', 'hunter2']) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain('"count":3');
    expect(out).toContain('login failed for [email]');
  });
});
