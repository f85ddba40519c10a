/**
 * The Node.js releases the service runs on, as package.json's `engines` says: 22.15+ and 24+.
 * On older ones it does not fail cleanly by itself: better-sqlite3 13, the embedded shape's
 * driver, is built for Node 22+ and on Node 20 opening a database kills the process with
 * SIGSEGV and no message. So every entry point asks first.
 */
export function unsupportedNode(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major >= 24 || (major === 22 && minor >= 15)) return null;
  return (
    `order-service needs Node.js 22.15+ or 24+ (package.json "engines"); this is Node ${version}. ` +
    'Install Node 24 LTS, or run on the project’s own: scripts/with-node 24 npm start (README, Quick start).'
  );
}

/** Ends the process with the reason on stderr when this Node.js is not one the service runs on. */
export function exitOnUnsupportedNode(version: string = process.versions.node): void {
  const problem = unsupportedNode(version);
  if (problem === null) return;
  console.error(problem);
  process.exit(1);
}
