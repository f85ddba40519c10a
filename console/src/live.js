import { session } from './api.js';

/**
 * Order changes from `GET /api/orders/stream`, read with fetch so the token travels in the
 * Authorization header (EventSource cannot send one). When the stream cannot be held, `onMode`
 * reports 'polling' and `poll` runs every 10 s until the stream is back.
 */
export function followOrders({ onChange, onMode, poll }) {
  const controller = new AbortController();
  let pollTimer = null;
  let stopped = false;

  const startPolling = () => {
    onMode('polling');
    if (!pollTimer && poll) pollTimer = setInterval(poll, 10_000);
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = null;
  };

  const connect = async (attempt) => {
    try {
      const response = await fetch('/api/orders/stream', {
        headers: { authorization: `Bearer ${session.token()}`, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      stopPolling();
      onMode('live');
      attempt = 0;
      await read(response.body, onChange);
    } catch {
      if (stopped) return;
    }
    if (stopped) return;
    startPolling();
    setTimeout(() => connect(attempt + 1), Math.min(30_000, 1_000 * 2 ** attempt));
  };
  void connect(0);

  return () => {
    stopped = true;
    controller.abort();
    stopPolling();
  };
}

async function read(body, onChange) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) onChange(JSON.parse(data));
    }
  }
}
