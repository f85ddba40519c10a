import { describe, expect, it } from 'vitest';
import { createPaymentParticipant } from '../../../src/infrastructure/participants/payment/payment-participant.js';
import type { PaymentProvider } from '../../../src/infrastructure/participants/payment/payment-provider.js';
import {
  createPaymentSimulator,
  createSimulatedPaymentProvider,
} from '../../../src/infrastructure/participants/payment/payment-simulator.js';
import { participantStore } from '../../support/participant-store.js';
import { aCommand, counterIds, fixedClock } from './simulator-fixtures.js';

const charge = { orderId: 'o-1', customerId: 'c-1', amountMinor: 2999, currency: 'USD' };
const processPayment = (payload: Record<string, unknown> = {}, messageId?: string) =>
  aCommand('payment.process', { ...charge, ...payload }, messageId);

describe('simulated payment provider', () => {
  it('approves a charge within the limit', async () => {
    const provider = createSimulatedPaymentProvider(await participantStore(), {
      declineAboveMinor: 10_000,
      newId: counterIds('tx'),
    });

    expect(await provider.charge({ ...charge, amountMinor: 10_000 })).toEqual({
      ok: true,
      transactionId: 'sim_tx-1',
    });
  });

  it('declines a charge above the limit', async () => {
    const provider = createSimulatedPaymentProvider(await participantStore(), { declineAboveMinor: 10_000 });

    expect(await provider.charge({ ...charge, amountMinor: 10_001 })).toEqual({
      ok: false,
      reason: 'amount exceeds the card limit',
    });
  });

  it('declines at the configured failure rate, by the injected random source', async () => {
    const draws = [0.1, 0.3, 0.29, 0.9];
    const provider = createSimulatedPaymentProvider(await participantStore(), {
      failureRate: 0.3,
      random: () => draws.shift() ?? 1,
    });

    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await provider.charge({ ...charge, orderId: `o-${i}` })).ok);

    expect(outcomes).toEqual([false, true, false, true]);
  });

  it('refuses a failure rate outside 0..1', async () => {
    const store = await participantStore();
    expect(() => createSimulatedPaymentProvider(store, { failureRate: 1.5 })).toThrow(RangeError);
  });

  it('refunds a charge it took, once', async () => {
    const provider = createSimulatedPaymentProvider(await participantStore(), { newId: counterIds() });
    const taken = await provider.charge(charge);
    if (!taken.ok) throw new Error('charge should succeed');
    const refund = { orderId: 'o-1', transactionId: taken.transactionId, amountMinor: 2999, currency: 'USD' };

    const first = await provider.refund(refund);
    const second = await provider.refund(refund);

    expect(first).toEqual({ ok: true, refundId: 'sim_refund_id-2' });
    expect(second).toEqual(first);
  });

  it('refuses to refund a transaction it does not know or more than was charged', async () => {
    const provider = createSimulatedPaymentProvider(await participantStore());
    const taken = await provider.charge(charge);
    if (!taken.ok) throw new Error('charge should succeed');

    expect(await provider.refund({ ...charge, transactionId: 'nope' })).toMatchObject({ ok: false });
    expect(
      await provider.refund({ ...charge, transactionId: taken.transactionId, amountMinor: 3000 }),
    ).toMatchObject({ ok: false, reason: 'refund exceeds what is left of the charge' });
  });

  it('refunds a charge in parts, once per refund id, never beyond the charge', async () => {
    const provider = createSimulatedPaymentProvider(await participantStore());
    const taken = await provider.charge(charge);
    if (!taken.ok) throw new Error('charge should succeed');
    const part = { ...charge, transactionId: taken.transactionId, amountMinor: charge.amountMinor - 1 };
    const first = await provider.refund({ ...part, refundId: 'r-1' });
    expect(first).toMatchObject({ ok: true });
    expect(await provider.refund({ ...part, refundId: 'r-1' })).toEqual(first);
    expect(await provider.refund({ ...part, refundId: 'r-2', amountMinor: 2 })).toMatchObject({ ok: false });
    expect(await provider.refund({ ...part, refundId: 'r-3', amountMinor: 1 })).toMatchObject({ ok: true });
  });
});

