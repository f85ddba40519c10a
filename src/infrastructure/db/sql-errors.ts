/** True for a duplicate-key error from MySQL/MariaDB (ER_DUP_ENTRY) or SQLite (SQLITE_CONSTRAINT_*). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    code === 'ER_DUP_ENTRY' ||
    errno === 1062 ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/**
 * True for a conflict the database resolved by aborting one transaction (MySQL deadlock 1213,
 * lock wait timeout 1205; SQLite busy): running the whole transaction again is the remedy.
 */
export function isTransientConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return errno === 1213 || errno === 1205 || code === 'SQLITE_BUSY';
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'SQLITE_BUSY',
]);

/**
 * True when the database could not serve the request — unreachable, connection lost, pool queue
 * full, too many connections, a lock wait that timed out — rather than refusing it: the answer is
 * "try again shortly" (503), not a bug (500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno, fatal, message } = error as {
    code?: unknown;
    errno?: unknown;
    fatal?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && unreachableCodes.has(code)) return true;
  if (errno === 1205 || errno === 1040) return true;
  // mysql2 marks errors that broke the connection as fatal; its pool refuses with a bare message.
  if (fatal === true) return true;
  if (
    typeof message === 'string' &&
    /^(Queue limit reached|Pool is closed|Can't add new command when connection is in closed state)/.test(
      message,
    )
  )
    return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}
