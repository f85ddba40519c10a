import { describe, expect, it } from 'vitest';
import { Forbidden, IllegalTransition, ValidationError } from '../../../src/domain/errors.js';
import {
  type Actor,
  actors,
  type OrderStatus,
  orderStatuses,
  transitions,
} from '../../../src/domain/order-status.js';
import { anOrder, later } from '../../support/builders.js';

/** The lifecycle as the docs state it, written out here so a change to the table is a visible decision. */
const allowed = new Set([
  'PENDING→CONFIRMED by saga',
  'PENDING→CANCELLED by customer',
  'PENDING→CANCELLED by admin',
  'PENDING→CANCELLED by saga',
  'CONFIRMED→PROCESSING by service',
  'CONFIRMED→PROCESSING by admin',
  'CONFIRMED→SHIPPED by service',
  'CONFIRMED→SHIPPED by admin',
  'CONFIRMED→CANCELLED by customer',
  'CONFIRMED→CANCELLED by admin',
  'PROCESSING→SHIPPED by service',
  'PROCESSING→SHIPPED by admin',
  'PROCESSING→CANCELLED by customer',
  'PROCESSING→CANCELLED by admin',
  'SHIPPED→DELIVERED by service',
  'SHIPPED→DELIVERED by admin',
]);

const triples = orderStatuses.flatMap((from) =>
  orderStatuses
    .filter((to) => to !== from)
    .flatMap((to) => actors.map((actor) => ({ from, to, actor, key: `${from}→${to} by ${actor}` }))),
);

const tracking = '1Z999AA10123456789';
const request = (to: OrderStatus, actor: Actor) => ({
  to,
  actor,
  trackingNumber: tracking,
  category: 'timed_out' as const,
  now: later,
});

describe('the order status transition table', () => {
  it('holds exactly the documented transitions and actors', () => {
    const table = transitions.flatMap((t) => t.actors.map((actor) => `${t.from}→${t.to} by ${actor}`));
    expect(new Set(table)).toEqual(allowed);
  });

  it.each(triples.filter((t) => allowed.has(t.key)))('lets $key happen', ({ from, to, actor }) => {
    const order = anOrder().inStatus(from).build();
    expect(order.changeStatus(request(to, actor))).toBe(true);
    expect(order.status).toBe(to);
  });

  it.each(triples.filter((t) => !allowed.has(t.key) && t.actor === 'customer' && isTransition(t.from, t.to)))(
    'forbids $key',
    ({ from, to, actor }) => {
      const order = anOrder().inStatus(from).build();
      expect(() => order.changeStatus(request(to, actor))).toThrow(Forbidden);
      expect(order.status).toBe(from);
    },
  );

  it.each(
    triples.filter((t) => !allowed.has(t.key) && !(t.actor === 'customer' && isTransition(t.from, t.to))),
  )('rejects $key as an illegal transition', ({ from, to, actor }) => {
    const order = anOrder().inStatus(from).build();
    expect(() => order.changeStatus(request(to, actor))).toThrow(IllegalTransition);
    expect(order.status).toBe(from);
  });
});

function isTransition(from: OrderStatus, to: OrderStatus): boolean {
  return [...allowed].some((key) => key.startsWith(`${from}→${to} `));
}

describe('changing an order status', () => {
  it('requires a tracking number to ship', () => {
    const order = anOrder().inStatus('PROCESSING').build();
    expect(() => order.changeStatus({ to: 'SHIPPED', actor: 'service', now: later })).toThrow(
      ValidationError,
    );
    expect(order.status).toBe('PROCESSING');
  });

  it('keeps the tracking number of a shipped order', () => {
    const order = anOrder().inStatus('PROCESSING').build();
    order.changeStatus({ to: 'SHIPPED', actor: 'service', trackingNumber: 'TRACK-1', now: later });
    expect(order.snapshot().trackingNumber).toBe('TRACK-1');
  });

  it('records the change in the history, bumps the version and emits an event', () => {
    const order = anOrder().inStatus('CONFIRMED').build();
    const before = order.snapshot().version;
    order.changeStatus({
      to: 'PROCESSING',
      actor: 'admin',
      reason: 'picked',
      causationId: 'm-1',
      now: later,
    });
    expect(order.snapshot().statusHistory.at(-1)).toEqual({
      status: 'PROCESSING',
      changedAt: later,
      changedBy: 'admin',
      reason: 'picked',
      causationId: 'm-1',
    });
    expect(order.snapshot().version).toBe(before + 1);
    expect(order.pullEvents()).toEqual([
      {
        type: 'order.status_changed',
        orderId: order.id,
        occurredAt: later,
        from: 'CONFIRMED',
        to: 'PROCESSING',
        reason: 'picked',
        by: 'admin',
      },
    ]);
  });

  it('stores the cancellation reason, or who cancelled when none is given', () => {
    const withReason = anOrder().build();
    withReason.changeStatus({ to: 'CANCELLED', actor: 'customer', reason: 'too slow', now: later });
    const withoutReason = anOrder().build();
    withoutReason.changeStatus({ to: 'CANCELLED', actor: 'admin', now: later });
    expect(withReason.snapshot().cancellationReason).toBe('too slow');
    expect(withoutReason.snapshot().cancellationReason).toBe('cancelled by admin');
  });

  const mayRestate = (status: OrderStatus, actor: Actor) =>
    status === 'PENDING' || [...allowed].some((key) => key.includes(`→${status} by ${actor}`));
  const repeats = orderStatuses.flatMap((status) => actors.map((actor) => ({ status, actor })));

  it.each(repeats.filter(({ status, actor }) => !mayRestate(status, actor)))(
    'refuses $actor restating $status, a status it could not have set',
    ({ status, actor }) => {
      const order = anOrder().inStatus(status).build();
      const before = structuredClone(order.snapshot());
      const { trackingNumber, cancellationReason: reason } = order.snapshot();
      expect(() => order.changeStatus({ to: status, actor, trackingNumber, reason, now: later })).toThrow(
        actor === 'customer' ? Forbidden : IllegalTransition,
      );
      expect(order.snapshot()).toEqual(before);
    },
  );

  it.each(repeats.filter(({ status, actor }) => mayRestate(status, actor)))(
    'treats $actor repeating $status with the same data as a no-op',
    ({ status, actor }) => {
      const order = anOrder().inStatus(status).build();
      const before = structuredClone(order.snapshot());
      const trackingNumber = order.snapshot().trackingNumber;
      const reason = order.snapshot().cancellationReason;
      expect(order.changeStatus({ to: status, actor, trackingNumber, reason, now: later })).toBe(false);
      expect(order.snapshot()).toEqual(before);
      expect(order.pullEvents()).toEqual([]);
    },
  );

  it('rejects shipping again with a different tracking number', () => {
    const order = anOrder().inStatus('SHIPPED').build();
    expect(() =>
      order.changeStatus({ to: 'SHIPPED', actor: 'service', trackingNumber: 'OTHER-1', now: later }),
    ).toThrow(IllegalTransition);
    expect(order.snapshot().trackingNumber).toBe(tracking);
  });

  it('rejects cancelling again with a different reason', () => {
    const order = anOrder().inStatus('CANCELLED').build();
    expect(() =>
      order.changeStatus({ to: 'CANCELLED', actor: 'admin', reason: 'another reason', now: later }),
    ).toThrow(IllegalTransition);
    expect(order.snapshot().cancellationReason).toBe('changed my mind');
  });
});
