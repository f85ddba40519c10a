import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { insertOrdersInBulk } from '../src/infrastructure/db/bulk-orders.js';
import { connectDatabase } from '../src/infrastructure/db/connection.js';
import { migrateToLatest } from '../src/infrastructure/db/migrate.js';
import { exitOnUnsupportedNode } from '../src/node-version.js';
import { seedOrders } from './seed-data.js';

/**
 * `npm run seed -- --orders 1000000 [--days 365] [--seed 42] [--batch 2000] [--parallel 2]`:
 * adds realistic orders to the configured database (write tables and read model, one
 * transaction per batch) with multi-row INSERTs. Orders end now and go back `--days` days.
 */
exitOnUnsupportedNode();
try {
  process.loadEnvFile();
} catch {
  // no .env file
}
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    days: { type: 'string', default: '365' },
    seed: { type: 'string', default: '42' },
    batch: { type: 'string', default: '2000' },
    parallel: { type: 'string', default: '2' },
  },
});
const count = Number(values.orders);
const batchSize = Number(values.batch);
const parallel = Number(values.parallel);
if (![count, batchSize, parallel].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error('--orders, --batch and --parallel must be positive integers');
  process.exit(1);
}

const database = connectDatabase(loadConfig(process.env, { verifiesTokens: false }).database);
try {
  await migrateToLatest(database);
  const started = performance.now();
  let stored = 0;
  let reported = 0;
  const inFlight = new Set<Promise<void>>();
  const batches = seedOrders(
    { count, days: Number(values.days), endMs: Date.now(), seed: Number(values.seed) },
    batchSize,
  );
  // Generating the next batch (CPU) overlaps with storing the previous ones (database).
  for (const batch of batches) {
    const store: Promise<void> = database.db
      .transaction()
      .execute((trx) => insertOrdersInBulk(trx, database.dialect, batch))
      .then(() => {
        inFlight.delete(store);
        stored += batch.length;
        if (stored - reported >= 100_000 || stored === count) {
          reported = stored;
          console.log(`${stored} orders, ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
      });
    inFlight.add(store);
    if (inFlight.size >= parallel) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  console.log(`Seeded ${count} orders in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} orders/s)`);
} finally {
  await database.close();
}
