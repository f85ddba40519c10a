import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, api, money, when } from '../api.js';
import { Notice, StatusBadge } from '../components.js';
import { html } from '../html.js';
import { followOrders } from '../live.js';
import { OrderActions } from './order-actions.js';

/** One order: everything the service says about it, and what the signed-in role may do with it. */
export function OrderPage({ orderId, principal }) {
  const [order, setOrder] = useState(null);
  // null: not known yet; false: this service has no timeline endpoint (the section is hidden).
  const [timeline, setTimeline] = useState(null);
  const [error, setError] = useState(null);

  const load = useCallback(async () => {
    try {
      setOrder(await api(`/api/orders/${orderId}`));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
    try {
      const entries = await api(`/api/orders/${orderId}/timeline`);
      setTimeline(Array.isArray(entries) ? entries : (entries?.items ?? entries?.entries ?? []));
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 404 || failure.status === 405))
        setTimeline(false);
    }
  }, [orderId]);

  useEffect(() => {
    load();
  }, [load]);
  useEffect(
    () =>
      followOrders({
        onMode: () => {},
        poll: load,
        onChange: (change) => change.orderId === orderId && load(),
      }),
    [orderId, load],
  );

  if (!order)
    return html`<section><h1>Order</h1><${Notice} error=${error} />${!error && html`<p>Loading…</p>`}</section>`;

  return html`<section aria-labelledby="order-title" class="order">
    <p><a href="#/orders">← All orders</a></p>
    <div class="page-head">
      <h1 id="order-title">Order <span class="mono">${order.id}</span></h1>
      <${StatusBadge} status=${order.status} />
    </div>
    <${Notice} error=${error} />
    <div class="grid">
      <${Summary} order=${order} />
      <${Address} address=${order.shippingAddress} />
      <${Participants} order=${order} />
    </div>
    <${Items} order=${order} />
    <${OrderActions} order=${order} principal=${principal} onChanged=${load} />
    <${History} history=${order.statusHistory ?? []} />
    ${timeline !== false && timeline !== null && html`<${Timeline} entries=${timeline} />`}
    ${Array.isArray(order.shipments) && html`<${Shipments} shipments=${order.shipments} />`}
    ${Array.isArray(order.refunds) && html`<${Refunds} order=${order} />`}
  </section>`;
}

function Summary({ order }) {
  return html`<section class="card" aria-labelledby="summary-title">
    <h2 id="summary-title">Summary</h2>
    <dl>
      <dt>Customer</dt><dd>${order.customerId}</dd>
      <dt>Total</dt><dd>${money(order.totalAmount, order.currency)}</dd>
      ${order.refundedAmount !== undefined && html`<dt>Refunded</dt><dd>${money(order.refundedAmount, order.currency)}</dd>`}
      ${order.fulfilment && html`<dt>Fulfilment</dt><dd>${typeof order.fulfilment === 'string' ? order.fulfilment : (order.fulfilment.status ?? JSON.stringify(order.fulfilment))}</dd>`}
      <dt>Tracking number</dt><dd>${order.trackingNumber ?? '—'}</dd>
      ${order.cancellationReason && html`<dt>Cancellation reason</dt><dd>${order.cancellationReason}</dd>`}
      <dt>Created</dt><dd>${when(order.createdAt)}</dd>
      <dt>Updated</dt><dd>${when(order.updatedAt)}</dd>
      <dt>Version</dt><dd>${order.version}</dd>
    </dl>
  </section>`;
}

function Address({ address }) {
  return html`<section class="card" aria-labelledby="address-title">
    <h2 id="address-title">Shipping address</h2>
    <address>${address.street}<br />${address.city}, ${address.state} ${address.zipCode}</address>
  </section>`;
}

function Participants({ order }) {
  return html`<section class="card" aria-labelledby="participants-title">
    <h2 id="participants-title">Payment and inventory</h2>
    <dl>
      <dt>Payment</dt><dd>${order.payment?.status ?? '—'}</dd>
      <dt>Transaction</dt><dd class="mono">${order.payment?.transactionId ?? '—'}</dd>
      <dt>Inventory</dt><dd>${order.inventory?.status ?? '—'}</dd>
      <dt>Reservation</dt><dd class="mono">${order.inventory?.reservationId ?? '—'}</dd>
    </dl>
  </section>`;
}

