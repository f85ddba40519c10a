import { type FieldError, ValidationError } from '../../domain/errors.js';
import type { FulfilmentState } from '../../domain/fulfilment.js';
import { defaultCurrency, toMinorUnits } from '../../domain/money.js';
import type { OrderStatus } from '../../domain/order-status.js';
import { assertCanActFor, isStaff, type Principal } from '../access.js';
import type { OrderView } from '../order-view.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { OrderCriteria, OrderReadModel, Sort, SortField, SortOrder } from './read-model.js';

/** The search request as the API validated it: types are right, combinations are checked here. */
export interface SearchQuery {
  q?: string;
  statuses?: readonly OrderStatus[];
  customerId?: string;
  productId?: string;
  /** ISO-8601 instants: created at or after `from`, before `to`. */
  from?: string;
  to?: string;
  /** Decimal amounts in `currency` (USD when omitted). */
  minTotal?: number;
  maxTotal?: number;
  currency?: string;
  city?: string;
  state?: string;
  zipCode?: string;
  trackingNumber?: string;
  fulfilment?: FulfilmentState;
  refunded?: boolean;
  sort?: SortField;
  order?: SortOrder;
  page: number;
  limit: number;
  cursor?: string;
}

export interface SearchResult {
  items: OrderView[];
  page: number;
  limit: number;
  nextCursor: string | null;
}

/**
 * Order search. Staff search every order; a customer's search is confined to its own orders.
 * There is no total count: counting an unselective filter at millions of orders reads the whole
 * matching range, which is what the page itself avoids.
 */
export function searchOrdersHandler(readModel: OrderReadModel) {
  return async function searchOrders(principal: Principal, query: SearchQuery): Promise<SearchResult> {
    if (query.customerId !== undefined) assertCanActFor(principal, query.customerId);
    const criteria = toCriteria(query);
    if (!isStaff(principal)) criteria.customerId = principal.subject;
    const sort: Sort = { field: query.sort ?? 'createdAt', order: query.order ?? 'desc' };
    if (query.cursor !== undefined && query.page !== 1) {
      throw new ValidationError('Page by number or by cursor, not both', [
        { field: '/querystring/page', message: 'must be omitted when a cursor is given' },
      ]);
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort);
    const page = await readModel.search(criteria, {
      sort,
      limit: query.limit,
      offset: after ? 0 : (query.page - 1) * query.limit,
      ...(after && { after }),
    });
    return {
      items: page.items,
      page: query.page,
      limit: query.limit,
      nextCursor: page.next ? encodeCursor(sort, page.next) : null,
    };
  };
}

/** Converts the request to read-model terms, collecting every bad field into one 400. */
function toCriteria(query: SearchQuery): OrderCriteria {
  const errors: FieldError[] = [];
  const criteria: OrderCriteria = {};
  for (const key of ['q', 'customerId', 'productId', 'city', 'state', 'zipCode', 'trackingNumber'] as const) {
    if (query[key] !== undefined) criteria[key] = query[key];
  }
  if (query.fulfilment !== undefined) criteria.fulfilment = query.fulfilment;
  if (query.refunded !== undefined) criteria.refunded = query.refunded;
  if (query.statuses && query.statuses.length > 0) criteria.statuses = [...new Set(query.statuses)];
  const instant = (field: 'from' | 'to') => {
    const text = query[field];
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    if (Number.isNaN(ms))
      errors.push({ field: `/querystring/${field}`, message: 'must be an ISO-8601 date-time' });
    return ms;
  };
  criteria.createdFrom = instant('from');
  criteria.createdTo = instant('to');
  if (
    criteria.createdFrom !== undefined &&
    criteria.createdTo !== undefined &&
    criteria.createdFrom > criteria.createdTo
  ) {
    errors.push({ field: '/querystring/from', message: 'must not be later than to' });
  }
  // Amounts compare within one currency, so bounds imply one (USD unless the caller names it).
  const amountsGiven = query.minTotal !== undefined || query.maxTotal !== undefined;
  const currency = query.currency ?? (amountsGiven ? defaultCurrency : undefined);
  if (currency !== undefined) criteria.currency = currency;
  const amount = (field: 'minTotal' | 'maxTotal') => {
    const value = query[field];
    if (value === undefined || currency === undefined) return undefined;
    try {
      return toMinorUnits(value, currency);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push({ field: `/querystring/${field}`, message: error.message });
      return undefined;
    }
  };
  criteria.minTotalMinor = amount('minTotal');
  criteria.maxTotalMinor = amount('maxTotal');
  if (
    criteria.minTotalMinor !== undefined &&
    criteria.maxTotalMinor !== undefined &&
    criteria.minTotalMinor > criteria.maxTotalMinor
  ) {
    errors.push({ field: '/querystring/minTotal', message: 'must not be greater than maxTotal' });
  }
  if (errors.length > 0) throw new ValidationError('The search filters are not valid', errors);
  return Object.fromEntries(
    Object.entries(criteria).filter(([, value]) => value !== undefined),
  ) as OrderCriteria;
}
