import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Role } from '../../src/application/access.js';
import type { TestService } from '../support/test-service.js';

const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Whether Debian's chromium is installed. Under REQUIRE_SERVICES=1 (CI) a missing browser fails
 * the run; otherwise the browser tests are skipped with a loud banner. Playwright never downloads one.
 */
export function requireBrowser(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `Chromium is not installed at ${chromiumPath} (apt-get install -y chromium)`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`${message} and REQUIRE_SERVICES=1`);
  const banner = '!'.repeat(78);
  console.warn(`\n${banner}\n!! ${message}: SKIPPING the browser tests.\n${banner}\n`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  // launch() gives every browser a fresh temporary profile (user-data-dir) of its own.
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Listens on a random port of the loopback interface and returns the base URL. */
export async function listen(t: TestService): Promise<string> {
  await t.service.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.service.app.server.address() as AddressInfo).port}`;
}

/** A page that records CSP violations and script errors, so a test can require there were none. */
export async function openPage(browser: Browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems };
}

const axeSource = readFile(join(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page as it stands and requires no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    interface Violation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    // No DOM types in this Node project: the page's globals are described as far as used.
    const page = globalThis as unknown as {
      document: unknown;
      axe: { run(context: unknown): Promise<{ violations: Violation[] }> };
    };
    const result = await page.axe.run(page.document);
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  const blocking = violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  expect(blocking, `accessibility violations on the ${name} page`).toEqual([]);
}

/** Screenshots for docs/console/, written only when SCREENSHOTS=1 (npm run screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return;
  const directory = join(import.meta.dirname, '../../docs/console');
  await mkdir(directory, { recursive: true });
  await page.screenshot({ path: join(directory, `${name}.png`), fullPage: true });
}

/** Signs in through the sign-in page by pasting a token, as a person would. */
export async function signIn(page: Page, base: string, t: TestService, subject: string, roles: Role[]) {
  await page.goto(`${base}/console`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const token = (await t.bearer(subject, roles)).replace(/^Bearer /, '');
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
}

export async function placeOrder(
  t: TestService,
  customerId: string,
  items = [{ productId: 'sku-console', quantity: 2, price: 12.5 }],
): Promise<string> {
  const response = await t.service.app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { authorization: await t.bearer(customerId) },
    payload: {
      customerId,
      items,
      shippingAddress: { street: '1 Main St', city: 'Boston', state: 'MA', zipCode: '02108' },
    },
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

/** The order as the API has it, read with an admin token. */
export async function orderOf(
  t: TestService,
  orderId: string,
): Promise<{ status: string; refunds?: { status: string }[] }> {
  const response = await t.service.app.inject({
    url: `/api/orders/${orderId}`,
    headers: { authorization: await t.bearer('ops', ['admin']) },
  });
  return response.json();
}

export async function statusOf(t: TestService, orderId: string): Promise<string> {
  const response = await t.service.app.inject({
    url: `/api/orders/${orderId}`,
    headers: { authorization: await t.bearer('ops', ['admin']) },
  });
  return response.json().status;
}