describe('payment participant', () => {
  const simulator = async (options: Parameters<typeof createPaymentSimulator>[1] = {}) =>
    createPaymentSimulator(await participantStore(), { newId: counterIds(), now: fixedClock, ...options });

  it('replies payment.succeeded with the transaction, correlated to the order', async () => {
    const command = processPayment();

    const reply = await (await simulator()).handle(command);

    expect(reply).toEqual({
      messageId: 'id-2',
      type: 'payment.succeeded',
      correlationId: 'o-1',
      causationId: command.messageId,
      occurredAt: '2024-05-01T12:00:00.000Z',
      payload: { orderId: 'o-1', transactionId: 'sim_id-1', amountMinor: 2999, currency: 'USD' },
    });
  });

  it('replies payment.failed with the reason when the provider declines', async () => {
    const reply = await (await simulator({ declineAboveMinor: 1000 })).handle(processPayment());

    expect(reply).toMatchObject({
      type: 'payment.failed',
      payload: { orderId: 'o-1', reason: 'amount exceeds the card limit' },
    });
  });

  it('replies payment.failed to an amount that is not positive whole minor units', async () => {
    const reply = await (await simulator()).handle(processPayment({ amountMinor: 29.99 }));

    expect(reply.payload).toEqual({ orderId: 'o-1', reason: 'invalid amount' });
  });

  it('charges an order once however many process commands arrive for it', async () => {
    const charges: string[] = [];
    const provider: PaymentProvider = {
      async charge(request) {
        charges.push(request.orderId);
        return { ok: true, transactionId: `tx-${charges.length}` };
      },
      async refund() {
        return { ok: true, refundId: 'r' };
      },
    };
    const participant = createPaymentParticipant({ provider, store: await participantStore() });
    const redelivered = processPayment({}, 'cmd-dup');

    const replies = await Promise.all([
      participant.handle(redelivered),
      participant.handle(redelivered),
      participant.handle(processPayment()),
    ]);

    expect(charges).toEqual(['o-1']);
    const paid = { orderId: 'o-1', transactionId: 'tx-1', amountMinor: 2999, currency: 'USD' };
    expect(replies.map((reply) => reply.payload)).toEqual([paid, paid, paid]);
  });

  it('replays a decline to a repeated command instead of rolling the dice again', async () => {
    const draws = [0, 0.99];
    const sim = await simulator({ failureRate: 0.5, random: () => draws.shift() ?? 1 });

    const first = await sim.handle(processPayment());
    const second = await sim.handle(processPayment());

    expect([first.type, second.type]).toEqual(['payment.failed', 'payment.failed']);
  });

  it('tries the provider again after it threw, so a transient outage is retried', async () => {
    let calls = 0;
    const provider: PaymentProvider = {
      async charge() {
        calls += 1;
        if (calls === 1) throw new Error('gateway timeout');
        return { ok: true, transactionId: 'tx-1' };
      },
      async refund() {
        return { ok: true, refundId: 'r' };
      },
    };
    const participant = createPaymentParticipant({ provider, store: await participantStore() });
    const command = processPayment();

    await expect(participant.handle(command)).rejects.toThrow('gateway timeout');
    const reply = await participant.handle(command);

    expect(reply.type).toBe('payment.succeeded');
  });

  it('refunds a payment and replies payment.refunded', async () => {
    const sim = await simulator();
    const paid = await sim.handle(processPayment());
    const { transactionId } = paid.payload as { transactionId: string };

    const reply = await sim.handle(
      aCommand('payment.refund', { orderId: 'o-1', transactionId, amountMinor: 2999, currency: 'USD' }),
    );

    expect(reply).toMatchObject({ type: 'payment.refunded', payload: { orderId: 'o-1', transactionId } });
  });

  it('throws when the provider refuses a refund, since the contract has no reply for it', async () => {
    const command = aCommand('payment.refund', {
      orderId: 'o-1',
      transactionId: 'nope',
      amountMinor: 1,
      currency: 'USD',
    });

    await expect((await simulator()).handle(command)).rejects.toThrow(/refused/);
  });
});
