import { describe, expect, it } from 'vitest';
import { decodeEnvelope, describeError } from '../../../src/infrastructure/messaging/envelope-codec.js';

const envelope = {
  messageId: 'm-1',
  type: 'inventory.reserve',
  correlationId: 'o-1',
  causationId: null,
  occurredAt: '2024-01-01T00:00:00.000Z',
  payload: {},
};

describe('decodeEnvelope', () => {
  it('accepts an already parsed envelope', () => {
    expect(decodeEnvelope(envelope)).toEqual({ ok: true, envelope });
  });

  it('parses an envelope left as a Buffer', () => {
    expect(decodeEnvelope(Buffer.from(JSON.stringify(envelope)))).toEqual({ ok: true, envelope });
  });

  it('keeps a traceparent, and drops one that is not a string instead of refusing the message', () => {
    const traced = { ...envelope, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    expect(decodeEnvelope(traced)).toEqual({ ok: true, envelope: traced });
    expect(decodeEnvelope({ ...envelope, traceparent: 42 })).toEqual({ ok: true, envelope });
  });

  it('refuses malformed JSON', () => {
    expect(decodeEnvelope(Buffer.from('{oops'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/JSON/),
    });
  });

  it('refuses JSON that is not an envelope', () => {
    expect(decodeEnvelope({ ...envelope, messageId: 42 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/messageId/),
    });
    expect(decodeEnvelope([envelope])).toMatchObject({ ok: false });
    const { payload: _payload, ...withoutPayload } = envelope;
    expect(decodeEnvelope(withoutPayload)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/payload/),
    });
  });
});

describe('describeError', () => {
  it('bounds the text it records', () => {
    expect(describeError(new Error('x'.repeat(5000)), 100)).toHaveLength(100);
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
  });
});
