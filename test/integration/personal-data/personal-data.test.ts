import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { tableDeps, type TableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import type { Order } from '../../../shared/orders/model.js';
import { orderItem } from '../../../shared/orders/repository.js';
import { ERASED } from '../../../shared/personal-data/anonymise.js';
import { getErasure, requestErasure, runErasure, type ErasureDeps } from '../../../shared/personal-data/erasure.js';
import { getExportRecord, runExport, startExport, viewExport, type ExportDeps } from '../../../shared/personal-data/exports.js';
import { applyRetention } from '../../../shared/personal-data/retention-job.js';
import { FakeBilling } from '../../support/fake-billing.js';
import { engines, testDynamo, testS3, uniqueId } from '../../support/engines.js';
import { anOrder } from '../../unit/orders/fixtures.js';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const db = testDynamo();
const s3 = testS3();
const base = (): TableDeps => tableDeps({ db, tableName: engines().tableName, now: () => NOW });
const exportDeps = (): ExportDeps => ({ ...base(), s3, presigner: s3, bucket: engines().buckets.exports });

/** Erasure's dependencies with ports that record each call (and, for billing, go to a fake billing system). */
function erasureDeps(billing = new FakeBilling()) {
  const calls = { passes: [] as string[][], detached: [] as string[], paymentCustomers: [] as string[][], identities: [] as string[] };
  const deps: ErasureDeps = {
    ...base(),
    s3,
    bucket: engines().buckets.exports,
    ports: {
      cancelDeliveryPass: async (id, key) => {
        calls.passes.push([id, key]);
        await billing.cancelSubscription(id, { atPeriodEnd: false }, key);
      },
      eraseBillingCustomer: async (id, key) => {
        await billing.anonymiseCustomer(id, key);
      },
      detachPaymentMethods: (shopperId) => {
        calls.detached.push(shopperId);
        return Promise.resolve();
      },
      deletePaymentCustomer: (customerId, key) => {
        calls.paymentCustomers.push([customerId, key]);
        return Promise.resolve();
      },
      deleteIdentity: (shopperId) => {
        calls.identities.push(shopperId);
        return Promise.resolve();
      },
    },
  };
  return { deps, calls, billing };
}

const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: engines().tableName, Item: item }));
const get = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: engines().tableName, Key: key, ConsistentRead: true }))).Item;

