import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones, as a dead server or a network partition would. */
  cut(): void;
  /**
   * Holds every byte in both directions (new connections are accepted but hear nothing), as a
   * server stuck on I/O or a network that drops packets would; `restore` lets the bytes flow on.
   */
  stall(): void;
  restore(): void;
  /**
   * Drops the next connection whose client sends a chunk matching `pattern`, right after the
   * server received it (the answer never arrives): "connection lost during COMMIT".
   */
  dropAfterClientSends(pattern: RegExp, delayMs?: number): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: { to: Socket; chunk: Buffer }[];
  /** The server's answers are swallowed: the connection is about to be dropped. */
  deaf: boolean;
}

/** A TCP proxy in front of a real server (MariaDB, RabbitMQ) that a test can cut, stall and restore. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let cut = false;
  let stalled = false;
  let dropOn: { pattern: RegExp; delayMs: number } | null = null;

  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(target);
    const pair: Pair = { client, upstream, held: [], deaf: false };
    pairs.add(pair);
    const destroy = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    const forward = (to: Socket, chunk: Buffer) => {
      if (pair.deaf && to === client) return;
      if (stalled) pair.held.push({ to, chunk });
      else to.write(chunk);
    };
    client.on('data', (chunk: Buffer) => {
      forward(upstream, chunk);
      if (dropOn && !stalled && dropOn.pattern.test(chunk.toString('latin1'))) {
        const { delayMs } = dropOn;
        dropOn = null;
        // The server gets the time to act on the chunk; the client never hears its answer.
        pair.deaf = true;
        setTimeout(destroy, delayMs);
      }
    });
    upstream.on('data', (chunk: Buffer) => forward(client, chunk));
    for (const socket of [client, upstream]) {
      socket.on('close', destroy);
      socket.on('error', destroy);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  const destroyAll = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: address.port,
    cut() {
      cut = true;
      destroyAll();
    },
    stall() {
      stalled = true;
    },
    restore() {
      cut = false;
      stalled = false;
      for (const pair of pairs) {
        for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
      }
    },
    dropAfterClientSends(pattern, delayMs = 100) {
      dropOn = { pattern, delayMs };
    },
    close() {
      destroyAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
