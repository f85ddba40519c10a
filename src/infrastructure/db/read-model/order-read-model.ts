import type { Kysely } from 'kysely';
import type { OrderReadModel } from '../../../application/queries/read-model.js';
import type { Database } from '../schema.js';
import { productSales, statusTotals, timeseries } from './order-analytics.js';
import { countCustomerOrders, searchOrders } from './order-search.js';

/** The read side's adapter; `db` is the read replica when one is configured. */
export function orderReadModel(db: Kysely<Database>): OrderReadModel {
  return {
    search: (criteria, page) => searchOrders(db, criteria, page),
    countByCustomer: (customerId) => countCustomerOrders(db, customerId),
    statusTotals: (currency, from, to) => statusTotals(db, currency, from, to),
    timeseries: (currency, window) => timeseries(db, currency, window),
    productSales: (currency, from, to) => productSales(db, currency, from, to),
  };
}
