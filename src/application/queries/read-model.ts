import type { CancellationCategory } from '../../domain/cancellation.js';
import type { FulfilmentState } from '../../domain/fulfilment.js';
import type { OrderStatus } from '../../domain/order-status.js';
import type { OrderView } from '../order-view.js';

/**
 * The port of the read side (CQRS): query-shaped tables kept by a projector in the same
 * transaction as the write (docs/read-model.md). Times are epoch milliseconds, money minor units.
 */
export interface OrderReadModel {
  /** One page of orders matching every criterion, in `page.sort` order. */
  search(criteria: OrderCriteria, page: PageRequest): Promise<OrderPage>;
  countByCustomer(customerId: string): Promise<number>;
  /** Orders created in [from, to) per current status and cancellation group (whole UTC hours). */
  statusTotals(currency: string, from: number, to: number): Promise<StatusTotal[]>;
  /** Orders and sales (orders not cancelled) per bucket of `widthMs`, counted from `originMs`. */
  timeseries(currency: string, window: BucketWindow): Promise<BucketTotal[]>;
  /** Units and revenue per product of orders created in [from, to) (whole UTC days), cancelled orders excluded. */
  productSales(currency: string, from: number, to: number): Promise<ProductSales[]>;
}

export interface OrderCriteria {
  /** Exact match on order id, customer id, product id, tracking number or city. */
  q?: string;
  statuses?: readonly OrderStatus[];
  customerId?: string;
  productId?: string;
  /** Created at or after, inclusive. */
  createdFrom?: number;
  /** Created before, exclusive. */
  createdTo?: number;
  currency?: string;
  minTotalMinor?: number;
  maxTotalMinor?: number;
  city?: string;
  state?: string;
  zipCode?: string;
  trackingNumber?: string;
  fulfilment?: FulfilmentState;
  /** true: only orders with a refund that succeeded. */
  refunded?: boolean;
}

export type SortField = 'createdAt' | 'totalAmount';
export type SortOrder = 'asc' | 'desc';
export interface Sort {
  field: SortField;
  order: SortOrder;
}

/** Where a page ended: the sort value and id of its last order (ids break ties). */
export interface Position {
  value: number;
  id: string;
}

export interface PageRequest {
  sort: Sort;
  limit: number;
  /** Rows to skip (page numbers); 0 when paging by `after`. */
  offset: number;
  /** Continue after this position (keyset paging): as fast at any depth. */
  after?: Position;
}

export interface OrderPage {
  items: OrderView[];
  /** The last item's position when more orders follow, else null. */
  next: Position | null;
}

export interface StatusTotal {
  status: OrderStatus;
  /** The cancellation's reason group; null for orders not cancelled. */
  cancelCategory: CancellationCategory | null;
  orderCount: number;
  totalMinor: number;
  refundedMinor: number;
}

export interface BucketWindow {
  from: number;
  to: number;
  widthMs: number;
  originMs: number;
}

export interface BucketTotal {
  start: number;
  orderCount: number;
  /** Gross: the total of the orders not cancelled. */
  revenueMinor: number;
  /** What was refunded of those orders. */
  refundedMinor: number;
}

export interface ProductSales {
  productId: string;
  quantity: number;
  revenueMinor: number;
}
