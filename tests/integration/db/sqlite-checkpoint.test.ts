import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { connectDatabase } from '../../../src/infrastructure/db/connection.js';
import { startCheckpointer } from '../../../src/infrastructure/db/sqlite-checkpointer.js';

describe('the embedded SQLite database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-checkpoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never checkpoints inside a commit: a worker thread moves the WAL into the database file', async () => {
    const path = join(dir, 'orders.db');
    const config = loadConfig({ ENV: 'test', SQLITE_PATH: path }, { verifiesTokens: false });
    const handle = connectDatabase(config.database);
    try {
      const { rows } = await sql`pragma wal_autocheckpoint`.execute(handle.db);
      expect(rows).toEqual([{ wal_autocheckpoint: 0 }]);

      await sql`create table filler (id integer primary key, body text not null)`.execute(handle.db);
      const before = statSync(path).size;
      // ~2 MB in 20 commits: under the 1,000 pages (4 MB) at which a commit would checkpoint, and
      // with that turned off the rows stay in the WAL until someone else copies them over.
      for (let batch = 0; batch < 20; batch += 1) {
        await handle.db
          .withTables<{ filler: { id: number; body: string } }>()
          .insertInto('filler')
          .values(Array.from({ length: 100 }, (_, n) => ({ id: batch * 100 + n, body: 'x'.repeat(1_000) })))
          .execute();
      }
      await expect
        .poll(() => statSync(path).size, { timeout: 5_000, interval: 100 })
        .toBeGreaterThan(before + 1_500_000);
    } finally {
      await handle.close();
    }
  });

  it('calls onFailure when its worker cannot open the database', async () => {
    const failures: Error[] = [];
    const checkpointer = startCheckpointer(join(dir, 'no-such-dir', 'orders.db'), (error) => {
      failures.push(error);
    });
    await expect.poll(() => failures.length).toBe(1);
    await checkpointer.stop();
  });
});
