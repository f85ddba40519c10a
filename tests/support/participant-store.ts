import { connectDatabase, type DatabaseHandle } from '../../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../../src/infrastructure/db/migrate.js';

/** A migrated in-memory SQLite database: the simulated participants' tables, as in the embedded shape. */
export async function participantStore(): Promise<DatabaseHandle> {
  const handle = connectDatabase({ kind: 'sqlite', path: ':memory:' });
  await migrateToLatest(handle);
  return handle;
}
