import type { CaseSummary, Member, OperationInput, OperationOutput } from '../../../shared/relay/contract';
import type { QueryName } from '../config';
import { NotFound } from './errors';

/**
 * The mission system (members and cases), reached only through the named, parameterised,
 * read-only queries of the agent's config. Nothing from a request ever becomes SQL text: request
 * values are bound as parameters of a query the administrator wrote.
 */
export type QueryParams = Record<string, string | number | null>;

export interface QueryRunner {
  /** Runs the configured query `name` with named parameters (@name in the SQL). */
  query(name: QueryName, params: QueryParams): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface MissionSystem {
  lookupMember(input: OperationInput<'lookupMember'>): Promise<OperationOutput<'lookupMember'>>;
  getCase(input: OperationInput<'getCase'>): Promise<OperationOutput<'getCase'>>;
  listOpenCases(input: OperationInput<'listOpenCases'>): Promise<OperationOutput<'listOpenCases'>>;
}

export function missionSystem(db: QueryRunner): MissionSystem {
  return {
    async lookupMember(input) {
      const rows = input.memberNumber
        ? await db.query('memberByNumber', { memberNumber: input.memberNumber })
        : await db.query('membersByName', { namePattern: `%${input.name ?? ''}%` });
      if (rows.length === 0) throw new NotFound('member_not_found');
      return { members: rows.slice(0, 25).map(toMember) };
    },
    async getCase(input) {
      const [row] = await db.query('caseByNumber', { caseNumber: input.caseNumber });
      if (!row) throw new NotFound('case_not_found');
      const history = await db.query('caseHistory', { caseNumber: input.caseNumber });
      return {
        case: toCase(row),
        history: history.map((h) => ({ on: dateText(h.on), status: String(h.status) as CaseSummary['status'], note: String(h.note ?? '') })),
      };
    },
    async listOpenCases(input) {
      const [member] = await db.query('memberByNumber', { memberNumber: input.memberNumber });
      if (!member) throw new NotFound('member_not_found');
      const rows = await db.query('openCasesByMember', { memberNumber: input.memberNumber });
      return { cases: rows.map(toCase) };
    },
  };
}

/** SQL Server hands back Date objects, SQLite ISO text: both become YYYY-MM-DD. */
function dateText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

function toMember(row: Record<string, unknown>): Member {
  return {
    memberNumber: String(row.memberNumber),
    firstName: String(row.firstName),
    lastName: String(row.lastName),
    employer: String(row.employer),
    section: String(row.section),
    status: String(row.status) as Member['status'],
    joinedOn: dateText(row.joinedOn),
  };
}

function toCase(row: Record<string, unknown>): CaseSummary {
  return {
    caseNumber: String(row.caseNumber),
    memberNumber: String(row.memberNumber),
    kind: String(row.kind) as CaseSummary['kind'],
    title: String(row.title),
    status: String(row.status) as CaseSummary['status'],
    openedOn: dateText(row.openedOn),
    closedOn: row.closedOn === null || row.closedOn === undefined ? null : dateText(row.closedOn),
  };
}
