import { describe, expect, it } from 'vitest';
import { bindParameters, openSqlServerDatabase, type MssqlModule, type MssqlRequest } from '../src/connectors/sqlserver-database';
import { SAMPLE_QUERIES } from '../../dev/relay/sample-data';

/**
 * The SQL Server path, without a SQL Server: parameters are bound with explicit types on real
 * mssql Request objects, and the query text sent is exactly the configured one.
 */
interface BoundParameter {
  name: string;
  value: unknown;
  length?: number;
  type: unknown;
}
/** The parts of mssql this test touches (the package ships no types). */
const sql = require('mssql') as MssqlModule & { Request: new () => MssqlRequest & { parameters: Record<string, BoundParameter> } };
const driver: MssqlModule = sql;

describe('SQL Server parameter binding', () => {
  it('binds text as NVARCHAR(200) and whole numbers as INT, values untouched', () => {
    const request = new sql.Request();
    bindParameters(request, { memberNumber: "M00001' OR 1=1 --", limit: 25, missing: null }, driver);
    const p = request.parameters;
    expect(p.memberNumber).toMatchObject({ name: 'memberNumber', value: "M00001' OR 1=1 --", length: 200 });
    expect(p.memberNumber!.type).toBe(sql.NVarChar);
    expect(p.limit).toMatchObject({ value: 25 });
    expect(p.limit!.type).toBe(sql.Int);
    expect(p.missing).toMatchObject({ value: null });
  });

  it('refuses parameter names that are not identifiers and values longer than the column type', () => {
    expect(() => bindParameters(new sql.Request(), { 'x; DROP': 'a' }, driver)).toThrow(/invalid parameter name/);
    expect(() => bindParameters(new sql.Request(), { name: 'x'.repeat(201) }, driver)).toThrow(/longer/);
  });

  it('sends the configured query text unchanged with the bound parameters, read-only intent', async () => {
    const sent: { sql: string; inputs: [string, unknown][] }[] = [];
    let poolConfig: Record<string, unknown> = {};
    const fake: MssqlModule = {
      NVarChar: (n: number) => sql.NVarChar(n),
      Int: sql.Int,
      Float: sql.Float,
      ConnectionPool: class {
        constructor(config: Record<string, unknown>) {
          poolConfig = config;
        }
        async connect() {
          return {
            request(): MssqlRequest {
              const inputs: [string, unknown][] = [];
              const r: MssqlRequest = {
                input(name, _type, value) {
                  inputs.push([name, value]);
                  return r;
                },
                async query(text) {
                  sent.push({ sql: text, inputs });
                  return { recordset: [{ memberNumber: 'M00001' }] };
                },
              };
              return r;
            },
            async close() {},
          };
        }
      },
    };
    const db = await openSqlServerDatabase({ server: 'sql', port: 1433, database: 'Mission', encrypt: true, trustServerCertificate: false, poolMax: 4 }, SAMPLE_QUERIES, fake);
    expect(await db.query('memberByNumber', { memberNumber: 'M00001' })).toEqual([{ memberNumber: 'M00001' }]);
    expect(sent).toEqual([{ sql: SAMPLE_QUERIES.memberByNumber, inputs: [['memberNumber', 'M00001']] }]);
    expect(poolConfig).toMatchObject({ options: { readOnlyIntent: true, encrypt: true } });
  });
});
