import { describe, expect, it } from 'vitest';
import { negotiateLanguage, translate } from '../../shared/platform/i18n';

describe('language negotiation', () => {
  it.each([
    [undefined, 'fr-CA'],
    ['', 'fr-CA'],
    ['fr-CA', 'fr-CA'],
    ['fr', 'fr-CA'],
    ['en-US', 'en'],
    ['en-CA,en;q=0.9,fr-CA;q=0.8', 'en'],
    ['fr-CA,fr;q=0.9,en;q=0.8', 'fr-CA'],
    ['de-DE,en;q=0.5', 'en'],
    ['es, de', 'fr-CA'],
    ['en;q=0, fr;q=0.1', 'fr-CA'],
    ['fr;q=0.2, en;q=0.7', 'en'],
  ])('%s -> %s', (header, expected) => {
    expect(negotiateLanguage(header)).toBe(expected);
  });

  it('fills message parameters in both languages', () => {
    expect(translate('fr-CA', 'request.tooLarge', { limit: 10 })).toContain('(10 octets)');
    expect(translate('en', 'request.tooLarge', { limit: 10 })).toContain('(10 bytes)');
  });
});
