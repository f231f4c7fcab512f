import type { QueryName } from '../config';
import type { AgentConfig } from '../config';
import type { QueryParams, QueryRunner } from './mission-system';
import { Unavailable } from './errors';

/**
 * The mission database on SQL Server (production), through the maintained `mssql` driver
 * (tedious underneath). Request values are always bound as typed parameters, never spliced into
 * SQL. Give the agent a login that can only read (db_datareader, or a role with SELECT on the few
 * views the queries use); ApplicationIntent=ReadOnly also routes to a readable secondary when
 * there is one.
 */

/** The slice of mssql's API this module uses (typed here so the agent builds without its types). */
export interface MssqlRequest {
  input(name: string, type: unknown, value: unknown): MssqlRequest;
  query(sql: string): Promise<{ recordset: Record<string, unknown>[] }>;
}
export interface MssqlModule {
  NVarChar(length: number): unknown;
  Int: unknown;
  Float: unknown;
  ConnectionPool: new (config: Record<string, unknown>) => { connect(): Promise<{ request(): MssqlRequest; close(): Promise<void> }> };
}

/** Longest value any catalogue input allows; a fixed length keeps SQL Server's plan cache to one plan per query. */
const NVARCHAR_LENGTH = 200;

/** Binds each parameter with an explicit type: text as NVARCHAR(200), whole numbers as INT. */
export function bindParameters(request: MssqlRequest, params: QueryParams, sql: MssqlModule): MssqlRequest {
  for (const [name, value] of Object.entries(params)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) throw new Error(`invalid parameter name ${name}`);
    if (typeof value === 'string') {
      if (value.length > NVARCHAR_LENGTH) throw new Error(`parameter ${name} is longer than ${NVARCHAR_LENGTH}`);
      request.input(name, sql.NVarChar(NVARCHAR_LENGTH), value);
    } else if (typeof value === 'number') {
      request.input(name, Number.isInteger(value) ? sql.Int : sql.Float, value);
    } else {
      request.input(name, sql.NVarChar(NVARCHAR_LENGTH), null);
    }
  }
  return request;
}

export async function openSqlServerDatabase(
  settings: NonNullable<AgentConfig['mission']['sqlserver']>,
  queries: Record<QueryName, string>,
  sql: MssqlModule = require('mssql') as MssqlModule,
): Promise<QueryRunner> {
  const pool = await new sql.ConnectionPool({
    server: settings.server,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: settings.password,
    pool: { max: settings.poolMax, min: 0, idleTimeoutMillis: 30_000 },
    options: { encrypt: settings.encrypt, trustServerCertificate: settings.trustServerCertificate, readOnlyIntent: true, appName: 'spgq-onprem-agent' },
  }).connect();
  return {
    async query(name: QueryName, params: QueryParams) {
      try {
        const result = await bindParameters(pool.request(), params, sql).query(queries[name]);
        return result.recordset;
      } catch (e) {
        throw new Unavailable('database_error', { cause: e });
      }
    },
    close: () => pool.close(),
  };
}
