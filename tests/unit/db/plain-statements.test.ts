import {
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../../src/infrastructure/db/connection.js';
import { compileInsert, compileUpdate } from '../../../src/infrastructure/db/plain-statements.js';
import type { Database } from '../../../src/infrastructure/db/schema.js';

/** Kysely as the service configures it for each dialect, compiling only. */
function kyselyFor(dialect: Dialect): Kysely<Database> {
  const [Adapter, Introspector, Compiler] =
    dialect === 'mysql'
      ? [MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler]
      : [SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler];
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new Adapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new Introspector(db),
      createQueryCompiler: () => new Compiler(),
    },
  });
}

const timelineRow = (n: number) => ({
  order_id: `order-${n}`,
  occurred_at: 1_700_000_000_000 + n,
  kind: 'command',
  message_type: 'inventory.reserve',
  message_id: null,
  detail: n % 2 === 0 ? 'even' : null,
});

describe.each(['mysql', 'sqlite'] as const)('plain statements on %s', (dialect) => {
  const db = kyselyFor(dialect);
  const sqlAndParameters = (query: { sql: string; parameters: readonly unknown[] } | undefined) =>
    query && { sql: query.sql, parameters: query.parameters };

  it('compile an insert of several rows to the SQL and parameters Kysely makes of it', () => {
    const rows = [timelineRow(1), timelineRow(2), timelineRow(3)];
    expect(sqlAndParameters(compileInsert(db, dialect, 'order_timeline', rows))).toEqual(
      sqlAndParameters(db.insertInto('order_timeline').values(rows).compile()),
    );
  });

  it('leave out a column every row leaves undefined, as Kysely does', () => {
    const rows = [1, 2].map((n) => ({ ...timelineRow(n), detail: undefined }));
    const query = compileInsert(db, dialect, 'order_timeline', rows);
    expect(query?.sql).not.toMatch(/detail/);
    expect(sqlAndParameters(query)).toEqual(
      sqlAndParameters(db.insertInto('order_timeline').values(rows).compile()),
    );
  });

  it('leave rows whose columns differ to Kysely, which fills the gaps with defaults', () => {
    const rows = [timelineRow(1), { ...timelineRow(2), detail: undefined }];
    expect(sqlAndParameters(compileInsert(db, dialect, 'order_timeline', rows))).toEqual(
      sqlAndParameters(db.insertInto('order_timeline').values(rows).compile()),
    );
  });

  it('make no statement of no rows', () => {
    expect(compileInsert(db, dialect, 'order_timeline', [])).toBeUndefined();
  });

  it('compile an update matched on several columns to the SQL and parameters Kysely makes of it', () => {
    const changes = {
      status: 'CONFIRMED' as const,
      version: 3,
      updated_at: 1_700_000_000_000,
      tracking_number: undefined,
    };
    expect(
      sqlAndParameters(compileUpdate(dialect, 'orders', changes, { id: 'order-1', version: 2 })),
    ).toEqual(
      sqlAndParameters(
        db.updateTable('orders').set(changes).where('id', '=', 'order-1').where('version', '=', 2).compile(),
      ),
    );
  });

  it('refuse an update with nothing to match, which would change every row', () => {
    expect(() => compileUpdate(dialect, 'orders', { version: 3 }, {})).toThrow(/something to match/);
  });
});
