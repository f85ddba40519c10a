/**
 * `npm run bench [-- --quick]`: issue 8's table in one run, starting the service, its
 * dependencies' scratch databases and the baselines itself (bench/issue-table.ts).
 * `npm run bench -- read`: the read side against a running, seeded instance (BASE_URL).
 * `npm run bench -- ab-saga`: row 2 for two settings of the service, in turns (bench/ab-saga.ts).
 * See docs/benchmarks.md.
 */
const argv = process.argv.slice(2);
if (argv.includes('read')) {
  await (await import('./read-side.js')).run();
} else if (argv.includes('ab-saga')) {
  await (await import('./ab-saga.js')).run();
} else {
  await (await import('./issue-table.js')).run(argv);
}
// Keep-alive sockets of autocannon and fetch must not hold the process after the table.
process.exit(0);
