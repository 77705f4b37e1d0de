import { describe, expect, it } from 'vitest';
import { addCartLine, createCart, updateCartLine } from '../../../shared/carts/carts.js';
import { cartEventId } from '../../../shared/carts/change.js';
import type { CartActor, CartDeps } from '../../../shared/carts/deps.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import type { SQSEvent } from 'aws-lambda';
import { stockReleasedV1 } from '../../../events/inventory/stock-released.v1.js';
import { handler as reopenExpired } from '../../../functions/carts/reopen-expired-hold.js';
import { holdCart, holdReservationId, releaseCartHold, reopenExpiredHold } from '../../../shared/carts/hold.js';
import { inventoryDeps } from '../../../shared/inventory/deps.js';
import { releaseReservation } from '../../../shared/inventory/reservations.js';
import { lambdaContext } from '../../support/lambda.js';
import { delivered, sqsRecord } from '../search/fixtures.js';
import { getCartRecord } from '../../../shared/carts/repository.js';
import { keys } from '../../../shared/db/keys.js';
import { aSlot, aWorld, address, appError, heldOf, itemAt, NOW, shopper, stockOf, testDeps, type World } from './fixtures.js';

/** A cart at the world's store with milk ×3, bananas ×4 (480 g) and 750 ml of oil, delivered in `slotId`. */
async function fullCart(world: World, deps: CartDeps, who: CartActor, slotId = world.slot.id) {
  const cart = await createCart({ storeId: world.store.id }, who, deps);
  await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 3 }, substitution: 'none' }, who, deps);
  await addCartLine(cart.id, { sku: world.skus.bananas, quantity: { count: 4 }, substitution: 'best-match' }, who, deps);
  await addCartLine(cart.id, { sku: world.skus.oil, quantity: { millilitres: 750 }, substitution: 'none' }, who, deps);
  return chooseFulfillment(cart.id, { mode: 'delivery', slotId, address }, who, deps);
}

