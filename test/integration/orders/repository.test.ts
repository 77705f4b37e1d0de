import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import type { Order } from '../../../shared/orders/model.js';
import { getOrderRecord, listOrdersByShopper, listOrdersByStoreDay, putNewOrder, updateOrderStatus } from '../../../shared/orders/repository.js';
import { engines } from '../../support/engines.js';
import { anOrder } from '../../unit/orders/fixtures.js';
import { appError, itemAt } from '../catalog/fixtures.js';

const NOW = new Date('2030-03-04T09:00:00.000Z');
const deps = () => tableDeps({ tableName: engines().tableName, now: () => NOW });
const token = () => randomBytes(4).toString('hex');
const who = { actor: 'it-orders', correlationId: 'it-orders' };

/** A stored order of its own shopper and store, unless told otherwise. */
async function anOrderStored(overrides: Partial<Order> = {}): Promise<Order> {
  const order = anOrder({ id: ulid(), shopperId: `shopper-${token()}`, storeId: `store-${token()}`, ...overrides });
  await putNewOrder(deps(), order);
  return order;
}

/** The outbox event with this id, parsed, or undefined. */
async function outbox(eventId: string) {
  const item = await itemAt(keys.outboxEvent(eventId));
  return item ? { detailType: item.detailType, ...(JSON.parse(item.detail as string) as { correlationId?: string; data: Record<string, unknown> }) } : undefined;
}

const authorizedPayment = { intentId: 'pi_1', authorized: 1090, captured: 0, refunded: 0, status: 'authorized' } as const;

