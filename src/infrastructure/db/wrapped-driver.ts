import type { DatabaseConnection, Dialect, Driver } from 'kysely';

/** The dialect with its driver replaced by `wrap(driver)`; everything else is its own. */
export function withDriver(dialect: Dialect, wrap: (driver: Driver) => Driver): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => wrap(dialect.createDriver()),
  };
}

/**
 * The driver, handing out `wrap(connection)` for each connection it acquires. Transaction calls
 * get the wrapper (so BEGIN and COMMIT go through it); release gets the driver's own connection
 * back, which may hold private fields a wrapper lacks.
 */
export function wrapConnections(
  driver: Driver,
  wrap: (connection: DatabaseConnection) => DatabaseConnection,
): Driver {
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  return {
    init: () => driver.init(),
    async acquireConnection() {
      const connection = await driver.acquireConnection();
      const wrapper = wrap(connection);
      inner.set(wrapper, connection);
      return wrapper;
    },
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    ...(driver.savepoint && {
      savepoint: (connection, name, compile) =>
        driver.savepoint?.(connection, name, compile) as Promise<void>,
    }),
    ...(driver.rollbackToSavepoint && {
      rollbackToSavepoint: (connection, name, compile) =>
        driver.rollbackToSavepoint?.(connection, name, compile) as Promise<void>,
    }),
    ...(driver.releaseSavepoint && {
      releaseSavepoint: (connection, name, compile) =>
        driver.releaseSavepoint?.(connection, name, compile) as Promise<void>,
    }),
    releaseConnection: (connection) => driver.releaseConnection(inner.get(connection) ?? connection),
    destroy: () => driver.destroy(),
  };
}
