import { assertCanActFor, type Principal } from '../access.js';
import { type OrderView, toOrderView } from '../order-view.js';
import type { OrderQueries } from '../ports.js';

export interface HistoryResult {
  items: OrderView[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

export function orderHistoryHandler(queries: OrderQueries) {
  return async function orderHistory(
    principal: Principal,
    customerId: string,
    page: number,
    limit: number,
  ): Promise<HistoryResult> {
    assertCanActFor(principal, customerId);
    const result = await queries.history(customerId, { offset: (page - 1) * limit, limit });
    return {
      items: result.items.map(toOrderView),
      page,
      limit,
      total: result.total,
      totalPages: Math.ceil(result.total / limit),
    };
  };
}