describe('order repository', () => {
  it('stores a new order with its listing keys and reads it back', async () => {
    const order = await anOrderStored();
    expect(await getOrderRecord(deps(), order.id)).toEqual(order);
    expect(await itemAt(keys.order(order.id))).toMatchObject({
      entityType: 'Order',
      schemaVersion: 2,
      gsi1pk: `SHOPPER#${order.shopperId}#ORDERS`,
      gsi1sk: `${order.createdAt}#${order.id}`,
      gsi2pk: `STORE_ORDERS#${order.storeId}#2030-03-04`,
      gsi2sk: `pending#${order.createdAt}#${order.id}`,
    });
  });

  it('refuses a second order with the same POS reference at the same store with a 409, writing nothing, but allows it at another store', async () => {
    const first = await anOrderStored({ channel: 'pos', posReference: 'TILL-3/0042', storeMetadata: { till: 3 }, fulfillment: { mode: 'in-store' } });
    expect(await itemAt(keys.posReference(first.storeId, 'TILL-3/0042'))).toMatchObject({ entityType: 'PosReferenceClaim', orderId: first.id });
    const second = anOrder({ ...first, id: ulid() });
    const error = await appError(putNewOrder(deps(), second));
    expect([error.kind, error.code, error.message]).toEqual(['conflict', 'pos-reference-taken', `Store ${first.storeId} already has an order with POS reference TILL-3/0042.`]);
    expect(await getOrderRecord(deps(), second.id)).toBeUndefined();
    await putNewOrder(deps(), { ...second, storeId: `store-${token()}` });
    expect(await getOrderRecord(deps(), second.id)).toMatchObject({ posReference: 'TILL-3/0042' });
  });

  it('refuses an order id that is taken with a 409 order-exists', async () => {
    const order = await anOrderStored();
    expect((await appError(putNewOrder(deps(), order))).code).toBe('order-exists');
  });

  it('moves an order through the state machine with its history and one order.status-changed per version', async () => {
    const order = await anOrderStored();
    const reserved = await updateOrderStatus(deps(), order, { type: 'reserve', reservationId: 'res-1' }, who);
    const authorized = await updateOrderStatus(deps(), reserved, { type: 'authorize', intentId: 'pi_1', amount: 1090 }, who);
    const stored = await getOrderRecord(deps(), order.id);
    expect(stored).toEqual(authorized);
    expect(stored).toMatchObject({ status: 'authorized', version: 3, reservationId: 'res-1', payment: authorizedPayment });
    expect(stored?.statusHistory.map((c) => [c.from, c.to, c.event, c.actor])).toEqual([
      ['pending', 'reserved', 'reserve', 'it-orders'],
      ['reserved', 'authorized', 'authorize', 'it-orders'],
    ]);
    expect(await itemAt(keys.order(order.id))).toMatchObject({ gsi2sk: `authorized#${order.createdAt}#${order.id}` });
    expect(await outbox(`order-${order.id}-v3`)).toMatchObject({
      detailType: 'order.status-changed',
      correlationId: 'it-orders',
      data: { orderId: order.id, from: 'reserved', to: 'authorized', event: 'authorize', version: 3, payment: { authorized: 1090, captured: 0, refunded: 0 }, currency: 'GBP' },
    });
  });

  it('of two changes computed from the same version, commits exactly one; the other is a 409 order-changed', async () => {
    const order = await anOrderStored({ status: 'authorized', payment: authorizedPayment });
    const results = await Promise.allSettled([
      updateOrderStatus(deps(), order, { type: 'confirm' }, who),
      updateOrderStatus(deps(), order, { type: 'cancel', reason: 'shopper asked' }, who),
      updateOrderStatus(deps(), order, { type: 'fail', reason: 'timeout', code: 'authentication-timeout' }, who),
      updateOrderStatus(deps(), order, { type: 'confirm' }, who),
    ]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code: string }] : []));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.code)).toEqual(['order-changed', 'order-changed', 'order-changed']);
    expect(await getOrderRecord(deps(), order.id)).toEqual(won[0]);
    expect((await outbox(`order-${order.id}-v2`))?.data).toMatchObject({ to: won[0]!.status });
  });

  it('refuses an invalid transition with a 409 and writes nothing', async () => {
    const order = await anOrderStored();
    const error = await appError(updateOrderStatus(deps(), order, { type: 'capture', amount: 100 }, who));
    expect([error.kind, error.code]).toEqual(['conflict', 'invalid-order-transition']);
    expect(error.extensions).toMatchObject({ from: 'pending', to: 'captured', event: 'capture' });
    expect(await getOrderRecord(deps(), order.id)).toEqual(order);
    expect(await outbox(`order-${order.id}-v2`)).toBeUndefined();
  });

  it('writes order.completed with what was picked and captured when an order completes', async () => {
    const order = await anOrderStored({ status: 'picking', payment: authorizedPayment });
    const cheddar = order.lines[1]!.lineId;
    const oatMilk = { sku: 'OATMILK-1', productId: ulid(), name: 'Oat milk' };
    const picks = [
      { lineId: order.lines[0]!.lineId, quantity: { count: 2 }, substitute: oatMilk, total: 250, tax: 0 },
      { lineId: cheddar, quantity: { grams: 540 }, total: 648, tax: 0 },
    ];
    const picked = await updateOrderStatus(deps(), order, { type: 'record-pick', picks }, who);
    const captured = await updateOrderStatus(deps(), picked, { type: 'capture', amount: 898 }, who);
    expect(await outbox(`order-completed-${order.id}`)).toBeUndefined();
    const completed = await updateOrderStatus(deps(), captured, { type: 'complete' }, who);
    expect(completed.status).toBe('completed');
    expect(await outbox(`order-completed-${order.id}`)).toMatchObject({
      detailType: 'order.completed',
      data: {
        orderId: order.id,
        shopperId: order.shopperId,
        storeId: order.storeId,
        currency: 'GBP',
        lines: [
          { sku: 'OATMILK-1', productId: oatMilk.productId, quantity: 2, total: 250 },
          { sku: 'CHEDDAR-1', productId: order.lines[1]!.productId, quantity: 540, total: 648 },
        ],
        total: 898,
        tax: 0,
        completedAt: NOW.toISOString(),
      },
    });
    expect(await outbox(`order-${order.id}-v4`)).toMatchObject({ data: { from: 'captured', to: 'completed' } });
  });

  it('lists a shopper’s orders newest first, a page at a time, and refuses another shopper’s cursor with a 400', async () => {
    const shopperId = `shopper-${token()}`;
    const at = (hour: string) => `2030-03-0${hour}:00:00.000Z`;
    const orders = [];
    for (const createdAt of [at('1T09'), at('2T09'), at('3T09')]) orders.push(await anOrderStored({ shopperId, createdAt, updatedAt: createdAt }));
    await anOrderStored();
    const first = await listOrdersByShopper(deps(), shopperId, { limit: 2 });
    expect(first.orders.map((o) => o.id)).toEqual([orders[2]!.id, orders[1]!.id]);
    const second = await listOrdersByShopper(deps(), shopperId, { limit: 2, cursor: first.nextCursor! });
    expect(second.orders.map((o) => o.id)).toEqual([orders[0]!.id]);
    expect(second.nextCursor).toBeUndefined();
    const foreign = await appError(listOrdersByShopper(deps(), `shopper-${token()}`, { limit: 2, cursor: first.nextCursor! }));
    expect([foreign.kind, foreign.fields]).toEqual(['invalid', [{ field: 'query.cursor', message: 'is not a cursor returned by this API' }]]);
  });

  it('lists a store’s orders of one day, by status when asked, a page at a time', async () => {
    const storeId = `store-${token()}`;
    const stored = async (status: Order['status'], createdAt: string) =>
      anOrderStored({ storeId, status, createdAt, updatedAt: createdAt, payment: status === 'pending' ? anOrder().payment : authorizedPayment });
    const early = await stored('authorized', '2030-03-04T08:00:00.000Z');
    const late = await stored('authorized', '2030-03-04T18:00:00.000Z');
    const pending = await stored('pending', '2030-03-04T12:00:00.000Z');
    await stored('authorized', '2030-03-05T08:00:00.000Z');
    const authorized = await listOrdersByStoreDay(deps(), { storeId, day: '2030-03-04', status: 'authorized' }, { limit: 1 });
    expect(authorized.orders.map((o) => o.id)).toEqual([late.id]);
    const next = await listOrdersByStoreDay(deps(), { storeId, day: '2030-03-04', status: 'authorized' }, { limit: 1, cursor: authorized.nextCursor! });
    expect(next.orders.map((o) => o.id)).toEqual([early.id]);
    const all = await listOrdersByStoreDay(deps(), { storeId, day: '2030-03-04' }, { limit: 10 });
    expect(all.orders.map((o) => o.id)).toEqual([pending.id, late.id, early.id]);
    const moved = await updateOrderStatus(deps(), pending, { type: 'cancel' }, who);
    const cancelled = await listOrdersByStoreDay(deps(), { storeId, day: '2030-03-04', status: 'cancelled' }, { limit: 10 });
    expect(cancelled.orders).toEqual([moved]);
    const otherDay = await appError(listOrdersByStoreDay(deps(), { storeId, day: '2030-03-05' }, { limit: 1, cursor: authorized.nextCursor! }));
    expect(otherDay.kind).toBe('invalid');
  });

  it('leaves out of order.completed the lines of which nothing was handed over', async () => {
    const order = await anOrderStored({ status: 'picking', payment: authorizedPayment });
    const picks = [
      { lineId: order.lines[0]!.lineId, total: 0, tax: 0 },
      { lineId: order.lines[1]!.lineId, quantity: { grams: 480 }, total: 576, tax: 0 },
    ];
    const picked = await updateOrderStatus(deps(), order, { type: 'record-pick', picks }, who);
    const captured = await updateOrderStatus(deps(), picked, { type: 'capture', amount: 576 }, who);
    await updateOrderStatus(deps(), captured, { type: 'complete' }, who);
    expect((await outbox(`order-completed-${order.id}`))?.data).toMatchObject({
      lines: [{ sku: 'CHEDDAR-1', quantity: 480, total: 576 }],
      total: 576,
    });
  });
});
