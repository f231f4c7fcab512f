import { describe, expect, it } from 'vitest';
import { attachmentDisposition, safeAttachmentName } from '../../shared/archive/attachment-name';
import { rfc5322Date } from '../../shared/archive/records/read';
import { summarise } from '../../shared/archive/records/search-filter';
import { MODEL_VERSION, type MessageEntry } from '../../shared/archive/model';

describe('RFC 5322 dates as the reader reads them', () => {
  it('reads the standard and obsolete forms, in UTC', () => {
    expect(rfc5322Date('Tue, 03 Feb 2026 10:00:00 +0000')).toBe('2026-02-03T10:00:00.000Z');
    expect(rfc5322Date('3 Feb 2026 05:00 -0500')).toBe('2026-02-03T10:00:00.000Z');
    expect(rfc5322Date('Tue, 3 Feb 26 05:00:00 EST')).toBe('2026-02-03T10:00:00.000Z');
    expect(rfc5322Date('Tue, 03 Feb 2026 10:00:00 +0000 (UTC)')).toBe('2026-02-03T10:00:00.000Z');
    expect(rfc5322Date('Tue, 03 Feb 2026 10:00:00 Q')).toBe('2026-02-03T10:00:00.000Z');
  });

  it('refuses what Date.parse would make something of', () => {
    for (const bad of ['2026', '3/2/26', 'le 3 février, vers midi', '31 Feb 2026 10:00:00 +0000', 'Tue, 03 Feb 2026 25:00:00 +0000', 'Tue, 03 Feb 2026 10:00:00 +9999x', '']) {
      expect(rfc5322Date(bad), bad).toBeNull();
    }
  });
});

describe('safe attachment names', () => {
  it('keeps ordinary names, and makes hostile ones safe', () => {
    expect(safeAttachmentName('Procès-verbal 2026.pdf', 'application/pdf', 0)).toBe('Procès-verbal 2026.pdf');
    expect(safeAttachmentName('..\\..\\Windows\\win.ini', 'text/plain', 0)).toBe('win.ini');
    expect(safeAttachmentName('aux.tar.gz', 'application/gzip', 0)).toBe('_aux.tar.gz');
    expect(safeAttachmentName('COM¹', 'application/octet-stream', 0)).toBe('_COM¹');
    expect(safeAttachmentName('..', 'application/octet-stream', 2)).toBe('attachment-3');
    expect(safeAttachmentName('rapport.pdf.   ', 'application/pdf', 0)).toBe('rapport.pdf');
    expect(safeAttachmentName('\u2067gpj.exe\u2069', 'image/jpeg', 0)).toBe('gpj.exe');
    const long = safeAttachmentName(`${'é'.repeat(300)}.docx`, 'application/octet-stream', 0);
    expect(long.length).toBe(200);
    expect(long.endsWith('.docx')).toBe(true);
  });

  it('is what a search shows for entries indexed before names were made safe', () => {
    const entry = { attachmentNames: ['../../etc/passwd', 'CON.txt', 'ok.pdf'], pk: 'm|2026-02', id: 'e', mailboxId: 'm', folderPath: 'Inbox', subject: '', from: null, to: [], cc: [], sentAt: null, receivedAt: '2026-02-03T10:00:00Z', rawSize: 1, contentHash: 'h', removedAt: null, retentionRuleId: null, retainUntil: null, holds: [], version: MODEL_VERSION } as unknown as MessageEntry;
    expect(summarise(entry).attachmentNames).toEqual(['passwd', '_CON.txt', 'ok.pdf']);
  });

  it('downloads under RFC 6266 filename*, with an ASCII fallback', () => {
    expect(attachmentDisposition("l'été (2026)*.pdf")).toBe(`attachment; filename="l'_t_ (2026)*.pdf"; filename*=UTF-8''l%27%C3%A9t%C3%A9%20%282026%29%2A.pdf`);
    expect(attachmentDisposition('50% "net".txt')).toBe(`attachment; filename="50_ _net_.txt"; filename*=UTF-8''50%25%20%22net%22.txt`);
  });
});
