import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from '../../shared/platform/settings';
import { azureEnv } from '../support/settings-env';

describe('archive text extraction: settings', () => {
  it('defaults: 25 MB, a million characters, 20 s per attachment, 512 MB per worker, the pool\'s own worker count', () => {
    expect(parseSettings(azureEnv).archive.extraction).toEqual({ limits: { maxAttachmentBytes: 25 * 1024 * 1024, maxChars: 1_000_000, timeoutMs: 20_000 }, pool: { memoryMb: 512 } });
  });

  it('reads each setting in its unit', () => {
    const s = parseSettings({ ...azureEnv, ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB: '10', ARCHIVE_EXTRACT_MAX_CHARS: '5000', ARCHIVE_EXTRACT_TIMEOUT_SECONDS: '5', ARCHIVE_EXTRACT_WORKERS: '2', ARCHIVE_EXTRACT_MEMORY_MB: '256' });
    expect(s.archive.extraction).toEqual({ limits: { maxAttachmentBytes: 10 * 1024 * 1024, maxChars: 5000, timeoutMs: 5000 }, pool: { workers: 2, memoryMb: 256 } });
  });

  it('refuses values out of range, naming each setting', () => {
    let error: unknown;
    try {
      parseSettings({ ...azureEnv, ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB: '0', ARCHIVE_EXTRACT_TIMEOUT_SECONDS: '3600', ARCHIVE_EXTRACT_MEMORY_MB: '16' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect(Object.fromEntries((error as SettingsError).problems.map((p) => [p.setting, p.problem]))).toEqual({
      ARCHIVE_EXTRACT_MAX_ATTACHMENT_MB: 'between 1 and 150',
      ARCHIVE_EXTRACT_TIMEOUT_SECONDS: 'between 1 and 300',
      ARCHIVE_EXTRACT_MEMORY_MB: 'between 64 and 4096',
    });
  });
});
