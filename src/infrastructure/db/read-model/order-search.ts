import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { OrderView } from '../../../application/order-view.js';
import type { OrderCriteria, OrderPage, PageRequest } from '../../../application/queries/read-model.js';
import type { Database } from '../schema.js';

/**
 * Search and history over the read model, in two steps: find the page's ids through an index
 * (keyset or offset, covering where possible), then fetch those rows' stored documents by
 * primary key. Skipped rows of an offset page therefore cost index entries, not whole rows.
 *
 * The SQL is spelled out (it runs on MariaDB and SQLite alike) so the plans in
 * docs/read-model.md can be read against it.
 */
export async function searchOrders(
  db: Kysely<Database>,
  criteria: OrderCriteria,
  page: PageRequest,
): Promise<OrderPage> {
  const wanted = page.offset + page.limit + 1;
  const branches =
    criteria.q === undefined ? [branch(criteria, page, wanted)] : qBranches(criteria, page, wanted);
  const direction = page.sort.order === 'asc' ? sql`asc` : sql`desc`;
  // One branch runs as it is; several (q) are merged, each already cut to `wanted` rows.
  const query =
    branches.length === 1
      ? sql<PageRow>`${branches[0]} offset ${page.offset}`
      : sql<PageRow>`select id, sort_value from (${sql.join(
          branches.map((part, index) => sql`select * from (${part}) as ${sql.raw(`b${index}`)}`),
          sql` union `,
        )}) as matches order by sort_value ${direction}, id ${direction} limit ${page.limit + 1} offset ${page.offset}`;
  const rows = (await query.execute(db)).rows;
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows[pageRows.length - 1];
  return {
    items: await documents(
      db,
      pageRows.map((row) => row.id),
    ),
    next: rows.length > page.limit && last ? { value: Number(last.sort_value), id: last.id } : null,
  };
}

/** The customer's counter row (kept by the projector), not a count over its index entries. */
export async function countCustomerOrders(db: Kysely<Database>, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('customer_order_counts')
    .select('order_count')
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(row?.order_count ?? 0);
}

interface PageRow {
  id: string;
  sort_value: number | string;
}

/** Where the rows come from: the summaries alone, or driven by a product's index rows. */
interface Source {
  from: RawBuilder<unknown>;
  /** The columns to sort by creation on: the driving table's, so its index order serves ORDER BY. */
  createdAt: RawBuilder<unknown>;
  id: RawBuilder<unknown>;
}

const summaries: Source = { from: sql`order_summaries s`, createdAt: sql`s.created_at`, id: sql`s.id` };

/** Adds a product's index rows as a join; written after the summaries, the planner still drives from them. */
function byProduct(alias: string, productId: string, inner: Source): Source {
  const table = sql.raw(alias);
  return {
    from: sql`${inner.from} join order_products ${table} on ${table}.order_id = s.id and ${table}.product_id = ${productId}`,
    createdAt: sql`${table}.created_at`,
    id: sql`${table}.order_id`,
  };
}

/** q matches exactly one of five keys; each has its own index, so each is its own ordered branch. */
function qBranches(criteria: OrderCriteria, page: PageRequest, wanted: number): RawBuilder<PageRow>[] {
  const q = criteria.q as string;
  return [
    branch(criteria, page, wanted, sql`s.id = ${q}`),
    branch(criteria, page, wanted, sql`s.customer_id = ${q}`),
    branch(criteria, page, wanted, sql`s.tracking_number = ${q}`),
    branch(criteria, page, wanted, sql`s.shipping_city = ${q}`),
    branch(criteria, page, wanted, undefined, q),
  ];
}

function branch(
  criteria: OrderCriteria,
  page: PageRequest,
  wanted: number,
  extra?: RawBuilder<unknown>,
  qProductId?: string,
): RawBuilder<PageRow> {
  let source = summaries;
  if (criteria.productId !== undefined) source = byProduct('p', criteria.productId, source);
  if (qProductId !== undefined) source = byProduct('qp', qProductId, source);
  const byTotal = page.sort.field === 'totalAmount';
  const sortColumn = byTotal ? sql`s.total_minor` : source.createdAt;
  const idColumn = byTotal ? sql`s.id` : source.id;
  const conditions = [...filters(criteria, source), ...(extra ? [extra] : [])];
  if (page.after) {
    const { value, id } = page.after;
    // The redundant first half gives the optimizer a range on the sort column.
    conditions.push(
      page.sort.order === 'desc'
        ? sql`${sortColumn} <= ${value} and (${sortColumn} < ${value} or ${idColumn} < ${id})`
        : sql`${sortColumn} >= ${value} and (${sortColumn} > ${value} or ${idColumn} > ${id})`,
    );
  }
  const direction = page.sort.order === 'asc' ? sql`asc` : sql`desc`;
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  return sql<PageRow>`select ${idColumn} as id, ${sortColumn} as sort_value from ${source.from} ${where} order by ${sortColumn} ${direction}, ${idColumn} ${direction} limit ${wanted}`;
}

function filters(criteria: OrderCriteria, source: Source): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(sql`${sql.raw(column)} = ${value}`);
  };
  equal('s.customer_id', criteria.customerId);
  equal('s.currency', criteria.currency);
  equal('s.shipping_city', criteria.city);
  equal('s.shipping_state', criteria.state);
  equal('s.shipping_zip', criteria.zipCode);
  equal('s.tracking_number', criteria.trackingNumber);
  equal('s.fulfilment', criteria.fulfilment);
  if (criteria.refunded !== undefined) conditions.push(sql`s.refunded = ${criteria.refunded ? 1 : 0}`);
  if (criteria.statuses && criteria.statuses.length > 0) {
    conditions.push(sql`s.status in (${sql.join([...criteria.statuses])})`);
  }
  if (criteria.createdFrom !== undefined)
    conditions.push(sql`${source.createdAt} >= ${criteria.createdFrom}`);
  if (criteria.createdTo !== undefined) conditions.push(sql`${source.createdAt} < ${criteria.createdTo}`);
  if (criteria.minTotalMinor !== undefined) conditions.push(sql`s.total_minor >= ${criteria.minTotalMinor}`);
  if (criteria.maxTotalMinor !== undefined) conditions.push(sql`s.total_minor <= ${criteria.maxTotalMinor}`);
  return conditions;
}

/** The stored views of `ids`, in the order of `ids`. */
async function documents(db: Kysely<Database>, ids: readonly string[]): Promise<OrderView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('order_summaries')
    .select(['id', 'document'])
    .where('id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row.document]));
  return ids.flatMap((id) => {
    const document = byId.get(id);
    return document === undefined ? [] : [JSON.parse(document) as OrderView];
  });
}
