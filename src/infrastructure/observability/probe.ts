export class ProbeTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'ProbeTimeout';
  }
}

/**
 * Wraps a dependency probe so that polling it is cheap and safe: an answer is reused for `ttlMs`,
 * callers that arrive while a call is running share it (a hung database never collects a pile of
 * pings holding pool connections), and a caller waits at most `timeoutMs`.
 */
export function cachedProbe<T>(
  probe: () => Promise<T>,
  options: { ttlMs: number; timeoutMs: number; now?: () => number },
): () => Promise<T> {
  const now = options.now ?? Date.now;
  let running: Promise<T> | null = null;
  let last: { at: number; result: Promise<T> } | null = null;

  return () => {
    if (last && now() - last.at < options.ttlMs) return last.result;
    if (!running) {
      const call = probe();
      running = call;
      const settle = () => {
        last = { at: now(), result: call };
        running = null;
      };
      call.then(settle, settle);
    }
    return withTimeout(running, options.timeoutMs);
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProbeTimeout(timeoutMs)), timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