const reopenHandler = reopenExpired as unknown as (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

describe('basket hold', () => {
  it('holds every line (weighed ones in grams) and the slot in one transaction, and a repeat returns the same hold', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const alice = shopper();
    const cart = await fullCart(world, deps, alice);
    const held = await holdCart(cart.id, alice, deps);
    expect(held).toMatchObject({
      status: 'held',
      version: cart.version + 1,
      hold: { reservationId: holdReservationId(cart), holdUntil: '2030-03-04T09:15:00.000Z', cartVersion: cart.version },
    });
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 17, reserved: 3 });
    expect(await stockOf(world.skus.bananas, world.store.id)).toEqual({ available: 4_520, reserved: 480 });
    expect(await stockOf(world.skus.oil, world.store.id)).toEqual({ available: 4_250, reserved: 750 });
    expect(await heldOf(world.slot)).toBe(1);
    const reservation = await itemAt(keys.reservation(holdReservationId(cart)));
    expect(reservation).toMatchObject({ status: 'held', ownerRef: `cart:${cart.id}`, storeId: world.store.id });
    const event = JSON.parse((await itemAt(keys.outboxEvent(cartEventId(held))))?.detail as string) as { data: unknown };
    expect(event.data).toMatchObject({ change: 'held', status: 'held', reservationId: holdReservationId(cart), slotId: world.slot.id });

    expect(await holdCart(cart.id, alice, deps)).toEqual(held);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 17, reserved: 3 });
    expect(await heldOf(world.slot)).toBe(1);
  });

  it('holds nothing when one line is short, and names every short line', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 2, oil: 100 });
    const alice = shopper();
    const cart = await fullCart(world, deps, alice);
    const error = await appError(holdCart(cart.id, alice, deps));
    expect([error.kind, error.code]).toEqual(['conflict', 'insufficient-stock']);
    expect(error.extensions?.shortLines).toEqual([
      { sku: world.skus.milk, requested: 3, available: 2 },
      { sku: world.skus.oil, requested: 750, available: 100 },
    ]);
    expect(await stockOf(world.skus.bananas, world.store.id)).toEqual({ available: 5_000, reserved: 0 });
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 2, reserved: 0 });
    expect(await heldOf(world.slot)).toBe(0);
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);
    expect(await itemAt(keys.outboxEvent(cartEventId({ id: cart.id, version: cart.version + 1 })))).toBeUndefined();
  });

  it('gives the last unit of a slot to one of two racing holds; the other holds no stock', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const slot = await aSlot(world.store.id, { startsAt: new Date(NOW.getTime() + 30 * 3_600_000).toISOString(), capacity: 1 });
    const [alice, bob] = [shopper(), shopper()];
    const carts = [await fullCart(world, deps, alice, slot.id), await fullCart(world, deps, bob, slot.id)];
    const outcomes = await Promise.allSettled([holdCart(carts[0]!.id, alice, deps), holdCart(carts[1]!.id, bob, deps)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const loser = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ code: 'slot-full' });
    expect(await heldOf(slot)).toBe(1);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 17, reserved: 3 });
    expect(await stockOf(world.skus.bananas, world.store.id)).toEqual({ available: 4_520, reserved: 480 });
  });

  it('releases stock and slot and reopens the cart; releasing again changes nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const alice = shopper();
    const cart = await fullCart(world, deps, alice);
    const held = await holdCart(cart.id, alice, deps);
    const editing = await appError(updateCartLine(cart.id, held.lines[0]!.lineId, { quantity: { count: 1 } }, alice, deps));
    expect([editing.kind, editing.code]).toEqual(['conflict', 'cart-not-open']);

    const released = await releaseCartHold(cart.id, alice, deps);
    expect(released).toMatchObject({ status: 'open', version: held.version + 1 });
    expect(released.hold).toBeUndefined();
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 20, reserved: 0 });
    expect(await stockOf(world.skus.bananas, world.store.id)).toEqual({ available: 5_000, reserved: 0 });
    expect(await heldOf(world.slot)).toBe(0);
    expect(await itemAt(keys.reservation(held.hold!.reservationId))).toMatchObject({ status: 'released', releaseReason: 'cancelled' });
    const event = JSON.parse((await itemAt(keys.outboxEvent(cartEventId(released))))?.detail as string) as { data: unknown };
    expect(event.data).toMatchObject({ change: 'released', status: 'open' });

    expect(await releaseCartHold(cart.id, alice, deps)).toEqual(released);
    expect(await heldOf(world.slot)).toBe(0);
    const again = await updateCartLine(cart.id, held.lines[0]!.lineId, { quantity: { count: 1 } }, alice, deps);
    expect(again.lines[0]?.quantity).toEqual({ count: 1 });
  });

  it('lets only one of two racing releases give the slot back', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const alice = shopper();
    const cart = await fullCart(world, deps, alice);
    await holdCart(cart.id, alice, deps);
    await Promise.all([releaseCartHold(cart.id, alice, deps), releaseCartHold(cart.id, alice, deps)]);
    expect(await heldOf(world.slot)).toBe(0);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 20, reserved: 0 });
    expect((await getCartRecord(deps, cart.id))?.status).toBe('open');
  });

  it('takes a new hold once the old one has run out, giving the old stock and slot back first', async () => {
    const world = await aWorld();
    const alice = shopper();
    const cart = await fullCart(world, testDeps(), alice);
    const first = await holdCart(cart.id, alice, testDeps());
    const later = testDeps({ now: () => new Date(NOW.getTime() + 20 * 60_000) });
    const second = await holdCart(cart.id, alice, later);
    expect(second.hold?.reservationId).not.toBe(first.hold?.reservationId);
    expect(await itemAt(keys.reservation(first.hold!.reservationId))).toMatchObject({ status: 'released' });
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 17, reserved: 3 });
    expect(await heldOf(world.slot)).toBe(1);
  });

  it('refuses to hold an empty cart, a cart without a slot, a slot gone past, and another shopper’s cart', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const alice = shopper();
    const empty = await createCart({ storeId: world.store.id }, alice, deps);
    expect((await appError(holdCart(empty.id, alice, deps))).code).toBe('cart-empty');
    const noSlot = await addCartLine(empty.id, { sku: world.skus.milk, quantity: { count: 1 }, substitution: 'none' }, alice, deps);
    expect((await appError(holdCart(noSlot.id, alice, deps))).code).toBe('fulfillment-missing');
    const withSlot = await chooseFulfillment(noSlot.id, { mode: 'delivery', slotId: world.slot.id, address }, alice, deps);
    const tooLate = testDeps({ now: () => new Date(Date.parse(world.slot.startsAt) + 60_000) });
    expect((await appError(holdCart(withSlot.id, alice, tooLate))).code).toBe('slot-in-past');
    expect((await appError(holdCart(withSlot.id, shopper(), deps))).kind).toBe('not-found');
    expect(await getCartRecord(deps, withSlot.id)).toEqual(withSlot);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 20, reserved: 0 });
    expect(await heldOf(world.slot)).toBe(0);
  });

  it('reopens a cart and gives its slot back when inventory releases its expired hold, once however often the event arrives', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const alice = shopper();
    const cart = await fullCart(world, deps, alice);
    const held = await holdCart(cart.id, alice, deps);
    const reservationId = held.hold!.reservationId;
    const later = inventoryDeps({ tableName: deps.tableName, now: () => new Date(NOW.getTime() + 16 * 60_000) });
    await releaseReservation(reservationId, 'expired', later);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 20, reserved: 0 });
    expect(await heldOf(world.slot)).toBe(1);

    const event = delivered(stockReleasedV1, {
      reservationId,
      storeId: world.store.id,
      ownerRef: `cart:${cart.id}`,
      reason: 'expired',
      lines: [{ sku: world.skus.milk, quantity: 3 }],
    });
    const result = await reopenHandler({ Records: [sqsRecord(event), sqsRecord(event)] }, lambdaContext('carts-reopen-expired-hold'));
    expect(result).toEqual({ batchItemFailures: [] });
    // The handler runs on the real clock, so read the cart on it too (the fixtures' clock is years ahead).
    const reopened = await getCartRecord(testDeps({ now: () => new Date() }), cart.id);
    expect(reopened).toMatchObject({ status: 'open', version: held.version + 1 });
    expect(reopened?.hold).toBeUndefined();
    expect(await heldOf(world.slot)).toBe(0);
    expect(await reopenExpiredHold({ reservationId, ownerRef: `cart:${cart.id}`, reason: 'expired' }, deps)).toBe(false);
    expect(await reopenExpiredHold({ reservationId: 'other', ownerRef: 'order:123', reason: 'expired' }, deps)).toBe(false);
    expect(await heldOf(world.slot)).toBe(0);
  });
});

