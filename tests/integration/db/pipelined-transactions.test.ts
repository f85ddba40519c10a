import { type Dialect, Kysely, MysqlDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelinedTransactions } from '../../../src/infrastructure/db/pipelined-transactions.js';
import type { Database } from '../../../src/infrastructure/db/schema.js';
import { isUniqueViolation } from '../../../src/infrastructure/db/sql-errors.js';
import { statementBatch } from '../../../src/infrastructure/db/statement-batch.js';
import { withDriver, wrapConnections } from '../../../src/infrastructure/db/wrapped-driver.js';
import { createTestDatabase, servicePool } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';

const available = await requireMariaDb();

type Probe = { begin_probe: { id: string; n: number } };

/** The dialect with every query its connections send to the server recorded in `sent`. */
function recording(dialect: Dialect, sent: string[]): Dialect {
  return withDriver(dialect, (driver) =>
    wrapConnections(driver, (connection) => ({
      executeQuery: (query) => {
        sent.push(query.sql);
        return connection.executeQuery(query);
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    })),
  );
}

describe.skipIf(!available)('BEGIN with the first statement, COMMIT with the closing writes', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Kysely<Probe>;
  const sent: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Kysely<Probe>({
      // The service's dialect (connection.ts), recording what goes to the server.
      dialect: pipelinedTransactions(recording(new MysqlDialect({ pool: servicePool(database.name) }), sent)),
    });
    await sql`create table begin_probe (id varchar(40) primary key, n integer not null)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });
  const ids = async () =>
    (await db.selectFrom('begin_probe').select('id').orderBy('id').execute()).map((r) => r.id);

  it('sends BEGIN with the first statement, and answers that statement as Kysely would', async () => {
    await db.insertInto('begin_probe').values({ id: 'a', n: 1 }).execute();
    sent.length = 0;
    const [rows, updated] = await db
      .transaction()
      .execute(async (trx) => [
        await trx.selectFrom('begin_probe').select(['id', 'n']).where('id', '=', 'a').forUpdate().execute(),
        await trx.updateTable('begin_probe').set({ n: 2 }).where('id', '=', 'a').executeTakeFirst(),
      ]);
    expect(rows).toEqual([{ id: 'a', n: 1 }]);
    expect(Number(updated.numUpdatedRows)).toBe(1);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^begin;\nselect/);
    expect(sent[2]).toBe('commit');
  });

  it('reports an insert’s affected rows when it is the first statement', async () => {
    const result = await db
      .transaction()
      .execute((trx) => trx.insertInto('begin_probe').values({ id: 'b', n: 1 }).executeTakeFirst());
    expect(Number(result.numInsertedOrUpdatedRows)).toBe(1);
  });

  it('rolls back the first statement’s write: it ran inside the transaction', async () => {
    const failure = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('begin_probe').values({ id: 'rolled-back', n: 1 }).execute();
        throw new Error('undo');
      })
      .catch((error: Error) => error.message);
    expect(failure).toBe('undo');
    expect(await ids()).not.toContain('rolled-back');
  });

  it('sends nothing for a transaction that runs no statement', async () => {
    sent.length = 0;
    await db.transaction().execute(async () => undefined);
    expect(sent).toEqual([]);
  });

  it('sends the COMMIT with closing writes, and none after them', async () => {
    sent.length = 0;
    await db.transaction().execute(async (trx) => {
      const writes = statementBatch(trx as unknown as Kysely<Database>, 'mysql');
      const table = trx as unknown as Kysely<Probe>;
      writes.add(table.insertInto('begin_probe').values({ id: 'closing-1', n: 1 }));
      writes.add(table.insertInto('begin_probe').values({ id: 'closing-2', n: 2 }));
      expect(writes.canCommit()).toBe(true);
      await writes.run({ commit: true });
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^begin;\ninsert into `begin_probe`.*;\ninsert into `begin_probe`.*;\ncommit$/s);
    expect(await ids()).toEqual(expect.arrayContaining(['closing-1', 'closing-2']));
  });

  it('never reaches the COMMIT behind a write that fails: the transaction rolls back', async () => {
    await db.insertInto('begin_probe').values({ id: 'taken', n: 1 }).execute();
    sent.length = 0;
    const failure = await db
      .transaction()
      .execute(async (trx) => {
        const writes = statementBatch(trx as unknown as Kysely<Database>, 'mysql');
        const table = trx as unknown as Kysely<Probe>;
        writes.add(table.insertInto('begin_probe').values({ id: 'before-the-failure', n: 1 }));
        writes.add(table.insertInto('begin_probe').values({ id: 'taken', n: 2 }));
        await writes.run({ commit: true });
      })
      .catch((error: unknown) => error);
    expect(isUniqueViolation(failure)).toBe(true);
    expect(sent.at(-1)).toBe('rollback');
    expect(await ids()).not.toContain('before-the-failure');
  });
});
