import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, isStaff, money, when } from '../api.js';
import { Field, LiveIndicator, Notice, StatusBadge } from '../components.js';
import { html } from '../html.js';
import { followOrders } from '../live.js';

const statuses = ['PENDING', 'CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
const textFilters = [
  ['q', 'Search', 'Order id, customer, product, tracking number or city'],
  ['customerId', 'Customer id'],
  ['productId', 'Product id'],
  ['city', 'City'],
  ['trackingNumber', 'Tracking number'],
  ['minTotal', 'Minimum total'],
  ['maxTotal', 'Maximum total'],
];

/** Search with the read side's filters, cursor paging, status badges and live row updates. */
export function OrdersPage({ principal }) {
  const [filters, setFilters] = useState({ sort: 'createdAt', order: 'desc' });
  const [applied, setApplied] = useState(filters);
  const [pages, setPages] = useState([null]);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [mode, setMode] = useState('connecting');
  const [changed, setChanged] = useState(new Set());
  const state = useRef({ result: null, pages: [null], applied });
  state.current = { result, pages, applied };

  const load = useCallback(async (query, cursor) => {
    try {
      const { from, to, ...rest } = query;
      const page = await api('/api/orders/search', {
        query: {
          ...rest,
          from: from ? new Date(from).toISOString() : undefined,
          to: to ? new Date(to).toISOString() : undefined,
          limit: 20,
          cursor: cursor ?? undefined,
        },
      });
      setResult(page);
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    load(applied, pages[pages.length - 1]);
  }, [applied, pages, load]);

  useEffect(
    () =>
      followOrders({
        onMode: setMode,
        poll: () => load(state.current.applied, state.current.pages.at(-1)),
        onChange: async (change) => {
          const shown = state.current.result?.items.some((order) => order.id === change.orderId);
          if (shown) {
            const order = await api(`/api/orders/${change.orderId}`).catch(() => null);
            if (!order) return;
            setResult(
              (current) =>
                current && {
                  ...current,
                  items: current.items.map((item) => (item.id === order.id ? order : item)),
                },
            );
            setChanged((ids) => new Set(ids).add(order.id));
          } else if (change.type === 'order.created' && state.current.pages.length === 1) {
            load(state.current.applied, null);
          }
        },
      }),
    [load],
  );

  const submit = (event) => {
    event.preventDefault();
    setPages([null]);
    setApplied({ ...filters });
  };
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.currentTarget.value });

  return html`<section aria-labelledby="orders-title">
    <div class="page-head">
      <h1 id="orders-title">Orders</h1>
      <${LiveIndicator} mode=${mode} />
    </div>
    <form class="filters card" role="search" aria-label="Search orders" onSubmit=${submit}>
      ${textFilters
        .filter(([name]) => name !== 'customerId' || isStaff(principal))
        .map(
          ([name, label, placeholder]) => html`<${Field} id=${`f-${name}`} label=${label}>
            <input id=${`f-${name}`} name=${name} type=${name.endsWith('Total') ? 'number' : 'text'}
              step=${name.endsWith('Total') ? '0.01' : undefined} min=${name.endsWith('Total') ? '0' : undefined}
              placeholder=${placeholder} value=${filters[name] ?? ''} onInput=${set(name)} />
          <//>`,
        )}
      <${Field} id="f-status" label="Status">
        <select id="f-status" name="status" value=${filters.status ?? ''} onChange=${set('status')}>
          <option value="">Any</option>
          ${statuses.map((status) => html`<option value=${status}>${status}</option>`)}
        </select>
      <//>
      <${Field} id="f-from" label="Created from">
        <input id="f-from" type="datetime-local" value=${filters.from ?? ''} onInput=${set('from')} />
      <//>
      <${Field} id="f-to" label="Created before">
        <input id="f-to" type="datetime-local" value=${filters.to ?? ''} onInput=${set('to')} />
      <//>
      <${Field} id="f-sort" label="Sort by">
        <select id="f-sort" value=${filters.sort} onChange=${set('sort')}>
          <option value="createdAt">Created</option>
          <option value="totalAmount">Total</option>
        </select>
      <//>
      <${Field} id="f-order" label="Order">
        <select id="f-order" value=${filters.order} onChange=${set('order')}>
          <option value="desc">Newest / largest first</option>
          <option value="asc">Oldest / smallest first</option>
        </select>
      <//>
      <div class="actions"><button type="submit">Search</button></div>
    </form>
    <${Notice} error=${error} />
    ${result && html`<${OrderTable} orders=${result.items} changed=${changed} />`}
    <nav class="pager" aria-label="Pages">
      <button type="button" class="secondary" disabled=${pages.length === 1}
        onClick=${() => setPages(pages.slice(0, -1))}>Previous page</button>
      <span>Page ${pages.length}</span>
      <button type="button" class="secondary" disabled=${!result?.nextCursor}
        onClick=${() => setPages([...pages, result.nextCursor])}>Next page</button>
    </nav>
  </section>`;
}

function OrderTable({ orders, changed }) {
  if (orders.length === 0) return html`<p class="card">No orders match these filters.</p>`;
  return html`<table class="data">
    <caption>Matching orders</caption>
    <thead>
      <tr><th scope="col">Order</th><th scope="col">Customer</th><th scope="col">Status</th>
        <th scope="col" class="num">Total</th><th scope="col">Items</th><th scope="col">Created</th></tr>
    </thead>
    <tbody>
      ${orders.map(
        (
          order,
        ) => html`<tr key=${order.id} class=${changed.has(order.id) ? 'changed' : ''} data-order-id=${order.id}>
          <td><a href=${`#/orders/${order.id}`}>${order.id}</a></td>
          <td>${order.customerId}</td>
          <td><${StatusBadge} status=${order.status} /></td>
          <td class="num">${money(order.totalAmount, order.currency)}</td>
          <td>${order.items.length}</td>
          <td>${when(order.createdAt)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
