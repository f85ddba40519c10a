import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { SagaBacklogLimit } from '../saga-backlog-limit.js';

export interface AdmissionOptions {
  /**
   * Orders waiting for their saga, counted at most as often as each reader needs (cached by the
   * caller): an arriving POST can use an older count than the requests waiting in line for room,
   * which look again every `pollMs`.
   */
  sagaBacklog: { forArrivals: () => Promise<SagaBacklog>; forWaiting: () => Promise<SagaBacklog> };
  /** Most orders waiting for their saga; a POST that would add one more waits or is refused. */
  limit: SagaBacklogLimit;
  /** How long a POST may wait for room in the backlog before it is refused; 0 refuses at once. */
  maxWaitMs: number;
  /** How often waiting requests look at the backlog again. */
  pollMs?: number;
  /** The routes to guard, as `METHOD /url` of the route's definition. */
  routes: readonly string[];
}

interface SagaBacklog {
  pending: number;
  /** When the count began: orders committed before then are in it. */
  readAt: number;
}

/** A request this instance admitted; its order may not be in a count until the request is over. */
interface Admission {
  finishedAt: number | null;
}

/** Long enough for the saga to finish a good share of its backlog, short enough to lose no customer. */
const retryAfterSeconds = 1;
/** Bounds the memory held by waiting requests under a flood; beyond it a POST is refused at once. */
const maxWaiting = 1_000;

/**
 * Back-pressure on the saga: while its backlog is at the limit, a guarded request waits in line
 * (oldest first) up to `maxWaitMs` for an order to leave the backlog, then answers 503 with
 * Retry-After — before any work is done: right after the token check, before the body is read.
 * So the service never accepts orders faster than it confirms them and the time to CONFIRMED stays
 * bounded under overload. Waiting rather than refusing at once is what keeps the saga fed: clients
 * that retry at once (most do, whatever Retry-After says) turned every refusal into another
 * request, and at saturation ~6,000 refusals a second took the CPU the saga needed
 * (docs/benchmarks.md). A backlog that cannot be read admits the request: the use case then meets
 * the same database and fails on its own.
 */
export default fp(
  async function admission(app: FastifyInstance, options: AdmissionOptions) {
    const { limit } = options;
    const guarded = new Set(options.routes);
    const pollMs = options.pollMs ?? 20;
    // The newest count seen, and the requests this instance admitted that it may not include: still
    // running, or finished after the count began. A cached count stays the same for its whole
    // lifetime while each admitted POST adds an order, and waiting requests read a new count every
    // few milliseconds, before the orders admitted just before it have committed.
    let latest: SagaBacklog | null = null;
    const admissions = new Set<Admission>();
    const uncounted = (since: number) => {
      let n = 0;
      for (const admission of admissions) {
        if (admission.finishedAt === null || admission.finishedAt >= since) n += 1;
        else admissions.delete(admission);
      }
      return n;
    };
    // Requests waiting for room, oldest first; one loop serves them all.
    const line: Array<{
      until: number;
      admission: Admission;
      gone: () => boolean;
      settle: (backlog: number | null) => void;
    }> = [];
    let serving = false;
    // Refusals are logged once per episode (their responses are not logged one by one).
    let refusing = false;

    /** Admits the request if there is room (null), else answers the backlog's size. */
    const tryAdmit = async (
      count: () => Promise<SagaBacklog>,
      admission: Admission,
    ): Promise<number | null> => {
      const counted = await count().catch(() => null);
      if (counted === null) return null;
      // An older count than one already seen (the other reader's cache) tells nothing new.
      if (!latest || counted.readAt > latest.readAt) latest = counted;
      const backlog = latest.pending + uncounted(latest.readAt);
      const now = Date.now();
      const full = backlog >= limit.current(now);
      limit.sawBacklog(backlog, full, now);
      if (full) return backlog;
      admissions.add(admission);
      return null;
    };

    const serveLine = async () => {
      serving = true;
      try {
        while (line.length > 0) {
          await sleep(pollMs);
          while (line.length > 0) {
            const head = line[0] as (typeof line)[number];
            // A client that hung up while waiting leaves the line without taking a slot.
            if (head.gone()) {
              line.shift();
              head.settle(limit.current(Date.now()));
              continue;
            }
            const backlog = await tryAdmit(options.sagaBacklog.forWaiting, head.admission);
            if (backlog !== null && Date.now() < head.until) break;
            line.shift();
            head.settle(backlog);
          }
        }
      } finally {
        serving = false;
      }
    };

    const admit = async (admission: Admission, gone: () => boolean): Promise<number | null> => {
      // Behind others already waiting, a newcomer waits its turn even if a slot has just opened.
      const backlog =
        line.length === 0
          ? await tryAdmit(options.sagaBacklog.forArrivals, admission)
          : limit.current(Date.now());
      if (backlog === null || options.maxWaitMs <= 0 || line.length >= maxWaiting) return backlog;
      return new Promise((settle) => {
        line.push({ until: Date.now() + options.maxWaitMs, admission, gone, settle });
        if (!serving) void serveLine();
      });
    };

    const guard: onRequestAsyncHookHandler = async (request, reply) => {
      const admission: Admission = { finishedAt: null };
      // Answered or abandoned: from now on a count that begins will include its order, if any.
      reply.raw.once('close', () => {
        admission.finishedAt = Date.now();
      });
      const backlog = await admit(admission, () => request.raw.destroyed);
      if (backlog === null) {
        if (refusing) {
          refusing = false;
          app.log.info(
            { limit: limit.current(Date.now()) },
            'saga backlog under its limit: admitting orders again',
          );
        }
        return;
      }
      if (!refusing) {
        refusing = true;
        app.log.warn(
          { backlog, limit: limit.current(Date.now()) },
          'saga backlog full: refusing new orders with 503',
        );
      }
      reply.header('retry-after', String(retryAfterSeconds));
      throw Object.assign(
        new Error(`${backlog} orders are waiting for payment and stock; retry in ${retryAfterSeconds} s`),
        { statusCode: 503, code: 'SAGA_BACKLOG_FULL' },
      );
    };
    // On the guarded routes only (after the scope's token check): every other request skips it.
    app.addHook('onRoute', (route) => {
      if (![route.method].flat().some((method) => guarded.has(`${method} ${route.url}`))) return;
      route.onRequest = [...[route.onRequest ?? []].flat(), guard];
    });
  },
  { name: 'admission' },
);
