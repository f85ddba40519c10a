import { describe, expect, it } from 'vitest';
import { brokerOutageWindow } from '../../../src/infrastructure/messaging/broker-outage-window.js';

describe("broker outage window (participants' deadlines)", () => {
  const timeout = 30_000;
  const setup = () => {
    let state: 'connected' | 'connecting' | 'lost' = 'connected';
    let at = 1_000_000;
    const window = brokerOutageWindow({ connectionState: () => state }, timeout, () => at);
    return {
      window,
      set: (next: typeof state) => {
        state = next;
      },
      tick: (ms: number) => {
        at += ms;
        // As the saga sweep uses it: steps whose command was sent before this are overdue.
        return window.deadlinesRunUntil().getTime() - timeout;
      },
      now: () => at,
    };
  };

  it('is the ordinary step timeout while the broker is connected', () => {
    const { tick, now } = setup();
    expect(tick(1_000)).toBe(now() - timeout);
  });

  it('gives up only steps already overdue when the outage began, until a step timeout after the broker returns', () => {
    const { tick, set, now } = setup();
    tick(1_000);
    const lastSeenConnected = now();
    set('lost');
    tick(1_000);
    // 45 s into the outage: still only what was overdue before it.
    expect(tick(44_000)).toBe(lastSeenConnected - timeout);
    set('connected');
    expect(tick(1_000)).toBe(lastSeenConnected - timeout);
    // Redelivered commands and replies get a whole step timeout after the return.
    expect(tick(timeout - 1)).toBe(lastSeenConnected - timeout);
    expect(tick(1)).toBe(now() - timeout);
  });

  it('keeps the first outage protected when a second one starts within its grace', () => {
    const { tick, set, now } = setup();
    tick(1_000);
    const firstStart = now();
    set('lost');
    tick(10_000);
    set('connected');
    tick(5_000);
    set('lost');
    expect(tick(20_000)).toBe(firstStart - timeout);
    set('connected');
    tick(1_000);
    expect(tick(timeout)).toBe(now() - timeout);
  });

  it('stops the clock of every deadline (stock commits too) at the start of the outage, whatever its length', () => {
    let state: 'connected' | 'lost' = 'connected';
    let at = 5_000_000;
    const window = brokerOutageWindow({ connectionState: () => state }, timeout, () => at);
    expect(window.deadlinesRunUntil().getTime()).toBe(at);
    const outageStart = at;
    state = 'lost';
    at += 120_000;
    // A stock commit whose attempt waits 60 s is not due at a 120 s outage's end: its clock stopped.
    expect(window.deadlinesRunUntil().getTime()).toBe(outageStart);
    state = 'connected';
    at += 1_000;
    // Back, but redelivered commands and replies get a step timeout before the clock runs again.
    expect(window.deadlinesRunUntil().getTime()).toBe(outageStart);
    at += timeout;
    expect(window.deadlinesRunUntil().getTime()).toBe(at);
  });
});
