import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withLogContext } from '../../../src/logger.js';

type Line = Record<string, unknown>;

function capturedLogger() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, logger: createLogger({ env: 'test', logLevel: 'info' }, sink) };
}

const context = {
  correlationId: 'order-1',
  messageId: 'message-1',
  type: 'payment.process',
  queue: 'payments',
};

describe('log context', () => {
  it('gives every line of a message its context, and no line the fields of the lines before it', async () => {
    const { lines, logger } = capturedLogger();
    withLogContext(context, () => {
      logger.info({ attempt: 3, type: 'overridden here only' }, 'first');
      logger.info('second');
    });
    await expect.poll(() => lines.length).toBe(2);
    const [first, second] = lines;
    expect(first).toMatchObject({ ...context, attempt: 3, type: 'overridden here only', msg: 'first' });
    expect(second).toMatchObject({ ...context, msg: 'second' });
    expect(second).not.toHaveProperty('attempt');
  });

  it('adds nothing to a line written outside a message', async () => {
    const { lines, logger } = capturedLogger();
    withLogContext(context, () => logger.info('inside'));
    logger.info({ reqId: 'request-1' }, 'outside');
    await expect.poll(() => lines.length).toBe(2);
    const outside = lines.find((line) => line.msg === 'outside');
    expect(Object.keys(outside ?? {}).sort()).toEqual(['hostname', 'level', 'msg', 'pid', 'reqId', 'time']);
  });
});
