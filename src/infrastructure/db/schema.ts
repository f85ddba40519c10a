import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Times are epoch milliseconds (BIGINT) and money is integer
 * minor units, so both dialects store, compare and bucket them the same way.
 */
export interface Database {
  orders: OrdersTable;
  order_items: OrderItemsTable;
  order_status_history: OrderStatusHistoryTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  inbox: InboxTable;
  saga_instances: SagaInstancesTable;
  stock_commit_timers: StockCommitTimersTable;
  order_timeline: OrderTimelineTable;
  order_summaries: OrderSummariesTable;
  order_products: OrderProductsTable;
  order_stats: OrderStatsTable;
  product_sales_daily: ProductSalesDailyTable;
  product_sales_weekly: ProductSalesWeeklyTable;
  customer_order_counts: CustomerOrderCountsTable;
  dead_letters: DeadLettersTable;
  dead_letter_audit: DeadLetterAuditTable;
  inventory_stock: InventoryStockTable;
  inventory_reservations: InventoryReservationsTable;
  simulated_card_charges: SimulatedCardChargesTable;
  simulated_card_refunds: SimulatedCardRefundsTable;
  participant_replies: ParticipantRepliesTable;
}

export interface OrdersTable {
  id: string;
  customer_id: string;
  status: string;
  currency: string;
  total_minor: number;
  shipping_street: string;
  shipping_city: string;
  shipping_state: string;
  shipping_zip: string;
  tracking_number: string | null;
  cancellation_reason: string | null;
  cancellation_category: string | null;
  /** The order's shipments as JSON: read and written with the order, under its version check. */
  shipments: string;
  /** The order's refunds as JSON, like `shipments`. */
  refunds: string;
  /** Units cancelled after part of the order shipped, as JSON. */
  cancelled_items: string;
  payment_status: string;
  payment_transaction_id: string | null;
  inventory_status: string;
  inventory_reservation_id: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface OrderItemsTable {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price_minor: number;
  line_total_minor: number;
}

export interface OrderStatusHistoryTable {
  order_id: string;
  seq: number;
  status: string;
  changed_at: number;
  /** Null on rows written before migration 0007. */
  changed_by: string | null;
  reason: string | null;
  causation_id: string | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  idempotency_key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  order_id: string;
  created_at: number;
}

export interface OutboxTable {
  id: Generated<number>;
  message_id: string;
  exchange: string;
  routing_key: string;
  type: string;
  correlation_id: string;
  /** The whole envelope as JSON. */
  body: string;
  created_at: number;
  sent_at: number | null;
  /** Until when a relay holds this row to publish it (epoch ms); null when nobody does. */
  claimed_until: number | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface InboxTable {
  message_id: string;
  type: string;
  processed_at: number;
}

/** A running saga's timer: the command whose reply it awaits (deadline: that outbox row's sent_at + step timeout). */
export interface SagaInstancesTable {
  order_id: string;
  awaiting_message_id: string;
  started_at: number;
  updated_at: number;
}

/** A shipment's stock commit awaiting its reply (deadline: that outbox row's sent_at + timeout_ms). */
export interface StockCommitTimersTable {
  order_id: string;
  shipment_id: string;
  awaiting_message_id: string;
  attempt: number;
  timeout_ms: number;
  started_at: number;
  updated_at: number;
  /** Set once the last attempt went unanswered (COMMIT_FAILED); such a row is no longer swept. */
  failed_at: number | null;
}

/** Saga progress per order (commands, replies, timeouts, compensations), oldest first by id. */
export interface OrderTimelineTable {
  id: Generated<number>;
  order_id: string;
  occurred_at: number;
  kind: string;
  message_type: string | null;
  message_id: string | null;
  detail: string | null;
}

/** Read model (docs/read-model.md): one denormalized row per order, with its whole API view. */
export interface OrderSummariesTable {
  id: string;
  customer_id: string;
  status: string;
  currency: string;
  total_minor: number;
  shipping_city: string;
  shipping_state: string;
  shipping_zip: string;
  tracking_number: string | null;
  /** unfulfilled, partial or shipped: the `fulfilment` search filter. */
  fulfilment: string;
  /** 1 once any refund succeeded: the `refunded=true` search filter. */
  refunded: number;
  /** The cancellation's reason group, null unless CANCELLED. */
  cancel_category: string | null;
  created_at: number;
  updated_at: number;
  /** The order's API representation (toOrderView) as JSON, so pages need no joins. */
  document: string;
}

/** Read model: which orders contain a product, in creation order. */
export interface OrderProductsTable {
  product_id: string;
  created_at: number;
  order_id: string;
}

/** The rollup levels of `order_stats`: a long window reads months, its edges days and hours. */
export type StatsPeriod = 'hour' | 'day' | 'month';

/**
 * Read model: orders, their totals and what was refunded of them, per currency, UTC period of
 * creation (hour, day and month, one row each), current status and cancellation reason group
 * ('' for orders not cancelled).
 */
export interface OrderStatsTable {
  currency: string;
  period: StatsPeriod;
  period_start: number;
  status: string;
  cancel_category: string;
  order_count: number;
  total_minor: number;
  refunded_minor: number;
}

/** Read model: units and revenue per UTC day of order creation, currency and product; cancelled orders excluded. */
export interface ProductSalesDailyTable {
  currency: string;
  day_start: number;
  product_id: string;
  quantity: number;
  revenue_minor: number;
}

/**
 * Read model: `product_sales_daily` summed per week (Monday 00:00 UTC), so long windows read one
 * row per product and week instead of seven.
 */
export interface ProductSalesWeeklyTable {
  currency: string;
  week_start: number;
  product_id: string;
  quantity: number;
  revenue_minor: number;
}

/** Read model: how many orders a customer has, so history's `total` is one row, not a count. */
export interface CustomerOrderCountsTable {
  customer_id: string;
  order_count: number;
}

/** Messages that failed every attempt, stored by the dead-letter consumer. */
export interface DeadLettersTable {
  id: string;
  message_id: string;
  type: string | null;
  exchange: string;
  routing_key: string;
  queue: string;
  /** The broker headers as JSON. */
  headers: string;
  body: string;
  error: string;
  attempts: number;
  first_seen_at: number;
  last_seen_at: number;
  status: 'pending' | 'replayed' | 'discarded';
  replayed_at: number | null;
}

/** Who replayed or discarded which dead letter, and when. */
export interface DeadLetterAuditTable {
  id: Generated<number>;
  dead_letter_id: string;
  message_id: string;
  action: 'replay' | 'discard';
  actor: string;
  at: number;
  detail: string | null;
}

/** The simulated participants' own tables (migration 0012): what they did, by business key. */
export interface InventoryStockTable {
  product_id: string;
  available: number;
}

export interface InventoryReservationsTable {
  order_id: string;
  reservation_id: string | null;
  status: 'reserved' | 'committed' | 'released' | 'rejected';
  /** JSON {productId: quantity}: the units this reservation holds. */
  items: string;
  /** JSON {type, payload}: the reply to the order's first reserve. */
  outcome: string;
  updated_at: number;
}

export interface SimulatedCardChargesTable {
  order_id: string;
  /** Null for a declined charge. */
  transaction_id: string | null;
  customer_id: string;
  amount_minor: number;
  currency: string;
  declined_reason: string | null;
  created_at: number;
}

export interface SimulatedCardRefundsTable {
  transaction_id: string;
  refund_key: string;
  refund_id: string;
  amount_minor: number;
  created_at: number;
}

export interface ParticipantRepliesTable {
  participant: 'inventory' | 'payment';
  message_id: string;
  /** The reply envelope, JSON. */
  reply: string;
  created_at: number;
}
