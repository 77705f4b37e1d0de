import { readFile } from 'node:fs/promises';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cart } from '../../shared/carts/model.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import { dlqName } from '../../infra/local/queues.js';
import type { AuditPage } from '../../shared/audit/queries.js';
import type { CategoryView, ProductView } from '../../shared/catalog/views.js';
import type { SkuInventory, StockAtStore } from '../../shared/inventory/requests.js';
import type { DeadLetterQueueList } from '../../shared/ops/dead-letters.js';
import type { Order } from '../../shared/orders/model.js';
import { SAMPLE_STORES } from '../../shared/stores/seed.js';
import { ApiClient } from '../support/api-client.js';
import { ConsoleSession, launchBrowser } from '../support/browser.js';
import { eventually } from '../support/e2e.js';
import { localRuntime } from '../support/payments-sandbox.js';
import { sampleSkus } from '../support/sample-skus.js';

/**
 * The staff's main journeys in the console, in headless Chromium against the local platform: each signs in through
 * the sign-in page as the role that does the work, does it with the page's own controls (found by role and label),
 * and checks the outcome through the API. A journey fails on any uncaught error, CSP violation, failed request or 5xx
 * in the page, whatever it showed.
 */

const run = Date.now().toString(36);
const baseUrl = inject('baseUrl');
const api = new ApiClient(baseUrl);
const admin = api.as({ apiKey: inject('adminApiKey') });
const STORE = SAMPLE_STORES.find((store) => store.id === 'london-bridge')!;
const address = { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' };
const fixed = sampleSkus(STORE.id, 'each').filter((s) => s.stock >= 60 && s.price >= 300);
const weighed = sampleSkus(STORE.id, 'weight').find((s) => s.average !== undefined && s.stock >= 10_000)!;

let browser: Browser;
let session: ConsoleSession | undefined;
let shoppers = 0;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});
afterAll(async () => {
  await browser?.close();
});

/** A new browser context signed in through the sign-in page as `role` (at the test store when store-bound). */
async function signedIn(role: string, storeBound: boolean): Promise<ConsoleSession> {
  session = await ConsoleSession.open(browser, baseUrl);
  await session.signIn({ subject: `browser-${role}-${run}`, role, ...(storeBound ? { stores: [STORE] } : {}) });
  return session;
}

async function orderOf(id: string): Promise<Order> {
  return (await admin.get<Order>(`/orders/${id}`)).body;
}

