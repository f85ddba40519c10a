import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, money } from '../api.js';
import { ChartCanvas } from '../chart.js';
import { Field, Notice } from '../components.js';
import { html } from '../html.js';

const windows = {
  day: { label: 'Last 24 hours, by hour', ms: 24 * 3_600_000, interval: 'hour' },
  week: { label: 'Last 7 days, by day', ms: 7 * 86_400_000, interval: 'day' },
  month: { label: 'Last 30 days, by day', ms: 30 * 86_400_000, interval: 'day' },
  quarter: { label: 'Last 12 weeks, by week', ms: 84 * 86_400_000, interval: 'week' },
};

const blue = '#1d4ed8';
const green = '#047857';

/** Orders and revenue over time, the status breakdown and the best sellers. */
export function AnalyticsPage() {
  const [choice, setChoice] = useState('week');
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    const window = windows[choice];
    const to = new Date();
    const from = new Date(to.getTime() - window.ms);
    const query = { from: from.toISOString(), to: to.toISOString() };
    Promise.all([
      api('/api/orders/analytics/summary', { query }),
      api('/api/orders/analytics/timeseries', { query: { ...query, interval: window.interval } }),
      api('/api/orders/analytics/top-products', { query: { ...query, limit: 10 } }),
    ]).then(([summary, series, top]) => {
      setData({ summary, series, top });
      setError(null);
    }, setError);
  }, [choice]);

  const currency = data?.summary.currency ?? 'USD';
  const overTime = useMemo(
    () =>
      data && {
        type: 'line',
        data: {
          labels: data.series.buckets.map((bucket) => label(bucket.start, windows[choice].interval)),
          datasets: [
            {
              label: 'Orders',
              data: data.series.buckets.map((bucket) => bucket.orders),
              borderColor: blue,
              backgroundColor: blue,
              yAxisID: 'orders',
            },
            {
              label: `Revenue (${currency})`,
              data: data.series.buckets.map((bucket) => bucket.revenue),
              borderColor: green,
              backgroundColor: green,
              yAxisID: 'revenue',
            },
          ],
        },
        options: {
          scales: {
            orders: { position: 'left', beginAtZero: true, title: { display: true, text: 'Orders' } },
            revenue: {
              position: 'right',
              beginAtZero: true,
              title: { display: true, text: 'Revenue' },
              grid: { drawOnChartArea: false },
            },
          },
        },
      },
    [data, choice, currency],
  );
  const byStatus = useMemo(
    () =>
      data && {
        type: 'bar',
        data: {
          labels: data.summary.byStatus.map((row) => row.status),
          datasets: [
            { label: 'Orders', data: data.summary.byStatus.map((row) => row.count), backgroundColor: blue },
          ],
        },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
      },
    [data],
  );

  return html`<section aria-labelledby="analytics-title">
    <div class="page-head">
      <h1 id="analytics-title">Analytics</h1>
      <${Field} id="window" label="Window">
        <select id="window" value=${choice} onChange=${(event) => setChoice(event.currentTarget.value)}>
          ${Object.entries(windows).map(([key, window]) => html`<option value=${key}>${window.label}</option>`)}
        </select>
      <//>
    </div>
    <${Notice} error=${error} />
    ${
      data &&
      html`
      <div class="grid">
        <${Stat} label="Orders" value=${data.summary.orderCount} />
        <${Stat} label="Revenue" value=${money(data.summary.revenue, currency)} />
        <${Stat} label="Average order" value=${money(data.summary.averageOrderValue, currency)} />
        <${Stat} label="Cancellation rate" value=${`${(data.summary.cancellationRate * 100).toFixed(1)} %`} />
        ${data.summary.refundedAmount !== undefined && html`<${Stat} label="Refunded" value=${money(data.summary.refundedAmount, currency)} />`}
      </div>
      <section class="card" aria-labelledby="over-time-title">
        <h2 id="over-time-title">Orders and revenue over time</h2>
        <${ChartCanvas} id="chart-over-time" config=${overTime}
          label=${`Line chart: ${data.series.buckets.length} buckets, ${data.summary.orderCount} orders in total`} />
      </section>
      <div class="grid two">
        <section class="card" aria-labelledby="status-title">
          <h2 id="status-title">Orders by status</h2>
          <${ChartCanvas} id="chart-status" config=${byStatus}
            label=${`Bar chart: ${data.summary.byStatus.map((row) => `${row.status} ${row.count}`).join(', ') || 'no orders'}`} />
          ${
            Array.isArray(data.summary.cancellationsByReason) &&
            html`<h3>Cancellations by reason</h3>
            <ul>${data.summary.cancellationsByReason.map((row) => html`<li>${row.reason ?? row.category}: ${row.count}</li>`)}</ul>`
          }
        </section>
        <section class="card" aria-labelledby="top-title">
          <h2 id="top-title">Top products</h2>
          <${TopTable} rows=${data.top.byQuantity} currency=${currency} caption="By quantity" />
          <${TopTable} rows=${data.top.byRevenue} currency=${currency} caption="By revenue" />
        </section>
      </div>`
    }
  </section>`;
}

function label(iso, interval) {
  const date = new Date(iso);
  return interval === 'hour' ? `${iso.slice(11, 13)}:00` : date.toISOString().slice(5, 10);
}

function Stat({ label, value }) {
  return html`<div class="card stat"><p class="stat-label">${label}</p><p class="stat-value">${value}</p></div>`;
}

function TopTable({ rows, currency, caption }) {
  return html`<table class="data compact">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Product</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Revenue</th></tr></thead>
    <tbody>
      ${
        rows.length === 0
          ? html`<tr><td colspan="3">No sales in this window.</td></tr>`
          : rows.map(
              (row) =>
                html`<tr key=${row.productId}><td>${row.productId}</td><td class="num">${row.quantity}</td><td class="num">${money(row.revenue, currency)}</td></tr>`,
            )
      }
    </tbody>
  </table>`;
}
