import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { maySee } from '../../application/order-feed.js';
import type { OrderEventFeed } from '../../infrastructure/messaging/order-event-feed.js';
import { problemResponses } from '../openapi-responses.js';

export interface OrderStreamOptions {
  feed: Pick<OrderEventFeed, 'listen'>;
  heartbeatMs: number;
}

/**
 * `GET /api/orders/stream`: order changes as Server-Sent Events. The token travels in the
 * Authorization header like on every route (the console reads the stream with fetch, not
 * EventSource, so no token ever appears in a URL or an access log).
 */
export const orderStreamRoutes: FastifyPluginAsyncTypebox<OrderStreamOptions> = async (app, options) => {
  const open = new Set<ServerResponse>();
  // A stream never ends by itself; without this, a graceful shutdown would wait for it forever.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get(
    '/orders/stream',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['orders'],
        summary: 'Live order changes (Server-Sent Events)',
        description:
          'A `text/event-stream` of `order` events `{messageId, type, orderId, customerId, status, occurredAt}`, ' +
          'one per order event; comment lines every `SSE_HEARTBEAT_MS` keep idle connections open. ' +
          'Staff receive every order; a customer only its own.',
        produces: ['text/event-stream'],
        response: { 200: { description: 'An endless event stream' }, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const { principal } = request;
      const raw = reply.raw;
      // Subscribed before the headers go out: a change made once the client sees them reaches it.
      const stopListening = await options.feed.listen((change) => {
        if (!maySee(principal, change)) return;
        raw.write(`id: ${change.messageId}\nevent: order\ndata: ${JSON.stringify(change)}\n\n`);
      });
      reply.hijack();
      // The client may have gone while the subscription was made.
      if (raw.destroyed) {
        stopListening();
        return;
      }
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 3000\n: connected\n\n`);
      open.add(raw);
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), options.heartbeatMs);
      raw.on('close', () => {
        clearInterval(heartbeat);
        stopListening();
        open.delete(raw);
      });
    },
  );
};
