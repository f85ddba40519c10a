/**
 * `npm run bench [-- suite ...]`: runs the named benchmark suites (all by default) against a
 * running, connected instance and prints a table per suite. See docs/benchmarks.md.
 */
const suites: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  api: () => import('./api.js'),
  saga: () => import('./saga.js'),
  read: () => import('./read-side.js'),
};

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const selected = requested.length > 0 ? requested : Object.keys(suites);
for (const name of selected) {
  const load = suites[name];
  if (!load) {
    console.error(`Unknown suite "${name}"; choose from ${Object.keys(suites).join(', ')}`);
    process.exit(1);
  }
  console.log(`\n## ${name}\n`);
  await (await load()).run();
}
