import { useState } from 'preact/hooks';
import { api, isAdmin, isStaff } from '../api.js';
import { Field, Notice } from '../components.js';
import { html } from '../html.js';

const statuses = ['CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

/**
 * The actions a role may try. The service decides (the transition table, ownership); the console
 * only hides what the role can never do, and shows the service's refusal in words.
 */
export function OrderActions({ order, principal, onChanged }) {
  const staff = isStaff(principal);
  const mayCancel = isAdmin(principal) || !staff;
  if (order.status === 'CANCELLED') return null;
  return html`<section class="card" aria-labelledby="actions-title">
    <h2 id="actions-title">Actions</h2>
    <div class="action-forms">
      ${staff && html`<${ChangeStatus} order=${order} onChanged=${onChanged} />`}
      ${staff && html`<${Ship} order=${order} onChanged=${onChanged} />`}
      ${mayCancel && html`<${Cancel} order=${order} onChanged=${onChanged} />`}
      ${staff && Array.isArray(order.refunds) && html`<${Refund} order=${order} onChanged=${onChanged} />`}
    </div>
  </section>`;
}

/** Runs one API call for a form; keeps its error or confirmation next to the form. */
function useAction(onChanged) {
  const [state, setState] = useState({ busy: false, error: null, message: null });
  const run = async (call, message) => {
    setState({ busy: true, error: null, message: null });
    try {
      await call();
      setState({ busy: false, error: null, message });
      await onChanged();
    } catch (error) {
      setState({ busy: false, error, message: null });
    }
  };
  return [state, run];
}

function ChangeStatus({ order, onChanged }) {
  const [status, setStatus] = useState(
    order.status === 'CONFIRMED' ? 'PROCESSING' : order.status === 'SHIPPED' ? 'DELIVERED' : 'PROCESSING',
  );
  const [state, run] = useAction(onChanged);
  const submit = (event) => {
    event.preventDefault();
    run(
      () => api(`/api/orders/${order.id}/status`, { method: 'PUT', body: { status } }),
      `Status changed to ${status}.`,
    );
  };
  return html`<form class="action" aria-labelledby="change-title" onSubmit=${submit}>
    <h3 id="change-title">Advance status</h3>
    <${Field} id="new-status" label="New status">
      <select id="new-status" value=${status} onChange=${(event) => setStatus(event.currentTarget.value)}>
        ${statuses.filter((candidate) => candidate !== 'SHIPPED' && candidate !== 'CANCELLED').map((candidate) => html`<option value=${candidate}>${candidate}</option>`)}
      </select>
    <//>
    <button type="submit" disabled=${state.busy}>Change status</button>
    <${Notice} error=${state.error} message=${state.message} />
  </form>`;
}

/** With shipments (partial fulfilment) each shipment names its items; without, SHIPPED ships everything. */
function Ship({ order, onChanged }) {
  const partial = Array.isArray(order.shipments);
  const remaining = remainingItems(order);
  const [tracking, setTracking] = useState('');
  const [carrier, setCarrier] = useState('');
  const [quantities, setQuantities] = useState(() =>
    Object.fromEntries(remaining.map((item) => [item.productId, item.quantity])),
  );
  const [state, run] = useAction(onChanged);
  const submit = (event) => {
    event.preventDefault();
    const call = partial
      ? () =>
          api(`/api/orders/${order.id}/shipments`, {
            method: 'POST',
            body: {
              items: Object.entries(quantities)
                .filter(([, quantity]) => Number(quantity) > 0)
                .map(([productId, quantity]) => ({ productId, quantity: Number(quantity) })),
              trackingNumber: tracking,
              ...(carrier && { carrier }),
            },
          })
      : () =>
          api(`/api/orders/${order.id}/status`, {
            method: 'PUT',
            body: { status: 'SHIPPED', trackingNumber: tracking },
          });
    run(call, `Shipped with tracking number ${tracking}.`);
  };
  return html`<form class="action" aria-labelledby="ship-title" onSubmit=${submit}>
    <h3 id="ship-title">Ship</h3>
    <${Field} id="tracking" label="Tracking number">
      <input id="tracking" required maxlength="64" value=${tracking} onInput=${(event) => setTracking(event.currentTarget.value)} />
    <//>
    ${
      partial &&
      html`<${Field} id="carrier" label="Carrier (optional)">
        <input id="carrier" maxlength="64" value=${carrier} onInput=${(event) => setCarrier(event.currentTarget.value)} />
      <//>
      ${remaining.map(
        (
          item,
        ) => html`<${Field} id=${`ship-${item.productId}`} label=${`Quantity of ${item.productId} (up to ${item.quantity})`}>
          <input id=${`ship-${item.productId}`} type="number" min="0" max=${item.quantity} value=${quantities[item.productId]}
            onInput=${(event) => setQuantities({ ...quantities, [item.productId]: event.currentTarget.value })} />
        <//>`,
      )}`
    }
    <button type="submit" disabled=${state.busy}>${partial ? 'Create shipment' : 'Ship everything'}</button>
    <${Notice} error=${state.error} message=${state.message} />
  </form>`;
}

function remainingItems(order) {
  const shipped = {};
  for (const shipment of order.shipments ?? [])
    for (const item of shipment.items ?? [])
      shipped[item.productId] = (shipped[item.productId] ?? 0) + item.quantity;
  return order.items
    .map((item) => ({ productId: item.productId, quantity: item.quantity - (shipped[item.productId] ?? 0) }))
    .filter((item) => item.quantity > 0);
}

function Cancel({ order, onChanged }) {
  const [reason, setReason] = useState('');
  const [state, run] = useAction(onChanged);
  const submit = (event) => {
    event.preventDefault();
    run(
      () => api(`/api/orders/${order.id}/status`, { method: 'PUT', body: { status: 'CANCELLED', reason } }),
      'Order cancelled.',
    );
  };
  return html`<form class="action" aria-labelledby="cancel-title" onSubmit=${submit}>
    <h3 id="cancel-title">Cancel</h3>
    <${Field} id="cancel-reason" label="Reason">
      <input id="cancel-reason" required maxlength="500" value=${reason} onInput=${(event) => setReason(event.currentTarget.value)} />
    <//>
    <button type="submit" class="danger" disabled=${state.busy}>Cancel order</button>
    <${Notice} error=${state.error} message=${state.message} />
  </form>`;
}

function Refund({ order, onChanged }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [state, run] = useAction(onChanged);
  const submit = (event) => {
    event.preventDefault();
    run(
      () =>
        api(`/api/orders/${order.id}/refunds`, { method: 'POST', body: { amount: Number(amount), reason } }),
      `Refund of ${amount} requested.`,
    );
  };
  return html`<form class="action" aria-labelledby="refund-title" onSubmit=${submit}>
    <h3 id="refund-title">Refund</h3>
    <${Field} id="refund-amount" label=${`Amount (${order.currency})`}>
      <input id="refund-amount" type="number" required min="0.01" step="0.01" value=${amount} onInput=${(event) => setAmount(event.currentTarget.value)} />
    <//>
    <${Field} id="refund-reason" label="Reason">
      <input id="refund-reason" required maxlength="500" value=${reason} onInput=${(event) => setReason(event.currentTarget.value)} />
    <//>
    <button type="submit" disabled=${state.busy}>Request refund</button>
    <${Notice} error=${state.error} message=${state.message} />
  </form>`;
}
