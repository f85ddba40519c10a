import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

// Only what the console draws, so the bundle stays small.
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

/** A Chart.js chart on a canvas, redrawn when `config` changes; `label` describes it to screen readers. */
export function ChartCanvas({ config, label, id }) {
  const canvas = useRef(null);
  useEffect(() => {
    const chart = new Chart(canvas.current, {
      ...config,
      options: { animation: false, maintainAspectRatio: false, ...config.options },
    });
    return () => chart.destroy();
  }, [config]);
  return html`<div class="chart"><canvas id=${id} ref=${canvas} role="img" aria-label=${label}></canvas></div>`;
}
