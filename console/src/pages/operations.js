import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, when } from '../api.js';
import { Notice } from '../components.js';
import { html } from '../html.js';

/** The on-call view: saga outcomes, sagas stuck past their deadline, failed stock commits, the outbox, dead letters. */
export function OperationsPage() {
  const [ops, setOps] = useState(null);
  const [letters, setLetters] = useState(null);
  const [status, setStatus] = useState('pending');
  const [error, setError] = useState(null);
  const [message, setMessage] = useState(null);

  const load = useCallback(async () => {
    try {
      const [operations, page] = await Promise.all([
        api('/api/admin/operations'),
        api('/api/admin/dead-letters', { query: { status, limit: 50 } }),
      ]);
      setOps(operations);
      setLetters(page);
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, [status]);

  useEffect(() => {
    load();
    const timer = setInterval(load, 10_000);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (letter, action) => {
    try {
      if (action === 'replay') await api(`/api/admin/dead-letters/${letter.id}/replay`, { method: 'POST' });
      else await api(`/api/admin/dead-letters/${letter.id}`, { method: 'DELETE' });
      await load();
      setMessage(`Dead letter ${letter.messageId} ${action === 'replay' ? 'replayed' : 'discarded'}.`);
    } catch (failure) {
      setError(failure);
      setMessage(null);
    }
  };

  return html`<section aria-labelledby="operations-title">
    <div class="page-head">
      <h1 id="operations-title">Operations</h1>
      <button type="button" class="secondary" onClick=${load}>Refresh</button>
    </div>
    <${Notice} error=${error} message=${message} />
    ${
      ops &&
      html`
      <div class="grid">
        <div class="card stat"><p class="stat-label">Outbox backlog</p><p class="stat-value" data-stat="outbox">${ops.outbox.backlog}</p>
          <p class="muted">oldest ${ops.outbox.oldestAgeSeconds.toFixed(1)} s</p></div>
        <div class="card stat"><p class="stat-label">Pending dead letters</p><p class="stat-value" data-stat="dead-letters">${ops.deadLetters.pending}</p></div>
        <div class="card stat"><p class="stat-label">Stuck sagas</p><p class="stat-value">${ops.stuckSagas.length}</p></div>
        <div class="card stat"><p class="stat-label">Failed stock commits</p><p class="stat-value" data-stat="stock-commits-failed">${ops.stockCommits.failed.length}</p>
          <p class="muted">${ops.stockCommits.awaiting} awaiting, ${ops.stockCommits.retrying} retried</p></div>
      </div>
      <div class="grid two">
        <section class="card" aria-labelledby="outcomes-title">
          <h2 id="outcomes-title">Saga outcomes</h2>
          <p class="muted">Counted by this instance since it started.</p>
          ${
            Object.keys(ops.sagaOutcomes).length === 0
              ? html`<p>No saga has finished yet.</p>`
              : html`<table class="data compact">
            <caption class="visually-hidden">Saga outcomes</caption>
            <thead><tr><th scope="col">Outcome</th><th scope="col" class="num">Sagas</th></tr></thead>
            <tbody>${Object.entries(ops.sagaOutcomes).map(([outcome, count]) => html`<tr><td>${outcome}</td><td class="num">${count}</td></tr>`)}</tbody>
          </table>`
          }
        </section>
        <section class="card" aria-labelledby="stuck-title">
          <h2 id="stuck-title">Sagas past their deadline</h2>
          ${
            ops.stuckSagas.length === 0
              ? html`<p>None: every open saga is within its step deadline.</p>`
              : html`<table class="data compact">
            <caption class="visually-hidden">Stuck sagas</caption>
            <thead><tr><th scope="col">Order</th><th scope="col">Step</th><th scope="col" class="num">Overdue</th></tr></thead>
            <tbody>${ops.stuckSagas.map(
              (saga) =>
                html`<tr><td><a href=${`#/orders/${saga.orderId}`}>${saga.orderId}</a></td><td>${saga.step}</td><td class="num">${saga.overdueSeconds.toFixed(0)} s</td></tr>`,
            )}</tbody>
          </table>`
          }
        </section>
      </div>
      ${
        ops.stockCommits.failed.length > 0 &&
        html`<section class="card" aria-labelledby="stock-commits-title">
          <h2 id="stock-commits-title">Shipments whose stock commit failed</h2>
          <p class="muted">No reply from inventory to any attempt: the goods left, but inventory may still hold them as reserved.</p>
          <table class="data compact" id="failed-stock-commits">
            <caption class="visually-hidden">Failed stock commits</caption>
            <thead><tr><th scope="col">Order</th><th scope="col">Shipment</th><th scope="col" class="num">Attempts</th><th scope="col">Failed</th></tr></thead>
            <tbody>${ops.stockCommits.failed.map(
              (commit) =>
                html`<tr><td><a href=${`#/orders/${commit.orderId}`}>${commit.orderId}</a></td><td class="mono">${commit.shipmentId}</td><td class="num">${commit.attempts}</td><td>${when(commit.failedAt)}</td></tr>`,
            )}</tbody>
          </table>
        </section>`
      }`
    }
    <section class="card" aria-labelledby="dead-title">
      <div class="page-head">
        <h2 id="dead-title">Dead letters</h2>
        <label class="inline">Show
          <select value=${status} onChange=${(event) => setStatus(event.currentTarget.value)}>
            <option value="pending">pending</option><option value="replayed">replayed</option><option value="discarded">discarded</option>
          </select>
        </label>
      </div>
      ${letters && html`<${DeadLetters} letters=${letters} onAct=${act} />`}
    </section>
  </section>`;
}

function DeadLetters({ letters, onAct }) {
  if (letters.items.length === 0) return html`<p>No dead letters here.</p>`;
  return html`<table class="data" id="dead-letters">
    <caption class="visually-hidden">Dead letters (${letters.total})</caption>
    <thead><tr><th scope="col">Message</th><th scope="col">Queue</th><th scope="col">Error</th>
      <th scope="col" class="num">Attempts</th><th scope="col">Last seen</th><th scope="col">Actions</th></tr></thead>
    <tbody>
      ${letters.items.map(
        (letter) => html`<tr key=${letter.id} data-message-id=${letter.messageId}>
          <td><strong>${letter.type ?? 'unknown type'}</strong><br /><span class="mono">${letter.messageId}</span>
            <details><summary>Body and headers</summary><pre>${letter.body}</pre><pre>${JSON.stringify(letter.headers, null, 2)}</pre></details></td>
          <td>${letter.queue}</td>
          <td>${letter.error}</td>
          <td class="num">${letter.attempts}</td>
          <td>${when(letter.lastSeenAt)}</td>
          <td>${
            letter.status === 'pending'
              ? html`<div class="row-actions">
              <button type="button" onClick=${() => onAct(letter, 'replay')} aria-label=${`Replay ${letter.messageId}`}>Replay</button>
              <button type="button" class="danger" onClick=${() => onAct(letter, 'discard')} aria-label=${`Discard ${letter.messageId}`}>Discard</button>
            </div>`
              : letter.status
          }</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
