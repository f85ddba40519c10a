import { Kysely, type LogEvent, MysqlDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import type { Database } from '../../../src/infrastructure/db/schema.js';
import { isUniqueViolation } from '../../../src/infrastructure/db/sql-errors.js';
import { readTogether, statementBatch, writesAhead } from '../../../src/infrastructure/db/statement-batch.js';
import { connectTestDatabase, createTestDatabase, servicePool } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';

const available = await requireMariaDb();

type Probe = {
  batch_probe: { id: string; n: number };
};

describe.each(['sqlite', 'mysql'] as const)('a statement batch on %s', (dialect) => {
  const skip = dialect === 'mysql' && !available;
  let connection: Awaited<ReturnType<typeof connectTestDatabase>> | undefined;
  let handle: DatabaseHandle;
  const probe = () => handle.db.withTables<Probe>();
  const rows = async () =>
    (await probe().selectFrom('batch_probe').selectAll().orderBy('id').execute()).map((row) => ({
      id: row.id,
      n: Number(row.n),
    }));

  beforeAll(async () => {
    if (skip) return;
    connection = await connectTestDatabase(dialect);
    handle = connection.handle;
    await sql`create table batch_probe (id varchar(40) primary key, n integer not null)`.execute(handle.db);
  });
  afterAll(async () => connection?.close());

  it.skipIf(skip)('runs the queued writes in the order they were queued', async () => {
    const writes = statementBatch(handle.db, handle.dialect);
    writes.add(probe().insertInto('batch_probe').values({ id: 'ordered', n: 1 }));
    writes.add(probe().updateTable('batch_probe').set({ n: 2 }).where('id', '=', 'ordered'));
    writes.add(
      probe()
        .updateTable('batch_probe')
        .set((eb) => ({ n: eb('n', '*', 10) }))
        .where('id', '=', 'ordered'),
    );
    await writes.run();
    expect((await rows()).find((row) => row.id === 'ordered')).toEqual({ id: 'ordered', n: 20 });
  });

  it.skipIf(skip)(
    'fails on the first failing statement and rolls back the transaction’s earlier writes',
    async () => {
      const failure = await handle.db
        .transaction()
        .execute(async (trx) => {
          const writes = statementBatch(trx, handle.dialect);
          const table = trx.withTables<Probe>();
          writes.add(table.insertInto('batch_probe').values({ id: 'kept-out', n: 1 }));
          writes.add(table.insertInto('batch_probe').values({ id: 'twice', n: 1 }));
          writes.add(table.insertInto('batch_probe').values({ id: 'twice', n: 2 }));
          writes.add(table.insertInto('batch_probe').values({ id: 'never-run', n: 3 }));
          await writes.run();
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isUniqueViolation(failure)).toBe(true);
      expect((await rows()).map((row) => row.id)).not.toEqual(
        expect.arrayContaining(['kept-out', 'twice', 'never-run']),
      );
      expect((await rows()).filter((row) => ['kept-out', 'twice', 'never-run'].includes(row.id))).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'hands each statement its affected rows; a check that throws fails the transaction',
    async () => {
      await probe()
        .insertInto('batch_probe')
        .values([
          { id: 'pair-1', n: 7 },
          { id: 'pair-2', n: 7 },
        ])
        .execute();
      const seen: number[] = [];
      const failure = await handle.db
        .transaction()
        .execute(async (trx) => {
          const writes = statementBatch(trx, handle.dialect);
          const table = trx.withTables<Probe>();
          writes.add(table.updateTable('batch_probe').set({ n: 8 }).where('n', '=', 7), (affected) => {
            seen.push(affected);
          });
          // An optimistic lock that matches nothing: the version moved under us.
          writes.add(
            table.updateTable('batch_probe').set({ n: 9 }).where('id', '=', 'no-such-row'),
            (affected) => {
              seen.push(affected);
              if (affected !== 1) throw new Error('stale');
            },
          );
          await writes.run();
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(seen).toEqual([2, 0]);
      expect((failure as Error).message).toBe('stale');
      expect((await rows()).filter((row) => row.id.startsWith('pair-'))).toEqual([
        { id: 'pair-1', n: 7 },
        { id: 'pair-2', n: 7 },
      ]);
    },
  );

  it.skipIf(skip)(
    'lets the COMMIT go with its writes on MySQL only, and only when no write awaits a check',
    async () => {
      const writes = statementBatch(handle.db, handle.dialect);
      expect(writes.canCommit()).toBe(false);
      writes.add(probe().insertInto('batch_probe').values({ id: 'unchecked', n: 1 }));
      expect(writes.canCommit()).toBe(dialect === 'mysql');
      writes.add(probe().updateTable('batch_probe').set({ n: 2 }).where('id', '=', 'unchecked'), () => {});
      expect(writes.canCommit()).toBe(false);
      await expect(writes.run({ commit: true })).rejects.toThrow(/cannot carry the COMMIT/);
    },
  );

  it.skipIf(skip)('reads several tables together and returns each one’s rows in order', async () => {
    await probe().insertInto('batch_probe').values({ id: 'read-1', n: 41 }).execute();
    const [first, second, none] = await readTogether(handle.db, handle.dialect, [
      probe().selectFrom('batch_probe').select('n').where('id', '=', 'read-1'),
      probe().selectFrom('batch_probe').select('id').where('n', '=', 41),
      probe().selectFrom('batch_probe').select('id').where('id', '=', 'absent'),
    ]);
    expect((first as { n: number }[]).map((row) => Number(row.n))).toEqual([41]);
    expect(second).toEqual([{ id: 'read-1' }]);
    expect(none).toEqual([]);
  });

  it.skipIf(skip)('sends a write held back ahead of the next read, which sees it', async () => {
    const ahead = writesAhead(handle.db, handle.dialect);
    const [inserted, [seen]] = await Promise.all([
      ahead.add(probe().insertInto('batch_probe').ignore().values({ id: 'ahead-1', n: 5 })),
      readTogether(
        handle.db,
        handle.dialect,
        [probe().selectFrom('batch_probe').select('n').where('id', '=', 'ahead-1')],
        ahead,
      ),
    ]);
    expect(inserted).toBe(1);
    expect((seen as { n: number }[]).map((row) => Number(row.n))).toEqual([5]);
    // Ignored as a duplicate: no row affected, which is how the inbox tells a message seen before.
    const again = ahead.add(probe().insertInto('batch_probe').ignore().values({ id: 'ahead-1', n: 6 }));
    expect(await again).toBe(0);
  });

  it.skipIf(skip)('sends a held-back write alone when no read follows in the same turn', async () => {
    const ahead = writesAhead(handle.db, handle.dialect);
    expect(await ahead.add(probe().insertInto('batch_probe').values({ id: 'ahead-alone', n: 1 }))).toBe(1);
    expect((await rows()).filter((row) => row.id === 'ahead-alone')).toEqual([{ id: 'ahead-alone', n: 1 }]);
  });

  it.skipIf(skip)('fails the held-back write with the read it travelled with', async () => {
    const ahead = writesAhead(handle.db, handle.dialect);
    const write = ahead.add(probe().insertInto('batch_probe').values({ id: 'ahead-failed', n: 1 }));
    const read = readTogether(
      handle.db,
      handle.dialect,
      [probe().selectFrom('batch_probe').select(sql<number>`no_such_column`.as('n'))],
      ahead,
    );
    await expect(read).rejects.toThrow(/no_such_column/);
    await expect(write).rejects.toThrow(/no_such_column/);
  });
});

describe.skipIf(!available)('a statement batch on MySQL, counted in queries sent', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Kysely<Database>;
  const sent: LogEvent[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    // A Kysely of its own, so every query sent can be logged; the pool is configured like the service's.
    db = new Kysely<Database>({
      dialect: new MysqlDialect({ pool: servicePool(database.name) }),
      log: (event) => {
        sent.push(event);
      },
    });
    await sql`create table batch_probe (id varchar(40) primary key, n integer not null)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('sends five writes as one query, and three reads as one', async () => {
    const table = db.withTables<Probe>();
    const writes = statementBatch(db, 'mysql');
    for (let n = 1; n <= 5; n += 1)
      writes.add(table.insertInto('batch_probe').values({ id: `counted-${n}`, n }));
    sent.length = 0;
    await writes.run();
    expect(sent).toHaveLength(1);

    sent.length = 0;
    const [all, odd, one] = await readTogether(db, 'mysql', [
      table.selectFrom('batch_probe').select('id'),
      table.selectFrom('batch_probe').select('id').where(sql<boolean>`n % 2 = 1`),
      table.selectFrom('batch_probe').select('id').where('n', '=', 1),
    ]);
    expect(sent).toHaveLength(1);
    expect([all?.length, odd?.length, one?.length]).toEqual([5, 3, 1]);
  });

  it('sends a held-back write and the read after it as one query', async () => {
    const table = db.withTables<Probe>();
    const ahead = writesAhead(db, 'mysql');
    sent.length = 0;
    const [inserted, [read]] = await Promise.all([
      ahead.add(table.insertInto('batch_probe').values({ id: 'ahead-counted', n: 9 })),
      readTogether(db, 'mysql', [table.selectFrom('batch_probe').select('id').where('n', '=', 9)], ahead),
    ]);
    expect(sent).toHaveLength(1);
    expect(inserted).toBe(1);
    expect(read).toEqual([{ id: 'ahead-counted' }]);
  });
});
