import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
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

  it('starts the WAL over under steady writes instead of letting it grow without end', async () => {
    const path = join(dir, 'steady.db');
    const config = loadConfig({ ENV: 'test', SQLITE_PATH: path }, { verifiesTokens: false });
    // 512 frames (2 MB) instead of the service's 16,384, so a few seconds of writes cross it often.
    const handle = connectDatabase(config.database, { longWalFrames: 512 });
    try {
      await sql`create table filler (id integer primary key, body text not null)`.execute(handle.db);
      // A commit of ~20 KB every few milliseconds: each of the worker's checkpoints ends after
      // more commits have landed, so no transaction begins with the whole WAL copied. Without the
      // service's own checkpoint the WAL grows by the whole 5 s of writes (~58 MB here); with it,
      // by at most what lands between two of the worker's checkpoints (~11 MB).
      const until = Date.now() + 5_000;
      let largest = 0;
      for (let id = 0; Date.now() < until; id += 10) {
        await handle.db
          .withTables<{ filler: { id: number; body: string } }>()
          .insertInto('filler')
          .values(Array.from({ length: 10 }, (_, n) => ({ id: id + n, body: 'x'.repeat(2_000) })))
          .execute();
        largest = Math.max(largest, statSync(`${path}-wal`).size);
        // A pause between transactions, as between the service's requests.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(largest).toBeLessThan(24 * 1024 * 1024);
    } finally {
      await handle.close();
    }
  });

  it('starts the WAL over in the file it has: a normal cycle does not cut the file', async () => {
    const path = join(dir, 'cycles.db');
    const config = loadConfig({ ENV: 'test', SQLITE_PATH: path }, { verifiesTokens: false });
    // Cycles at 512 frames (~2 MB); the file may keep twice that.
    const handle = connectDatabase(config.database, { longWalFrames: 512 });
    try {
      await sql`create table filler (id integer primary key, body text not null)`.execute(handle.db);
      const firstCycle = walCycle(`${path}-wal`);
      // ~5 KB a commit every few milliseconds: about 1 MB between two of the worker's
      // checkpoints, so the WAL is started over well before it reaches the file's limit.
      const sizes: number[] = [];
      const until = Date.now() + 4_000;
      for (let id = 0; Date.now() < until; id += 1) {
        await handle.db
          .withTables<{ filler: { id: number; body: string } }>()
          .insertInto('filler')
          .values({ id, body: 'x'.repeat(4_000) })
          .execute();
        sizes.push(statSync(`${path}-wal`).size);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(walCycle(`${path}-wal`) - firstCycle).toBeGreaterThanOrEqual(2);
      const shrank = sizes.findIndex((size, n) => n > 0 && size < (sizes[n - 1] as number));
      expect(shrank, `the WAL file shrank after commit ${shrank}`).toBe(-1);
    } finally {
      await handle.close();
    }
  });

  it('calls onFailure when its worker cannot open the database', async () => {
    const failures: Error[] = [];
    const checkpointer = startCheckpointer(join(dir, 'no-such-dir', 'orders.db'), {
      onFailure: (error) => failures.push(error),
      onLongWal: () => undefined,
    });
    await expect.poll(() => failures.length).toBe(1);
    await checkpointer.stop();
  });
});

/** The WAL header's checkpoint sequence: SQLite adds one each time it starts the WAL over. */
function walCycle(walPath: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(walPath, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
}
