/**
 * Index definitions as the REST API carries them (`fields[]` with `type`, `key`, `searchable`,
 * `filterable`, `sortable`, `facetable`, `retrievable`, `analyzer`), checked as the service checks
 * them, and the error the service answers with.
 */
import { ANALYZERS, type AnalyzerName } from './analysis';

/** An error answered as the service does: status and `{"error":{"code","message"}}`. */
export class SearchError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type ScalarType = 'Edm.String' | 'Edm.Int32' | 'Edm.Int64' | 'Edm.Double' | 'Edm.Boolean' | 'Edm.DateTimeOffset';
const SCALARS: readonly ScalarType[] = ['Edm.String', 'Edm.Int32', 'Edm.Int64', 'Edm.Double', 'Edm.Boolean', 'Edm.DateTimeOffset'];

export interface FieldDefinition {
  name: string;
  type: string;
  key?: boolean;
  retrievable?: boolean;
  searchable?: boolean;
  filterable?: boolean;
  sortable?: boolean;
  facetable?: boolean;
  analyzer?: string | null;
  searchAnalyzer?: string | null;
  indexAnalyzer?: string | null;
  [other: string]: unknown;
}

export interface IndexDefinition {
  name: string;
  fields: FieldDefinition[];
  [other: string]: unknown;
}

/** A field as the engine uses it. */
export interface Field {
  name: string;
  /** The element type (for a collection, the type of its items). */
  type: ScalarType;
  collection: boolean;
  key: boolean;
  retrievable: boolean;
  searchable: boolean;
  filterable: boolean;
  sortable: boolean;
  facetable: boolean;
  analyzer: AnalyzerName;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** Checks a definition; answers 400 naming the field at fault, as the service does. */
export function checkIndex(definition: unknown, nameInPath?: string): { definition: IndexDefinition; fields: Field[] } {
  if (!definition || typeof definition !== 'object') throw new SearchError(400, 'InvalidRequestParameter', 'The request is invalid. Details: index : The index definition is missing.');
  const d = definition as IndexDefinition;
  if (typeof d.name !== 'string' || !NAME.test(d.name) || d.name.includes('--')) {
    throw new SearchError(400, 'InvalidName', `Index name '${String(d.name)}' is invalid: it must be 1 to 128 lower case letters, digits or dashes, start and end with a letter or digit, with no two dashes in a row.`);
  }
  if (nameInPath !== undefined && nameInPath !== d.name) {
    throw new SearchError(400, 'InvalidRequestParameter', `The index name '${d.name}' in the request body does not match the index name '${nameInPath}' in the request URL.`);
  }
  if (!Array.isArray(d.fields) || d.fields.length === 0) throw new SearchError(400, 'InvalidRequestParameter', 'The request is invalid. Details: index.fields : An index must have at least one field.');
  const fields: Field[] = [];
  const seen = new Set<string>();
  for (const f of d.fields) {
    if (!f || typeof f.name !== 'string' || !FIELD_NAME.test(f.name)) throw new SearchError(400, 'InvalidField', `Field name '${String(f?.name)}' is invalid.`);
    if (seen.has(f.name)) throw new SearchError(400, 'InvalidField', `Field '${f.name}' appears more than once.`);
    seen.add(f.name);
    const m = /^Collection\((.+)\)$/.exec(String(f.type));
    const elementType = (m ? m[1] : f.type) as ScalarType;
    if (!SCALARS.includes(elementType)) {
      throw new SearchError(400, 'InvalidField', `Field '${f.name}' has type '${String(f.type)}', which the emulator does not support (supported: ${SCALARS.join(', ')} and their collections).`);
    }
    const collection = Boolean(m);
    const isString = elementType === 'Edm.String';
    // The REST API's defaults when an attribute is left out (the SDK always sends them).
    const field: Field = {
      name: f.name,
      type: elementType,
      collection,
      key: f.key === true,
      retrievable: f.retrievable ?? true,
      searchable: f.searchable ?? isString,
      filterable: f.filterable ?? true,
      sortable: f.sortable ?? !collection,
      facetable: f.facetable ?? true,
      analyzer: 'standard.lucene',
    };
    if (field.searchable && !isString) throw new SearchError(400, 'InvalidField', `Field '${f.name}' of type '${String(f.type)}' cannot be searchable: only string fields can.`);
    if (field.sortable && collection) throw new SearchError(400, 'InvalidField', `Field '${f.name}' is a collection and cannot be sortable.`);
    const analyzer = f.analyzer ?? f.indexAnalyzer ?? null;
    if (analyzer !== null) {
      if (!field.searchable) throw new SearchError(400, 'InvalidField', `Field '${f.name}' has an analyzer but is not searchable.`);
      if (!ANALYZERS.includes(analyzer as AnalyzerName)) {
        throw new SearchError(400, 'InvalidField', `Field '${f.name}' names the analyzer '${analyzer}', which the emulator does not have (it has: ${ANALYZERS.join(', ')}).`);
      }
      field.analyzer = analyzer as AnalyzerName;
    }
    if (field.key) {
      if (f.type !== 'Edm.String') throw new SearchError(400, 'InvalidField', `The key field '${f.name}' must be of type Edm.String.`);
      field.retrievable = true;
    }
    fields.push(field);
  }
  const keys = fields.filter((f) => f.key);
  if (keys.length !== 1) throw new SearchError(400, 'InvalidRequestParameter', `The index must have exactly one key field (found ${keys.length}).`);
  // What the service returns: every attribute spelled out.
  const normalized: IndexDefinition = {
    ...d,
    fields: d.fields.map((f, i) => {
      const e = fields[i]!;
      return {
        ...f,
        key: e.key,
        retrievable: e.retrievable,
        searchable: e.searchable,
        filterable: e.filterable,
        sortable: e.sortable,
        facetable: e.facetable,
        analyzer: e.searchable && (f.analyzer ?? f.indexAnalyzer) ? e.analyzer : null,
      };
    }),
  };
  return { definition: normalized, fields };
}

/** Whether a new definition only adds fields (anything else would need a rebuild on Azure). */
export function checkUpdate(before: Field[], after: Field[], indexName: string): void {
  for (const old of before) {
    const now = after.find((f) => f.name === old.name);
    if (!now) throw new SearchError(400, 'OperationNotAllowed', `Index '${indexName}' cannot be updated: field '${old.name}' would be removed. Existing fields cannot be removed; delete and re-create the index.`);
    const changed = (['type', 'collection', 'key', 'searchable', 'filterable', 'sortable', 'facetable', 'analyzer'] as const).filter((k) => old[k] !== now[k]);
    if (changed.length) {
      throw new SearchError(400, 'OperationNotAllowed', `Index '${indexName}' cannot be updated: existing field '${old.name}' would change (${changed.join(', ')}). Existing fields cannot be changed; delete and re-create the index.`);
    }
  }
}
