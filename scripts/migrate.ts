import { loadConfig, loadDotEnv } from '../src/config.js';
import { connectDatabase } from '../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../src/infrastructure/db/migrate.js';
import { exitOnUnsupportedNode } from '../src/node-version.js';

/** `npm run migrate`: brings the configured database (MySQL or the SQLite file) to the latest schema. */
exitOnUnsupportedNode();
loadDotEnv();
const config = loadConfig(process.env, { verifiesTokens: false });
const database = connectDatabase(config.database);
try {
  const applied = await migrateToLatest(database);
  console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Schema is up to date');
} finally {
  await database.close();
}
