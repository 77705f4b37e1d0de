import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultDataDir, readLocalRuntime } from '../local/data-dir.js';
import { ConsoleSession, launchBrowser } from '../../test/support/browser.js';

/**
 * `npm run screenshots`: pictures of the staff console's main pages for the docs and the README, taken in headless
 * Chromium at 1280x800 from the running local platform (`npm start`; `SMARTSHELF_DATA_DIR` to pick another). First
 * it gives the pages something to show, through the API as any client would: a delivered-today order, one waiting to
 * be picked, a stock delivery and a price change. Then it signs in as an admin through the sign-in page and saves
 * `docs/images/console-<page>.png`. Run by hand, not by `npm test`; a page that shows an error is still saved, and
 * the script then fails naming it, so a broken picture is never committed unnoticed.
 */

const STORE = 'london-bridge';
const OUT = resolve(import.meta.dirname, '..', '..', 'docs', 'images');
/** The largest picture worth committing. */
const MAX_BYTES = 200_000;

interface Order {
  id: string;
  status: string;
  lines: { lineId: string }[];
}

const dataDir = defaultDataDir();
const runtime = await readLocalRuntime(dataDir);
if (!runtime) throw new Error(`no local platform is running on ${dataDir}: start one with npm start`);
const baseUrl = runtime.url;
const adminKey = (await readFile(join(dataDir, 'keys', 'admin-api-key'), 'utf8')).trim();
const run = Date.now().toString(36);

async function call<T>(method: string, path: string, credentials: { token?: string; apiKey?: string }, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
      ...(credentials.apiKey ? { 'x-api-key': credentials.apiKey } : {}),
      ...(body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const admin = { apiKey: adminKey };
const mint = async (subject: string, roles: string[], stores: string[] = []) => ({ token: (await call<{ token: string }>('POST', '/local/tokens', {}, { subject, roles, stores })).token });

async function settled(id: string, statuses: string[]): Promise<Order> {
  for (let i = 0; i < 240; i += 1) {
    const order = await call<Order>('GET', `/orders/${id}`, admin);
    if (statuses.includes(order.status)) return order;
    if (order.status === 'failed' || order.status === 'cancelled') throw new Error(`order ${id} ended ${order.status}`);
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`order ${id} never became ${statuses.join(' or ')}`);
}

/** A paid delivery order of `lines` at the store, as a shopper's app makes one. */
async function order(shopper: { token: string }, lines: { sku: string; quantity: { count: number } }[]): Promise<Order> {
  const slots = await call<{ items: { id: string; available: boolean; cutoffAt: string }[] }>('GET', `/stores/${STORE}/slots?mode=delivery`, {});
  const slot = slots.items.find((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000)!;
  const cart = await call<{ id: string }>('POST', '/carts', shopper, { storeId: STORE });
  for (const line of lines) await call('POST', `/carts/${cart.id}/lines`, shopper, line);
  await call('PUT', `/carts/${cart.id}/fulfillment`, shopper, { mode: 'delivery', slotId: slot.id, address: { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' } });
  return call<Order>('POST', '/checkout', shopper, { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { 'idempotency-key': `screenshots-${cart.id}` });
}

/** Something on each page: orders in both states, a stock delivery, a price change (for the audit trail). */
async function prepare(): Promise<{ orderToPick: string; sku: string }> {
  const shopper = await mint(`screenshots-shopper-${run}`, ['shopper']);
  const completed = await settled((await order(shopper, [{ sku: 'PN-HEINZ-BAKED-BEANZ-415G', quantity: { count: 12 } }, { sku: 'PN-WEETABIX-ORIGINAL-430G', quantity: { count: 6 } }])).id, ['completed']);
  await call('POST', `/orders/${completed.id}/pack`, admin, { zones: [{ zone: 'ambient', bags: 2, lineIds: completed.lines.map((line) => line.lineId) }] });
  await call('POST', `/orders/${completed.id}/shipments`, admin, { carrier: 'own-van' }, { 'idempotency-key': `screenshots-van-${completed.id}` });
  const toPick = await settled((await order(shopper, [{ sku: 'FP-BANANAS-KG', quantity: { count: 6 } }, { sku: 'PN-WEETABIX-ORIGINAL-430G', quantity: { count: 9 } }])).id, ['picking']);

  const sku = 'PN-HEINZ-BAKED-BEANZ-415G';
  const manager = await mint('sam.store-manager', ['store-manager'], [STORE]);
  await call('POST', '/inventory/adjustments', manager, { sku, storeId: STORE, delta: 48, reason: 'delivery', note: 'Morning delivery, 2 cases' });
  // The same product's price goes up 5p, as head office would: the audit trail's newest entry.
  const { productId } = await call<{ productId: string }>('GET', `/inventory/${sku}`, admin);
  const product = await call<{ version: number; variants: Record<string, unknown>[] }>('GET', `/products/${productId}`, {});
  const variants = product.variants.map(({ unitPrice: _derived, ...variant }) => {
    const price = variant.price as { amount: number; currency: string };
    return { ...variant, price: { ...price, amount: price.amount + 5 } };
  });
  await call('PATCH', `/products/${productId}`, await mint('maria.head-office', ['head-office']), { variants }, { 'if-match': `"${product.version}"` });
  return { orderToPick: toPick.id, sku };
}

async function shoot(session: ConsoleSession, name: string, hash: string, ready?: () => Promise<unknown>): Promise<void> {
  const { page } = session;
  await session.goto(hash);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
  await ready?.();
  const path = join(OUT, `console-${name}.png`);
  await page.screenshot({ path, type: 'png' });
  const { size } = await stat(path);
  const alert = (await page.getByRole('alert').allTextContents()).join(' ');
  console.log(`${path}  ${Math.round(size / 1024)} KB${alert ? `  (shows an error: ${alert})` : ''}`);
  if (alert) failures.push(`${name}: ${alert}`);
  if (size > MAX_BYTES) failures.push(`${name}: ${size} bytes, over ${MAX_BYTES}`);
}

const failures: string[] = [];
const { orderToPick, sku } = await prepare();
const browser = await launchBrowser();
try {
  const session = await ConsoleSession.open(browser, baseUrl);
  await shoot(session, 'sign-in', '#/sign-in', () => session.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor());
  await session.signIn({ subject: 'ada.admin', role: 'admin' });
  await session.page.getByLabel('Store', { exact: true }).selectOption(STORE);
  await shoot(session, 'orders', '#/orders', () => session.page.getByRole('table').first().waitFor());
  await shoot(session, 'order', `#/orders/${orderToPick}`, () => session.page.getByRole('button', { name: 'Record pick', exact: true }).waitFor());
  await shoot(session, 'stock', `#/stock/${sku}`, () => session.page.getByRole('table', { name: /Adjustment/ }).waitFor());
  await shoot(session, 'catalog', '#/catalog', () => session.page.getByRole('table').first().waitFor());
  await shoot(session, 'reports', '#/reports', () => session.page.locator('svg').first().waitFor());
  await shoot(session, 'audit', '#/audit', () => session.page.getByRole('table').first().waitFor());
  await shoot(session, 'operations', '#/operations', () => session.page.getByRole('table').first().waitFor());
  await shoot(session, 'api-keys', '#/api-keys', () => session.page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor());
  session.expectNoProblems();
} finally {
  await browser.close();
}
if (failures.length > 0) {
  console.error(`screenshots: check these pictures before committing them:\n- ${failures.join('\n- ')}`);
  process.exitCode = 1;
}
