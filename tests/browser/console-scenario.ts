import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { poisonReply } from '../integration/dead-letters/dead-letter-kit.js';
import type { TestService } from '../support/test-service.js';
import {
  expectAccessible,
  launchBrowser,
  listen,
  openPage,
  orderOf,
  placeOrder,
  screenshot,
  signIn,
  statusOf,
} from './console-kit.js';

/**
 * The console driven in headless Chromium against a real service, one step per test, in order:
 * each step starts where the previous one left the page.
 */
export function consoleScenario(shape: string, start: () => Promise<TestService>) {
  let t: TestService;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let base: string;
  const orders: string[] = [];
  const customer = `c-console-${shape}`;
  const shots = (name: string) => (shape === 'embedded' ? screenshot(page, name) : Promise.resolve());

  beforeAll(async () => {
    t = await start();
    base = await listen(t);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
    orders.push(await placeOrder(t, customer), await placeOrder(t, customer));
    await placeOrder(t, `${customer}-other`);
    for (const id of orders)
      await vi.waitFor(
        async () => {
          if ((await statusOf(t, id)) !== 'CONFIRMED') throw new Error(`order ${id} is not CONFIRMED yet`);
        },
        { timeout: 20_000, interval: 100 },
      );
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('signs in by pasting a token', async () => {
    await page.goto(`${base}/console`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await shots('sign-in');
    await signIn(page, base, t, 'ops', ['admin']);
  });

  it("finds a customer's orders and sees a new one appear live", async () => {
    await page.getByLabel('Customer id').fill(customer);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('table.data tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await page.getByText('Live updates on').waitFor({ timeout: 15_000 });
    orders.push(await placeOrder(t, customer));
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    expect(await page.locator('table.data tbody td:nth-child(2)').allTextContents()).toEqual([
      customer,
      customer,
      customer,
    ]);
    await expectAccessible(page, 'orders');
    await shots('orders');
  });

  it('opens an order and sees its items, totals, address and payment', async () => {
    await page.getByRole('link', { name: orders[0] }).click();
    await page.getByRole('heading', { name: `Order ${orders[0]}` }).waitFor();
    const text = await page.locator('main').textContent();
    expect(text).toContain('sku-console');
    expect(text).toContain('$25.00');
    expect(text).toContain('Boston, MA 02108');
    expect(text).toContain('SUCCEEDED');
    await expectAccessible(page, 'order');
    await shots('order');
  });

  it('advances the status to PROCESSING', async () => {
    await page.getByLabel('New status').selectOption('PROCESSING');
    await page.getByRole('button', { name: 'Change status' }).click();
    await page.getByText('Status changed to PROCESSING.').waitFor();
    await expect.poll(() => statusOf(t, orders[0] as string)).toBe('PROCESSING');
  });

  it('ships it with a tracking number', async () => {
    await page.getByLabel('Tracking number').fill('TRACK-CONSOLE-1');
    await page.getByRole('button', { name: /^(Ship everything|Create shipment)$/ }).click();
    await page.getByText('Shipped with tracking number TRACK-CONSOLE-1.').waitFor();
    await expect.poll(() => statusOf(t, orders[0] as string)).toBe('SHIPPED');
    await page.locator('.page-head .badge', { hasText: 'SHIPPED' }).waitFor();
  });

  it('refunds part of it and sees the refund succeed, on the order and on its timeline', async () => {
    const refund = page.getByRole('form', { name: 'Refund' });
    await refund.getByLabel(/^Amount/).fill('1.50');
    await refund.getByLabel('Reason').fill('box arrived damaged');
    await refund.getByRole('button', { name: 'Request refund' }).click();
    await page.getByText('Refund of 1.50 requested.').waitFor();
    await expect
      .poll(async () => (await orderOf(t, orders[0] as string)).refunds?.[0]?.status)
      .toBe('SUCCEEDED');
    // The page follows the order's events: the refund's reply shows without a reload.
    await page.locator('[data-section="refunds"]', { hasText: 'SUCCEEDED' }).waitFor();
    await page.locator('[data-section="timeline"]', { hasText: 'payment.refunded' }).waitFor();
  });

  it('shows why a shipped order cannot be cancelled, in words', async () => {
    await page.getByRole('form', { name: 'Cancel' }).getByLabel('Reason').fill('customer changed their mind');
    await page.getByRole('button', { name: 'Cancel order' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/cannot move from SHIPPED to CANCELLED/);
    expect(await statusOf(t, orders[0] as string)).toBe('SHIPPED');
  });

  it('draws the orders and revenue chart', async () => {
    await page.getByRole('link', { name: 'Analytics' }).click();
    const canvas = page.locator('canvas#chart-over-time');
    await canvas.waitFor();
    expect(await canvas.getAttribute('aria-label')).toMatch(/[1-9]\d* orders in total/);
    // Chart.js drew on the canvas: some of its pixels are no longer transparent.
    const painted = await canvas.evaluate((node) => {
      // No DOM types in this Node project: the canvas is described as far as used.
      const element = node as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
      };
      const { data } = element.getContext('2d').getImageData(0, 0, element.width, element.height);
      let count = 0;
      for (let index = 3; index < data.length; index += 4) if ((data[index] as number) > 0) count += 1;
      return count;
    });
    expect(painted).toBeGreaterThan(1000);
    await expectAccessible(page, 'analytics');
    await shots('analytics');
  });

  it('replays a dead letter and sees it leave the list, and discards another', async () => {
    const [first, second] = [poisonReply(), poisonReply()];
    await t.service.bus.publish(first);
    await t.service.bus.publish(second);
    await page.getByRole('link', { name: 'Operations' }).click();
    const row = (messageId: string) => page.locator(`#dead-letters tr[data-message-id="${messageId}"]`);
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (
            (await row(first.envelope.messageId).count()) + (await row(second.envelope.messageId).count())
          );
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(2);
    await expectAccessible(page, 'operations');
    await shots('operations');

    await page.getByRole('button', { name: `Replay ${first.envelope.messageId}` }).click();
    await page.getByText(`Dead letter ${first.envelope.messageId} replayed.`).waitFor();
    await expect.poll(() => row(first.envelope.messageId).count(), { timeout: 3_000 }).toBe(0);

    await page.getByRole('button', { name: `Discard ${second.envelope.messageId}` }).click();
    await page.getByText(`Dead letter ${second.envelope.messageId} discarded.`).waitFor();
    await expect.poll(() => row(second.envelope.messageId).count(), { timeout: 3_000 }).toBe(0);
  });

  it('broke no content security policy rule and threw no script error on any page', () => {
    expect(problems).toEqual([]);
  });
}
