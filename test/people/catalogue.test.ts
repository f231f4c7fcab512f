import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPeopleCatalogue, parsePeopleCatalogue } from '../../shared/people/catalogue';

const text = readFileSync(path.join(__dirname, '../../config/people-catalogue.json'), 'utf8');

describe('people catalogue', () => {
  it('the shipped catalogue loads and maps the directory values of the tenant, renamed values included', () => {
    const catalogue = loadPeopleCatalogue('config/people-catalogue.json');
    expect(catalogue.serviceFor('Services juridiques')?.code).toBe('JUR');
    expect(catalogue.serviceFor('  service   JURIDIQUE ')?.code).toBe('JUR');
    expect(catalogue.serviceFor('Service inconnu')).toBeNull();
    expect(catalogue.jobCategoryFor('CONSEIL')?.names['fr-CA']).toMatch(/Conseill/);
    expect(catalogue.serviceFor(null)).toBeNull();
  });

  it('a broken catalogue is refused with the line and the path of each problem', () => {
    const broken = text.replace('"shortCode": "rt"', '"shortCode": "RT!"').replace('"directoryValues": ["Administration et finances"]', '"directoryValues": ["Relations du travail"]');
    const lineOf = (needle: string) => broken.slice(0, broken.indexOf(needle)).split('\n').length;
    let message = '';
    try {
      parsePeopleCatalogue(broken, 'people-catalogue.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`line ${lineOf('"RT!"')}, services.1.shortCode: expected 2-12 lower-case letters`);
    expect(message).toContain('services.3.directoryValues.0: directory value "Relations du travail" already maps to RT');
  });

  it('a missing part is reported at its parent, and a catalogue that is not JSON says so', () => {
    const noLeave = text.replace(/"leave": \{[^}]*\}/, '"leave": {}');
    expect(() => parsePeopleCatalogue(noLeave, 'c.json')).toThrow(/line \d+, directory\.leave: name a group, an attribute, or both/);
    expect(() => parsePeopleCatalogue('{ nope', 'c.json')).toThrow(/Invalid people catalogue c\.json: not JSON/);
  });
});
