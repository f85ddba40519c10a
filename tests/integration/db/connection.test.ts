import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { connectDatabase, type DatabaseHandle } from '../../../src/infrastructure/db/connection.js';
import { createTestDatabase, mysqlServer } from '../../support/database.js';
import { requireMariaDb } from '../../support/services.js';

const available = await requireMariaDb();

describe.skipIf(!available)('MySQL connections', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig(
      {
        ENV: 'test',
        ...mysqlServer(),
        MYSQL_DATABASE: database.name,
        MYSQL_POOL_SIZE: '2',
      },
      { verifiesTokens: false },
    );
    handle = connectDatabase(config.database);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('run every transaction at READ COMMITTED, so outbox inserts take no gap locks', async () => {
    const levels = await handle.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ Value: string }>`show session variables
        where Variable_name in ('tx_isolation', 'transaction_isolation')`.execute(trx);
      return rows.map((row) => row.Value);
    });
    expect(levels.length).toBeGreaterThan(0);
    expect(new Set(levels)).toEqual(new Set(['READ-COMMITTED']));
  });
});
