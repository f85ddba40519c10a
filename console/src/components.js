import { html } from './html.js';

export function StatusBadge({ status }) {
  return html`<span class="badge badge-${String(status).toLowerCase()}">${status}</span>`;
}

/** An API error or confirmation, announced to screen readers as it appears. */
export function Notice({ error, message }) {
  if (error) return html`<p class="notice notice-error" role="alert">${error.message ?? String(error)}</p>`;
  if (message) return html`<p class="notice notice-ok" role="status">${message}</p>`;
  return null;
}

export function Field({ id, label, children, hint }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${hint && html`<small id=${`${id}-hint`}>${hint}</small>`}
  </div>`;
}

export function LiveIndicator({ mode }) {
  const text =
    mode === 'live'
      ? 'Live updates on'
      : mode === 'polling'
        ? 'Live updates off: refreshing every 10 s'
        : 'Connecting…';
  return html`<p class=${`live live-${mode}`} role="status">${text}</p>`;
}
