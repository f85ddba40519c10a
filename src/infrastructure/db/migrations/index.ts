import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../connection.js';
import { ordersMigration } from './0001-orders.js';
import { messagingMigration } from './0002-messaging.js';
import { sagaMigration } from './0003-saga.js';
import { readModelMigration } from './0004-read-model.js';
import { weeklySalesCustomerCountsMigration } from './0005-weekly-sales-customer-counts.js';
import { housekeepingMigration } from './0006-housekeeping.js';
import { timelineMigration } from './0007-timeline.js';
import { outboxClaimsMigration } from './0008-outbox-claims.js';
import { deadLettersMigration } from './0009-dead-letters.js';
import { fulfilmentRefundsStatsMigration } from './0010-fulfilment-refunds-stats.js';
import { shipmentsRefundsMigration } from './0011-shipments-refunds.js';
import { participantLedgersMigration } from './0012-participant-ledgers.js';
import { stockCommitTimersMigration } from './0013-stock-commit-timers.js';
import { participantRepliesAgeMigration } from './0014-participant-replies-age.js';

/** Versioned migrations, applied in name order; a new one gets the next number. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-orders': ordersMigration(dialect),
        '0002-messaging': messagingMigration(dialect),
        '0003-saga': sagaMigration(dialect),
        '0004-read-model': readModelMigration(dialect),
        '0005-weekly-sales-customer-counts': weeklySalesCustomerCountsMigration(dialect),
        '0006-housekeeping': housekeepingMigration(dialect),
        '0007-timeline': timelineMigration(dialect),
        '0008-outbox-claims': outboxClaimsMigration(),
        '0009-dead-letters': deadLettersMigration(dialect),
        '0010-fulfilment-refunds-stats': fulfilmentRefundsStatsMigration(dialect),
        '0011-shipments-refunds': shipmentsRefundsMigration(),
        '0012-participant-ledgers': participantLedgersMigration(dialect),
        '0013-stock-commit-timers': stockCommitTimersMigration(dialect),
        '0014-participant-replies-age': participantRepliesAgeMigration(dialect),
      };
    },
  };
}