/** A paid delivery order of `lines` at the test store, made through the API as a shopper's app would. */
async function paidOrder(lines: { sku: string; quantity: { count: number } }[]): Promise<Order> {
  // A shopper of its own each time, so no order waits on another's hold limits.
  const shopper = api.as({ token: await api.mintToken(`browser-shopper-${run}-${(shoppers += 1)}`, ['shopper']) });
  const { body: slots } = await api.get<{ items: { id: string; available: boolean; cutoffAt: string }[] }>(`/stores/${STORE.id}/slots?mode=delivery`);
  const slot = slots.items.find((s) => s.available && Date.parse(s.cutoffAt) > Date.now() + 10 * 60_000)!;
  const { body: cart } = await shopper.post<Cart>('/carts', { storeId: STORE.id });
  for (const line of lines) {
    const added = await shopper.post(`/carts/${cart.id}/lines`, line);
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  }
  const chosen = await shopper.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId: slot.id, address } });
  expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
  const started = await shopper.post<Order>('/checkout', { cartId: cart.id, paymentMethod: 'pm_card_visa' }, { headers: { 'idempotency-key': `browser-${cart.id}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return started.body;
}

/** Enough of a fixed-price sample SKU for any delivery slot's minimum order (25.00), within the per-SKU hold cap. */
const filler = (index: number) => ({ sku: fixed[index]!.sku, quantity: { count: Math.min(20, Math.ceil(3_000 / fixed[index]!.price)) } });

/** The order once its status is `status`; fails at once if it failed instead. */
function settled(id: string, status: string): Promise<Order> {
  return eventually(`order ${id} ${status}`, async () => {
    const order = await orderOf(id);
    if (order.status === 'failed' || order.status === 'cancelled') throw new Error(`order ${id} ended ${order.status}`);
    return order.status === status ? order : undefined;
  });
}

describe('orders', () => {
  it('a picker works an order from picking to dispatched: Record pick, Pack, Dispatch', async () => {
    // Weighed goods wait to be picked: the card holds a buffered estimate until the pick says what to take.
    const order = await settled((await paidOrder([{ sku: weighed.sku, quantity: { count: 2 } }, filler(7)])).id, 'picking');
    const { page } = await signedIn('picker', true);

    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await page.getByRole('link', { name: order.id }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(order.id) }).waitFor();

    // The form starts at what was ordered: picked as ordered, the card is captured at the order's total.
    await page.getByRole('button', { name: 'Record pick', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Pick recorded.' }).waitFor();
    const completed = await settled(order.id, 'completed');
    expect(completed.payment.captured).toBe(order.totals.total);

    await page.reload();
    await page.getByRole('button', { name: 'Pack', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Order packed.' }).waitFor();
    expect((await orderOf(order.id)).fulfillmentStatus).toBe('packed');

    await page.getByRole('button', { name: 'Dispatch', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Shipment dispatched.' }).waitFor();
    const dispatched = await orderOf(order.id);
    expect(dispatched.fulfillmentStatus).toBe('dispatched');
    expect(dispatched.shipments!.map((s) => [s.carrier, s.status])).toEqual([['own-van', 'dispatched']]);
    // The page shows it too: the shipment's row.
    await page.getByRole('table', { name: 'Shipments' }).getByRole('cell', { name: 'dispatched' }).waitFor();
    session!.expectNoProblems();
  });
});

describe('reports', () => {
  it('head office downloads the sales report as CSV, and its totals are the JSON report’s', async () => {
    const { page } = await signedIn('head-office', false);
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await page.getByLabel('Store', { exact: true }).selectOption(STORE.id);
    const from = await page.getByLabel('From', { exact: true }).inputValue();
    const to = await page.getByLabel('To', { exact: true }).inputValue();
    await page.getByRole('table').first().waitFor();

    interface SalesTotals {
      orders: number;
      gross: number;
      discounts: number;
      net: number;
      tax: number;
      fees: number;
      feesTax: number;
    }
    const reportJson = async () => (await admin.get<{ currency: string; totals: SalesTotals }>(`/reports/sales?storeId=${STORE.id}&from=${from}&to=${to}`)).body;
    // A sale of today at the store, so the report has figures to add up: the running totals count it once its event
    // has gone through the reports queue.
    const counted = (await reportJson()).totals.orders;
    const sold = await settled((await paidOrder([filler(11)])).id, 'completed');
    await eventually(`order ${sold.id} in the sales report`, async () => ((await reportJson()).totals.orders > counted ? true : undefined));
    // Orders of other journeys may still be counted while this runs: compare a download with a report that did not
    // change around it.
    let compared = false;
    for (let attempt = 0; attempt < 5 && !compared; attempt += 1) {
      const before = await reportJson();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV', exact: true }).click()]);
      expect(download.suggestedFilename()).toMatch(/^sales-london-bridge-.*\.csv$/);
      const csv = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
      const after = await reportJson();
      if (JSON.stringify(before) !== JSON.stringify(after)) continue;
      const header = csv[0]!.split(',');
      expect(header).toEqual(['date', 'currency', 'orders', 'gross', 'discounts', 'net', 'tax', 'fees', 'feesTax']);
      const total = csv.find((row) => row.startsWith('total,'))!.split(',');
      const figures = Object.fromEntries(header.slice(2).map((name, i) => [name, Number(total[i + 2])]));
      expect(total[1]).toBe(after.currency);
      expect(figures).toEqual({
        orders: after.totals.orders,
        gross: after.totals.gross,
        discounts: after.totals.discounts,
        net: after.totals.net,
        tax: after.totals.tax,
        fees: after.totals.fees,
        feesTax: after.totals.feesTax,
      });
      // And the day rows add up to the total row: the file is whole.
      const days = csv.slice(1).filter((row) => /^\d{4}-\d{2}-\d{2},/.test(row));
      expect(days.reduce((sum, row) => sum + Number(row.split(',')[3]), 0)).toBe(figures.gross);
      compared = true;
    }
    expect(compared, 'a download between two equal reports').toBe(true);
    await page.getByRole('status').filter({ hasText: /Downloaded sales-london-bridge/ }).waitFor();
    session!.expectNoProblems();
  });
});

describe('audit trail', () => {
  it('head office reads the audit of a price change: the entry with the prices before and after and who changed them', async () => {
    const headOffice = api.as({ token: await api.mintToken(`browser-head-office-${run}`, ['head-office']) });
    const sku = `BROWSER-AUDIT-${run.toUpperCase()}`;
    const pantry = (await api.get<{ items: CategoryView[] }>('/categories')).body.items.find((c) => c.path === 'pantry')!;
    const created = await admin.post<ProductView>('/products', {
      name: `Browser audited jam ${run}`,
      categoryId: pantry.id,
      taxCategory: 'food',
      variants: [{ sku, name: '340g', soldBy: 'each', price: { amount: 250, currency: 'GBP' } }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { unitPrice: _derived, ...variant } = created.body.variants[0]!;
    const changed = await headOffice.patch<ProductView>(
      `/products/${created.body.id}`,
      { variants: [{ ...variant, price: { amount: 275, currency: 'GBP' } }] },
      { headers: { 'if-match': `"${created.body.version}"` } },
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);

    const { page } = await signedIn('head-office', false);
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
    await page.getByLabel('Entity type').fill('product');
    await page.getByLabel('Entity id').fill(created.body.id);
    await page.getByRole('button', { name: 'Apply filters', exact: true }).click();

    const entry = page.getByRole('table', { name: /Audit entries/ }).getByRole('row').filter({ hasText: 'price-changed' });
    await entry.waitFor();
    expect(await entry.count()).toBe(1);
    await expect.poll(() => entry.textContent()).toContain(`browser-head-office-${run}`);
    expect(await entry.textContent()).toContain(created.body.id);
    expect(await entry.locator('del').allTextContents()).toEqual([expect.stringContaining('2.50')]);
    expect(await entry.locator('ins').allTextContents()).toEqual([expect.stringContaining('2.75')]);
    expect(await entry.getByRole('cell').filter({ hasText: sku }).count()).toBeGreaterThan(0);
    session!.expectNoProblems();
  });
});

describe('stock', () => {
  it('a store manager adjusts stock: the change and its reason in the page, the new level in the API', async () => {
    const sku = fixed[9]!.sku;
    const availableNow = async () => ((await admin.get<SkuInventory>(`/inventory/${sku}`)).body.stores.find((s) => s.storeId === STORE.id) as StockAtStore).available;
    const before = await availableNow();
    const note = `browser delivery ${run}`;

    const { page } = await signedIn('store-manager', true);
    await page.getByRole('link', { name: 'Stock' }).click();
    await page.getByRole('heading', { level: 1, name: 'Stock' }).waitFor();
    await page.getByLabel('SKU', { exact: true }).fill(sku);
    await page.getByRole('button', { name: 'Look up', exact: true }).click();
    await page.getByLabel('Quantity change').fill('7');
    await page.getByLabel('Reason').selectOption('delivery');
    await page.getByLabel('Note').fill(note);
    await page.getByRole('button', { name: 'Save adjustment', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Stock of ${sku} at ${STORE.id} adjusted by +7` }).waitFor();

    // The history shows it, with its reason and note, and who made it.
    const row = page.getByRole('table', { name: /Adjustment/ }).getByRole('row').filter({ hasText: note });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells).toEqual(expect.arrayContaining(['+7', 'delivery', note, `browser-store-manager-${run}`]));

    expect(await availableNow()).toBe(before + 7);
    const history = await admin.get<{ items: { delta: number; reason: string; note?: string; actor: string }[] }>(`/inventory/${sku}/adjustments?store=${STORE.id}`);
    expect(history.body.items[0]).toMatchObject({ delta: 7, reason: 'delivery', note, actor: `browser-store-manager-${run}` });
    const audit = await admin.get<AuditPage>(`/audit?entity=stock&entityId=${encodeURIComponent(`${STORE.id}/${sku}`)}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'adjust', actor: `browser-store-manager-${run}`, actorKind: 'person' });
    expect(JSON.stringify(audit.body.items[0]!.after)).toContain(note);
    session!.expectNoProblems();
  });
});

describe('operations', () => {
  it('an admin sees a dead-letter queue’s depth in Operations, presses Redrive, and sees it reach 0', async () => {
    const runtime = (await localRuntime(inject('dataDir'))) as Awaited<ReturnType<typeof localRuntime>> & { endpoints: { sqs: string }; queueUrls: Record<string, string> };
    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.endpoints.sqs });
    // A dead letter the search feed's consumer takes without harm once it is back: a product that does not exist
    // changed, so nothing is recorded.
    const QUEUE = 'search-changes';
    const deadLetter = {
      version: '0',
      id: `browser-dlq-${run}`,
      source: 'smartshelf.catalog',
      'detail-type': 'product.updated',
      detail: { id: `browser-dlq-${run}`, version: 1, data: { productId: `browser-no-such-product-${run}`, version: 1, changedFields: ['name'], addedSkus: [], removedSkus: [], status: 'active', actor: 'browser-test' } },
    };
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: runtime.queueUrls[dlqName(QUEUE)]!, MessageBody: JSON.stringify(deadLetter) }));
    } finally {
      sqs.destroy();
    }
    const depthInApi = async () => (await admin.get<DeadLetterQueueList>('/admin/queues')).body.items.find((q) => q.id === QUEUE)!.deadLetters.depth;
    const waiting = await depthInApi();
    expect(waiting).toBeGreaterThanOrEqual(1);

    const { page } = await signedIn('admin', false);
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Operations' }).waitFor();
    const row = page.getByRole('table', { name: 'Dead-letter queues' }).getByRole('row').filter({ has: page.getByRole('cell', { name: QUEUE, exact: true }) });
    const deadLetters = row.getByRole('cell').nth(1);
    await expect.poll(() => deadLetters.textContent()).toBe(String(waiting));

    await row.getByRole('button', { name: 'Redrive', exact: true }).click();
    await row.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `${QUEUE}: moved ${waiting} message` }).waitFor();
    await expect.poll(() => deadLetters.textContent()).toBe('0');
    expect(await depthInApi()).toBe(0);
    session!.expectNoProblems();
  });
});
