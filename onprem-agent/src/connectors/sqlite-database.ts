import type { Database, Statement } from 'better-sqlite3';
import { REQUIRED_QUERIES, type QueryName } from '../config';
import type { QueryParams, QueryRunner } from './mission-system';
import { Unavailable } from './errors';

/**
 * The mission database as SQLite (local stack and tests). Opened read-only; every configured
 * query is prepared at start, so a typo in the config stops the agent with the query's name
 * instead of failing on the first request.
 */
export function openSqliteDatabase(file: string, queries: Record<QueryName, string>): QueryRunner {
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new Error(`mission.sqlite.path: cannot open ${file} (${(e as Error).message})`);
  }
  const statements = new Map<QueryName, Statement>();
  for (const name of REQUIRED_QUERIES) {
    let statement: Statement;
    try {
      statement = db.prepare(queries[name]);
    } catch (e) {
      db.close();
      throw new Error(`mission.queries.${name}: ${(e as Error).message}`);
    }
    if (!statement.readonly || !statement.reader) {
      db.close();
      throw new Error(`mission.queries.${name}: must be a read-only query returning rows`);
    }
    statements.set(name, statement);
  }
  return {
    async query(name: QueryName, params: QueryParams) {
      const statement = statements.get(name)!;
      try {
        return statement.all(params) as Record<string, unknown>[];
      } catch (e) {
        throw new Unavailable('database_error', { cause: e });
      }
    },
    async close() {
      db.close();
    },
  };
}