function Items({ order }) {
  return html`<table class="data">
    <caption>Items</caption>
    <thead><tr><th scope="col">Product</th><th scope="col" class="num">Quantity</th>
      <th scope="col" class="num">Price</th><th scope="col" class="num">Line total</th></tr></thead>
    <tbody>
      ${order.items.map(
        (item) => html`<tr key=${item.productId}>
          <td>${item.productId}</td><td class="num">${item.quantity}</td>
          <td class="num">${money(item.price, order.currency)}</td>
          <td class="num">${money(item.lineTotal, order.currency)}</td>
        </tr>`,
      )}
    </tbody>
    <tfoot><tr><th scope="row" colspan="3">Total</th><td class="num">${money(order.totalAmount, order.currency)}</td></tr></tfoot>
  </table>`;
}

function History({ history }) {
  return html`<section class="card" aria-labelledby="history-title">
    <h2 id="history-title">Status history</h2>
    <ol class="history">
      ${history.map(
        (entry) => html`<li><${StatusBadge} status=${entry.status} /> <span>${when(entry.changedAt)}</span>
          ${entry.reason && html` — <span>${entry.reason}</span>`}
          ${entry.changedBy && html` <span class="muted">by ${entry.changedBy}</span>`}</li>`,
      )}
    </ol>
  </section>`;
}

function Timeline({ entries }) {
  return html`<section class="card" aria-labelledby="timeline-title" data-section="timeline">
    <h2 id="timeline-title">Saga timeline</h2>
    ${
      entries.length === 0
        ? html`<p>No saga steps recorded yet.</p>`
        : html`<ol class="timeline">
      ${entries.map(
        (
          entry,
        ) => html`<li><span class="mono">${when(entry.at)}</span> <strong>${entry.kind}</strong> ${entry.messageType ?? ''}
          ${entry.detail && html` — <span>${typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail)}</span>`}</li>`,
      )}
    </ol>`
    }
  </section>`;
}

function Shipments({ shipments }) {
  return html`<section class="card" aria-labelledby="shipments-title" data-section="shipments">
    <h2 id="shipments-title">Shipments</h2>
    ${
      shipments.length === 0
        ? html`<p>Nothing shipped yet.</p>`
        : html`<table class="data">
      <caption class="visually-hidden">Shipments</caption>
      <thead><tr><th scope="col">Shipped</th><th scope="col">Tracking</th><th scope="col">Carrier</th><th scope="col">Items</th><th scope="col">Stock</th></tr></thead>
      <tbody>
        ${shipments.map(
          (shipment) => html`<tr key=${shipment.id}>
            <td>${when(shipment.shippedAt)}</td><td>${shipment.trackingNumber}</td><td>${shipment.carrier ?? '—'}</td>
            <td>${(shipment.items ?? []).map((item) => `${item.quantity} × ${item.productId}`).join(', ')}</td>
            <td>${
              shipment.stockStatus === 'COMMIT_FAILED'
                ? html`<strong title="Inventory answered none of the commit's attempts: check the stock">commit failed</strong>`
                : (shipment.stockStatus ?? '').toLowerCase()
            }</td>
          </tr>`,
        )}
      </tbody>
    </table>`
    }
  </section>`;
}

function Refunds({ order }) {
  return html`<section class="card" aria-labelledby="refunds-title" data-section="refunds">
    <h2 id="refunds-title">Refunds</h2>
    ${
      order.refunds.length === 0
        ? html`<p>No refunds.</p>`
        : html`<table class="data">
      <caption class="visually-hidden">Refunds</caption>
      <thead><tr><th scope="col">Requested</th><th scope="col" class="num">Amount</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>
      <tbody>
        ${order.refunds.map(
          (refund) => html`<tr key=${refund.id}>
            <td>${when(refund.requestedAt ?? refund.createdAt)}</td><td class="num">${money(refund.amount, order.currency)}</td>
            <td>${refund.status}</td><td>${refund.reason ?? '—'}</td>
          </tr>`,
        )}
      </tbody>
    </table>`
    }
  </section>`;
}