/** A delivered order of `shopperId`, with its sale in the books of the day it completed. */
async function deliveredOrder(shopperId: string, overrides: Partial<Order> = {}): Promise<Order> {
  const at = '2026-11-02T09:00:00.000Z';
  const order = anOrder({
    id: ulid(),
    shopperId,
    status: 'completed',
    fulfillment: { mode: 'delivery', slotId: '2026-11-02T08:00Z~delivery', address: { line1: '12 Juniper Row', line2: 'Flat 4', city: 'Lewisham', postcode: 'SE13 7QA', country: 'GB' } },
    fulfillmentStatus: 'delivered',
    payment: { intentId: `pi_${ulid()}`, method: 'pm_card_visa', authorized: 1000, captured: 1000, refunded: 0, status: 'captured', action: { type: 'redirect', clientSecret: 'pi_secret_x' } },
    statusHistory: [
      { from: 'pending', to: 'reserved', event: 'checkout', at, actor: shopperId },
      { from: 'captured', to: 'completed', event: 'complete', at, actor: 'system' },
    ],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
  await put(orderItem(order));
  await put({ ...keys.financialRecord('2026-11-02', 'SALE', order.id), entityType: 'BooksSale', orderId: order.id, shopperId, storeId: order.storeId, total: 1000, tax: 0, currency: 'GBP', at });
  await put({ ...keys.invoiceByOrder(order.id), entityType: 'BillingInvoice', orderId: order.id, invoiceReference: `in_${order.id}`, status: 'paid' });
  return order;
}

/** A shopper with a profile, an address, a list, loyalty points, a cart, a billing customer and a delivered order. */
async function shopperWithEverything(name: string) {
  const shopperId = uniqueId('shopper');
  const email = `${name.toLowerCase()}.${shopperId.slice(-6)}@example.com`;
  await put({ ...keys.shopperProfile(shopperId), entityType: 'ShopperProfile', shopperId, givenName: name, email, phone: '+447700900123', marketingConsent: { granted: true, at: NOW.toISOString() }, paymentCustomerId: 'cus_x' });
  await put({ ...keys.shopperAddress(shopperId, 'A1'), entityType: 'ShopperAddress', id: 'A1', line1: `1 ${name} Lane`, city: 'London', postcode: 'SE1 9SG', country: 'GB' });
  await put({ ...keys.shoppingList(shopperId, 'L1'), entityType: 'ShoppingList', id: 'L1', name: `${name}'s weekly shop`, lines: [{ sku: 'MILK-1', quantity: 2 }] });
  await put({ ...keys.loyaltyAccount(shopperId), entityType: 'LoyaltyAccount', shopperId, balance: 35, loyaltyId: `LID${shopperId.slice(-8)}` });
  await put({ ...keys.loyaltyId(`LID${shopperId.slice(-8)}`), entityType: 'LoyaltyIdClaim', shopperId });
  await put({ ...keys.cart(`cart-${shopperId}`), ...keys.cartsByShopper(shopperId, NOW.toISOString()), entityType: 'Cart', id: `cart-${shopperId}`, shopperId, status: 'open' });
  await put({ ...keys.billingCustomer(shopperId), entityType: 'BillingCustomer', shopperId, billingCustomerId: `cus_b_${shopperId}` });
  await put({ ...keys.shopperByBillingCustomer(`cus_b_${shopperId}`), entityType: 'BillingCustomerRef', shopperId, billingCustomerId: `cus_b_${shopperId}` });
  const order = await deliveredOrder(shopperId);
  return { shopperId, email, order };
}

describe('exporting a shopper’s personal data', () => {
  it('writes one JSON document with everything of the shopper and nothing of anyone else, downloadable through its link', async () => {
    const sam = await shopperWithEverything('Samwise');
    const other = await shopperWithEverything('Rosie');
    const started = await startExport(sam.shopperId, { actor: sam.shopperId }, base());
    expect(started.status).toBe('requested');

    await expect(startExport(sam.shopperId, { actor: sam.shopperId }, base())).rejects.toMatchObject({ code: 'export-in-progress', extensions: { exportId: started.id } });

    expect(await runExport(sam.shopperId, started.id, exportDeps())).toBe('ready');
    expect(await runExport(sam.shopperId, started.id, exportDeps())).toBe('already-ready');

    const view = await viewExport(sam.shopperId, started.id, exportDeps());
    expect(view).toMatchObject({ id: started.id, status: 'ready', download: { url: expect.stringMatching(/^http/), sizeBytes: expect.any(Number) } });
    const downloaded = await fetch(view.download!.url);
    expect(downloaded.status).toBe(200);
    const text = await downloaded.text();
    const document = JSON.parse(text) as Record<string, unknown>;
    expect(document).toMatchObject({ format: 'smartshelf.personal-data', shopperId: sam.shopperId });
    for (const expected of [sam.email, '+447700900123', '1 Samwise Lane', "Samwise's weekly shop", sam.order.id, '12 Juniper Row', 'pm_card_visa', `in_${sam.order.id}`, `cus_b_${sam.shopperId}`, `cart-${sam.shopperId}`]) {
      expect(text).toContain(expected);
    }
    for (const unexpected of [other.shopperId, other.email, 'Rosie', other.order.id, 'pi_secret_x']) expect(text).not.toContain(unexpected);

    // Another shopper's id finds nothing, exactly like a missing export.
    await expect(viewExport(other.shopperId, started.id, exportDeps())).rejects.toMatchObject({ kind: 'not-found' });
    // Ready: the next export may start.
    await expect(startExport(sam.shopperId, { actor: sam.shopperId }, base())).resolves.toMatchObject({ status: 'requested' });
  });

  it('audits an export that staff started for a customer, with their reason', async () => {
    const { shopperId } = await shopperWithEverything('Frodo');
    const started = await startExport(shopperId, { actor: 'staff-cs-1', reason: 'Customer asked by phone, ticket 881' }, base());
    const record = await getExportRecord(shopperId, started.id, base());
    expect(record).toMatchObject({ requestedBy: 'staff-cs-1' });
    const audit = await db.send(
      new QueryCommand({
        TableName: engines().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `AUDIT#shopper#${shopperId}` },
      }),
    );
    expect(audit.Items).toEqual([expect.objectContaining({ action: 'export-personal-data', actor: 'staff-cs-1', after: { exportId: started.id, reason: 'Customer asked by phone, ticket 881' } })]);
  });
});

describe('erasing a shopper', () => {
  it('refuses while an order is in flight, saying which, and changes nothing', async () => {
    const { shopperId } = await shopperWithEverything('Pippin');
    const moving = await deliveredOrder(shopperId, { status: 'completed', fulfillmentStatus: 'dispatched' });
    await expect(requestErasure(shopperId, { actor: shopperId }, base())).rejects.toMatchObject({ code: 'orders-in-flight', extensions: { orderIds: [moving.id] } });
    expect(await getErasure(shopperId, base())).toBeUndefined();
    expect(await get(keys.shopperProfile(shopperId))).toBeDefined();
  });

  it('deletes the account, keeps the order, its books line and its invoice anonymised, and a second run changes nothing', async () => {
    const sam = await shopperWithEverything('Merry');
    const other = await shopperWithEverything('Lobelia');
    const exported = await startExport(sam.shopperId, { actor: sam.shopperId }, base());
    await runExport(sam.shopperId, exported.id, exportDeps());
    const exportKey = (await getExportRecord(sam.shopperId, exported.id, base()))!.objectKey!;

    const { erasure, accepted } = await requestErasure(sam.shopperId, { actor: sam.shopperId }, base());
    expect(accepted).toBe(true);
    expect(erasure).toMatchObject({ status: 'requested', pseudonym: `erased-${erasure.id}` });
    const { deps, calls, billing } = erasureDeps();
    expect(await runErasure(sam.shopperId, deps)).toBe('erased');

    // The account and what is only the shopper's: gone.
    for (const key of [keys.shopperProfile(sam.shopperId), keys.shopperAddress(sam.shopperId, 'A1'), keys.shoppingList(sam.shopperId, 'L1'), keys.personalDataExport(sam.shopperId, exported.id), keys.loyaltyAccount(sam.shopperId), keys.cart(`cart-${sam.shopperId}`), keys.billingCustomer(sam.shopperId), keys.shopperByBillingCustomer(`cus_b_${sam.shopperId}`), keys.loyaltyId(`LID${sam.shopperId.slice(-8)}`)]) {
      expect(await get(key), key.pk).toBeUndefined();
    }
    await expect(s3.send(new GetObjectCommand({ Bucket: engines().buckets.exports, Key: exportKey }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    // The outside world was told.
    expect(billing.anonymised.has(`cus_b_${sam.shopperId}`)).toBe(true);
    expect(calls).toEqual({ passes: [], detached: [sam.shopperId], paymentCustomers: [['cus_x', `erase-payment-customer:${erasure.id}`]], identities: [sam.shopperId] });

    // The financial records: kept, naming nobody.
    const kept = await get(keys.order(sam.order.id));
    expect(kept).toMatchObject({ shopperId: erasure.pseudonym, totals: sam.order.totals, fulfillment: { mode: 'delivery', address: { line1: ERASED, city: ERASED, postcode: 'SE13', country: 'GB' } } });
    expect(kept!.gsi1pk).toBe(`SHOPPER#${erasure.pseudonym}#ORDERS`);
    const books = await get(keys.financialRecord('2026-11-02', 'SALE', sam.order.id));
    expect(books).toMatchObject({ shopperId: erasure.pseudonym, total: 1000 });
    expect(await get(keys.invoiceByOrder(sam.order.id))).toMatchObject({ invoiceReference: `in_${sam.order.id}` });
    for (const item of [kept, books]) {
      const text = JSON.stringify(item);
      for (const personal of [sam.shopperId, 'Juniper', 'Flat 4', 'Lewisham', '7QA', 'pi_secret_x']) expect(text).not.toContain(personal);
    }

    // Announced once, with ids only.
    const event = await get(keys.outboxEvent(`customer-erased-${sam.shopperId}`));
    expect(JSON.parse(String(event!.detail))).toMatchObject({ data: { shopperId: sam.shopperId, erasureId: erasure.id, pseudonym: erasure.pseudonym, ordersKept: 1 } });

    // A second run, and a second request, change nothing.
    const before = await Promise.all([get(keys.order(sam.order.id)), get(keys.personalDataErasure(sam.shopperId)), books]);
    expect(await runErasure(sam.shopperId, erasureDeps().deps)).toBe('already-erased');
    const again = await requestErasure(sam.shopperId, { actor: sam.shopperId }, base());
    expect(again).toEqual({ erasure: expect.objectContaining({ id: erasure.id, status: 'erased' }), accepted: false });
    expect(await Promise.all([get(keys.order(sam.order.id)), get(keys.personalDataErasure(sam.shopperId)), get(keys.financialRecord('2026-11-02', 'SALE', sam.order.id))])).toEqual([
      before[0],
      before[1],
      books,
    ]);

    // Nobody else was touched.
    expect(await get(keys.shopperProfile(other.shopperId))).toMatchObject({ email: other.email });
    expect(await get(keys.order(other.order.id))).toMatchObject({ shopperId: other.shopperId });
  });

  it('ends the shopper’s delivery passes at once, billing told once, and finishes every outside step when a crashed erasure is rerun', async () => {
    const { shopperId } = await shopperWithEverything('Bilbo');
    const pass = async (id: string, fields: Record<string, unknown>) => {
      const createdAt = '2026-10-01T09:00:00.000Z';
      await put({ ...keys.subscription(id), ...keys.subscriptionsByShopper(shopperId, createdAt, id), entityType: 'Subscription', schemaVersion: 1, id, shopperId, plan: 'delivery-pass-monthly', createdAt, updatedAt: createdAt, ...fields });
    };
    const [atPeriodEnd, pending, ended] = [uniqueId('sub-period'), uniqueId('sub-pending'), uniqueId('sub-ended')];
    // Cancelled by the shopper to run to its period's end: erasure ends it now. Pending (not in billing yet): ended here. Already over: left alone.
    await pass(atPeriodEnd, { status: 'active', rank: 2, statusEventAt: '2026-10-01T09:00:01.000Z', billingCustomerId: `cus_b_${shopperId}`, billingSubscriptionId: `bsub-${atPeriodEnd}`, cancelRequestedAt: '2026-11-20T08:00:00.000Z', cancelAtPeriodEnd: true });
    await pass(pending, { status: 'pending', rank: 0 });
    await pass(ended, { status: 'cancelled', rank: 3, statusEventAt: '2026-10-02T09:00:00.000Z', billingSubscriptionId: `bsub-${ended}` });
    const { erasure } = await requestErasure(shopperId, { actor: shopperId }, base());

    // The first run crashes at the last outside step (sign-in unreachable); the retried message finishes the job.
    const { deps, calls, billing } = erasureDeps();
    const unreachable = new Error('Cognito is unreachable');
    const crashing: ErasureDeps = { ...deps, ports: { ...deps.ports, deleteIdentity: () => Promise.reject(unreachable) } };
    await expect(runErasure(shopperId, crashing)).rejects.toBe(unreachable);
    expect(await get(keys.subscription(atPeriodEnd))).toMatchObject({ shopperId, status: 'cancelled', cancelAtPeriodEnd: false });
    expect(await runErasure(shopperId, deps)).toBe('erased');
    expect(await runErasure(shopperId, deps)).toBe('already-erased');

    // Billing ended the running pass once, under the erasure's key, at once; the pending one never reached it.
    expect(calls.passes).toEqual([[`bsub-${atPeriodEnd}`, `erase-subscription:${erasure.id}:${atPeriodEnd}`]]);
    expect(billing.cancellations.get(`bsub-${atPeriodEnd}`)).toEqual({ atPeriodEnd: false });
    expect(billing.calls.filter((c) => c.method === 'cancelSubscription')).toHaveLength(1);
    // The provider's customer deleted after its methods were detached (each repeat under the same key), sign-in once it answered.
    expect(calls.paymentCustomers).toEqual([
      ['cus_x', `erase-payment-customer:${erasure.id}`],
      ['cus_x', `erase-payment-customer:${erasure.id}`],
    ]);
    expect(calls.detached).toEqual([shopperId, shopperId]);
    expect(calls.identities).toEqual([shopperId]);

    // Both passes ended, and every pass kept under the pseudonym; the one already over as it was.
    for (const id of [atPeriodEnd, pending]) {
      expect(await get(keys.subscription(id))).toMatchObject({ shopperId: erasure.pseudonym, status: 'cancelled', rank: 3, cancelAtPeriodEnd: false, cancelRequestedAt: expect.any(String) });
    }
    expect(await get(keys.subscription(atPeriodEnd))).toMatchObject({ cancelRequestedAt: '2026-11-20T08:00:00.000Z' });
    expect(await get(keys.subscription(ended))).toMatchObject({ shopperId: erasure.pseudonym, status: 'cancelled', statusEventAt: '2026-10-02T09:00:00.000Z' });
    expect(await get(keys.subscription(ended))).not.toHaveProperty('cancelRequestedAt');
  });

  it('ends in billing a pending pass whose billing id the sync worker stored while the erasure looked', async () => {
    const { shopperId } = await shopperWithEverything('Hamfast');
    const id = uniqueId('sub-racing');
    const createdAt = '2026-10-01T09:00:00.000Z';
    await put({ ...keys.subscription(id), ...keys.subscriptionsByShopper(shopperId, createdAt, id), entityType: 'Subscription', schemaVersion: 1, id, shopperId, plan: 'delivery-pass-annual', status: 'pending', rank: 0, createdAt, updatedAt: createdAt });
    const { erasure } = await requestErasure(shopperId, { actor: shopperId }, base());
    const { deps, calls } = erasureDeps();
    // The worker stores billing's id between the erasure's read of the passes and its cancel of this one.
    const racing: ErasureDeps = {
      ...deps,
      db: {
        send: async (command: { input?: { Key?: { pk?: string } } }) => {
          if (command.input?.Key?.pk === keys.subscription(id).pk && calls.passes.length === 0) {
            await db.send(new PutCommand({ TableName: engines().tableName, Item: { ...(await get(keys.subscription(id)))!, billingSubscriptionId: `bsub-${id}`, billingCustomerId: `cus_b_${shopperId}` } }));
          }
          return (db.send as (c: unknown) => Promise<unknown>)(command);
        },
      } as unknown as ErasureDeps['db'],
    };
    expect(await runErasure(shopperId, racing)).toBe('erased');
    expect(calls.passes).toEqual([[`bsub-${id}`, `erase-subscription:${erasure.id}:${id}`]]);
    expect(await get(keys.subscription(id))).toMatchObject({ shopperId: erasure.pseudonym, status: 'cancelled', billingSubscriptionId: `bsub-${id}` });
  });
});

describe('the retention run', () => {
  it('deletes a GB store’s financial records past six years, keeps a French store’s, and a rerun changes nothing', async () => {
    // A table of its own: the run reads every store and deletes across them, and its bare stores would be read by the
    // other files' store listings in the shared table.
    const tableName = uniqueId('retention');
    const client = localDynamoClient(engines().endpoints.dynamodb);
    await migrate({ tableName, client, log: () => undefined, migrations: [] });
    client.destroy();
    const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: tableName, Item: item }));
    const get = async (key: { pk: string; sk: string }) => (await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    const base = (): TableDeps => tableDeps({ db, tableName, now: () => NOW });
    const gbStore = uniqueId('ret-gb');
    const frStore = uniqueId('ret-fr');
    for (const [id, taxJurisdiction] of [[gbStore, 'GB'], [frStore, 'FR']] as const) {
      await put({ ...keys.store(id), ...keys.storeListing(id), entityType: 'Store', id, taxJurisdiction });
    }
    const day = '2019-02-11';
    const at = `${day}T09:00:00.000Z`;
    const make = async (storeId: string) => {
      const order = anOrder({ id: ulid(), shopperId: 'erased-x', storeId, status: 'completed', createdAt: at, updatedAt: at });
      await put(orderItem(order));
      await put({ ...keys.orderRefund(order.id, 'r1'), entityType: 'OrderRefund', amount: 100 });
      await put({ ...keys.invoiceByOrder(order.id), entityType: 'BillingInvoice', orderId: order.id, invoiceReference: `in_${order.id}` });
      await put({ ...keys.orderByInvoice(`in_${order.id}`), entityType: 'InvoiceRef', orderId: order.id });
      await put({ ...keys.financialRecord(day, 'SALE', order.id), entityType: 'BooksSale', orderId: order.id, storeId, total: 1000 });
      return order;
    };
    const gbOrder = await make(gbStore);
    const frOrder = await make(frStore);
    // Six years (of 366 days) and three days after the sale: inside the catch-up window of the GB cutoff.
    const now = new Date(Date.parse(at) + (6 * 366 + 3) * 86_400_000);

    const first = await applyRetention(now, base());
    expect(first.windows).toEqual(expect.arrayContaining([expect.objectContaining({ storeId: gbStore, jurisdiction: 'GB' })]));
    for (const key of [keys.order(gbOrder.id), keys.orderRefund(gbOrder.id, 'r1'), keys.invoiceByOrder(gbOrder.id), keys.orderByInvoice(`in_${gbOrder.id}`), keys.financialRecord(day, 'SALE', gbOrder.id)]) {
      expect(await get(key), key.pk).toBeUndefined();
    }
    for (const key of [keys.order(frOrder.id), keys.orderRefund(frOrder.id, 'r1'), keys.invoiceByOrder(frOrder.id), keys.financialRecord(day, 'SALE', frOrder.id)]) {
      expect(await get(key), key.pk).toBeDefined();
    }
    expect(first).toMatchObject({ ordersDeleted: 1, booksDeleted: 1, itemsDeleted: 4 });

    const second = await applyRetention(now, base());
    expect(second).toEqual({ ...first, ordersDeleted: 0, itemsDeleted: 0, booksDeleted: 0 });
    expect(await get(keys.order(frOrder.id))).toBeDefined();
  });
});
