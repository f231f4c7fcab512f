import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfigFile } from '../platform/config-file';
import { packageRoot } from '../platform/package-root';

/**
 * The people catalogue (config/people-catalogue.json): the union's services and job categories
 * ("corps d'emplois") with their French and English names, and which raw directory values map to
 * each. Versioned like the retention calendar: a change is a new version of the file. The mapping
 * is what lets a service renamed in Entra ID keep its code (both names map to it).
 */

/** User attributes the catalogue may read: plain properties or on-premises extension attributes. */
const Attribute = z
  .string()
  .regex(/^(department|jobTitle|employeeType|companyName|officeLocation|onPremisesExtensionAttributes\.extensionAttribute([1-9]|1[0-5]))$/, 'expected department, jobTitle, employeeType, companyName, officeLocation or onPremisesExtensionAttributes.extensionAttributeN (1-15)');

const Names = z.object({ 'fr-CA': z.string().min(1), en: z.string().min(1) });
const Code = z.string().regex(/^[A-Z][A-Z0-9_-]{0,31}$/, 'expected an upper-case code (letters, digits, _ or -, up to 32)');

const Service = z.object({
  code: Code,
  /** Used in the names of the service's spaces (Teams, SharePoint): short, lower-case, stable. */
  shortCode: z.string().regex(/^[a-z][a-z0-9-]{1,11}$/, 'expected 2-12 lower-case letters, digits or -'),
  names: Names,
  directoryValues: z.array(z.string().min(1)).min(1),
});

const JobCategory = z.object({ code: Code, names: Names, directoryValues: z.array(z.string().min(1)).min(1) });

export const PeopleCatalogueFile = z
  .object({
    $comment: z.string().optional(),
    version: z.string().min(1),
    directory: z.object({
      serviceAttribute: Attribute.default('department'),
      jobCategoryAttribute: Attribute.default('onPremisesExtensionAttributes.extensionAttribute1'),
      /** Group whose members are the staff (display name or object id); everyone but guests when absent. */
      scopeGroup: z.string().min(1).optional(),
      /** `employeeType` values that are not staff (shared mailboxes, rooms). */
      excludedEmployeeTypes: z.array(z.string().min(1)).default(['SharedMailbox', 'Resource']),
      leave: z
        .object({
          /** Members of this group are on leave (display name or object id). */
          group: z.string().min(1).optional(),
          /** Or: this attribute holding one of these values (case-insensitive) means on leave. */
          attribute: z.object({ name: Attribute, values: z.array(z.string().min(1)).min(1) }).optional(),
        })
        .refine((l) => l.group !== undefined || l.attribute !== undefined, 'name a group, an attribute, or both'),
    }),
    services: z.array(Service).min(1),
    jobCategories: z.array(JobCategory).min(1),
  })
  .superRefine((file, ctx) => {
    const unique = (list: Array<{ code: string; directoryValues: string[] }>, key: 'services' | 'jobCategories') => {
      const codes = new Set<string>();
      const values = new Map<string, string>();
      list.forEach((entry, i) => {
        if (codes.has(entry.code)) ctx.addIssue({ code: 'custom', message: `duplicate code ${entry.code}`, path: [key, i, 'code'] });
        codes.add(entry.code);
        entry.directoryValues.forEach((raw, j) => {
          const normal = normalise(raw);
          const other = values.get(normal);
          if (other !== undefined && other !== entry.code) ctx.addIssue({ code: 'custom', message: `directory value "${raw}" already maps to ${other}`, path: [key, i, 'directoryValues', j] });
          values.set(normal, entry.code);
        });
      });
    };
    unique(file.services, 'services');
    unique(file.jobCategories, 'jobCategories');
    const shortCodes = new Set<string>();
    file.services.forEach((s, i) => {
      if (shortCodes.has(s.shortCode)) ctx.addIssue({ code: 'custom', message: `duplicate shortCode ${s.shortCode}`, path: ['services', i, 'shortCode'] });
      shortCodes.add(s.shortCode);
    });
  });
export type PeopleCatalogueFile = z.infer<typeof PeopleCatalogueFile>;

export interface CatalogueEntry {
  code: string;
  names: { 'fr-CA': string; en: string };
}
export interface ServiceEntry extends CatalogueEntry {
  shortCode: string;
}

/** Directory values compare without case, accents' encoding or surrounding spaces. */
function normalise(raw: string): string {
  return raw.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('fr-CA');
}

export class PeopleCatalogue {
  private readonly serviceByValue = new Map<string, ServiceEntry>();
  private readonly categoryByValue = new Map<string, CatalogueEntry>();
  readonly services: ServiceEntry[];
  readonly jobCategories: CatalogueEntry[];

  constructor(readonly file: PeopleCatalogueFile) {
    this.services = file.services.map((s) => ({ code: s.code, shortCode: s.shortCode, names: s.names }));
    this.jobCategories = file.jobCategories.map((c) => ({ code: c.code, names: c.names }));
    file.services.forEach((s, i) => s.directoryValues.forEach((v) => this.serviceByValue.set(normalise(v), this.services[i]!)));
    file.jobCategories.forEach((c, i) => c.directoryValues.forEach((v) => this.categoryByValue.set(normalise(v), this.jobCategories[i]!)));
  }

  get version(): string {
    return this.file.version;
  }

  get directory(): PeopleCatalogueFile['directory'] {
    return this.file.directory;
  }

  /** The service a raw `department` value maps to, or null (unmapped: reported, never dropped). */
  serviceFor(raw: string | null): ServiceEntry | null {
    return raw === null ? null : (this.serviceByValue.get(normalise(raw)) ?? null);
  }

  jobCategoryFor(raw: string | null): CatalogueEntry | null {
    return raw === null ? null : (this.categoryByValue.get(normalise(raw)) ?? null);
  }

  service(code: string | null): ServiceEntry | null {
    return this.services.find((s) => s.code === code) ?? null;
  }

  jobCategory(code: string | null): CatalogueEntry | null {
    return this.jobCategories.find((c) => c.code === code) ?? null;
  }
}

/** Parses and validates a catalogue's text; problems name the line and the path. */
export function parsePeopleCatalogue(text: string, name: string): PeopleCatalogue {
  return new PeopleCatalogue(parseConfigFile(PeopleCatalogueFile, text, `people catalogue ${name}`));
}

export function loadPeopleCatalogue(file: string): PeopleCatalogue {
  const full = path.isAbsolute(file) ? file : path.join(packageRoot(), file);
  return parsePeopleCatalogue(readFileSync(full, 'utf8'), file);
}
