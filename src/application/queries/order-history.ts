import { ValidationError } from '../../domain/errors.js';
import { assertCanActFor, type Principal } from '../access.js';
import type { OrderView } from '../order-view.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { OrderReadModel, Sort } from './read-model.js';

export interface HistoryQuery {
  page: number;
  limit: number;
  cursor?: string;
}

export interface HistoryResult {
  items: OrderView[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const newestFirst: Sort = { field: 'createdAt', order: 'desc' };

/** A customer's orders, newest first, from the read model: by page number, or by cursor at any depth. */
export function orderHistoryHandler(readModel: OrderReadModel) {
  return async function orderHistory(
    principal: Principal,
    customerId: string,
    query: HistoryQuery,
  ): Promise<HistoryResult> {
    assertCanActFor(principal, customerId);
    if (query.cursor !== undefined && query.page !== 1) {
      throw new ValidationError('Page by number or by cursor, not both', [
        { field: '/querystring/page', message: 'must be omitted when a cursor is given' },
      ]);
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, newestFirst);
    const [page, total] = await Promise.all([
      readModel.search(
        { customerId },
        {
          sort: newestFirst,
          limit: query.limit,
          offset: after ? 0 : (query.page - 1) * query.limit,
          ...(after && { after }),
        },
      ),
      readModel.countByCustomer(customerId),
    ]);
    return {
      items: page.items,
      page: query.page,
      limit: query.limit,
      total,
      totalPages: Math.ceil(total / query.limit),
      nextCursor: page.next ? encodeCursor(newestFirst, page.next) : null,
    };
  };
}
