import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { Dialect } from '../connection.js';

/** MySQL tables are InnoDB, utf8mb4 and binary-collated so ids and keys compare byte for byte. */
export function tableOptions(dialect: Dialect) {
  return <T extends string, C extends string>(builder: CreateTableBuilder<T, C>): CreateTableBuilder<T, C> =>
    dialect === 'mysql'
      ? builder.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`)
      : builder;
}

/** An auto-increment primary key: SQLite only aliases the rowid for exactly `integer primary key`. */
export function autoIncrementType(dialect: Dialect): 'integer' | 'bigint' {
  return dialect === 'sqlite' ? 'integer' : 'bigint';
}

/** Drops index `name` of `table`: MySQL names the table, SQLite's index names are global and it must not. */
export function dropIndex<DB>(db: Kysely<DB>, dialect: Dialect, name: string, table: string) {
  const drop = db.schema.dropIndex(name);
  return (dialect === 'mysql' ? drop.on(table) : drop).execute();
}
