import { describe, expect, it } from 'vitest';
import { addCartLine, createCart, removeCartLine, updateCartLine } from '../../../shared/carts/carts.js';
import { cartEventId } from '../../../shared/carts/change.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { MAX_LINES } from '../../../shared/carts/model.js';
import { cartItem, getCartRecord } from '../../../shared/carts/repository.js';
import { dynamo } from '../../../shared/db/client.js';
import { engines } from '../../support/engines.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../shared/db/keys.js';
import { aSlot, aStore, aWorld, address, appError, itemAt, NOW, shopper, testDeps } from './fixtures.js';

/** The outbox event written for one cart version, parsed. */
async function eventOf(cartId: string, version: number) {
  const item = await itemAt(keys.outboxEvent(cartEventId({ id: cartId, version })));
  return item ? { source: item.source, detailType: item.detailType, ...(JSON.parse(item.detail as string) as { data: Record<string, unknown> }) } : undefined;
}

describe('carts', () => {
  it('opens an empty cart for the caller in the store’s currency and tax mode, expiring 30 days after the last change', async () => {
    const deps = testDeps();
    const store = await aStore();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    expect(cart).toMatchObject({ shopperId: alice.subject, storeId: store.id, currency: 'GBP', taxMode: 'inclusive', lines: [], coupons: [], loyaltyPoints: 0, status: 'open', version: 1 });
    expect(cart.expiresAt).toBe('2030-04-03T09:00:00.000Z');
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);
    const item = await itemAt(keys.cart(cart.id));
    expect(item).toMatchObject({ entityType: 'Cart', schemaVersion: 2, gsi1pk: `SHOPPER#${alice.subject}#CARTS`, expiresAt: Date.parse(cart.expiresAt) / 1000 });
  });

  it('refuses an unknown store with a 404 naming it, and a closed one with 409', async () => {
    const deps = testDeps();
    const missing = await appError(createCart({ storeId: 'no-such-store' }, shopper(), deps));
    expect([missing.kind, missing.message]).toEqual(['not-found', 'Store no-such-store does not exist.']);
    const closed = await aStore({ status: 'closed' });
    expect((await appError(createCart({ storeId: closed.id }, shopper(), deps))).code).toBe('store-closed');
  });

  it('adds each, weighed and volume lines, merging the same SKU and substitution, with cart.add in the same transaction', async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    await addCartLine(cart.id, { sku: skus.milk, quantity: { count: 2 }, substitution: 'none' }, alice, deps);
    await addCartLine(cart.id, { sku: skus.bananas, quantity: { count: 3 }, substitution: 'best-match' }, alice, deps);
    await addCartLine(cart.id, { sku: skus.cheese, quantity: { grams: 250 }, substitution: 'same-brand' }, alice, deps);
    await addCartLine(cart.id, { sku: skus.oil, quantity: { millilitres: 750 }, substitution: 'none' }, alice, deps);
    const merged = await addCartLine(cart.id, { sku: skus.milk, quantity: { count: 1 }, substitution: 'none' }, alice, deps);
    expect(merged.version).toBe(6);
    expect(merged.lines.map((l) => [l.sku, l.quantity, l.substitution])).toEqual([
      [skus.milk, { count: 3 }, 'none'],
      [skus.bananas, { count: 3, grams: 360 }, 'best-match'],
      [skus.cheese, { grams: 250 }, 'same-brand'],
      [skus.oil, { millilitres: 750 }, 'none'],
    ]);
    const event = await eventOf(cart.id, 6);
    expect(event).toMatchObject({ source: 'smartshelf.carts', detailType: 'cart.add', correlationId: 'it-carts' });
    expect(event?.data).toMatchObject({ cartId: cart.id, cartVersion: 6, merged: true, added: { count: 1 }, line: { sku: skus.milk, quantity: { count: 3 } } });
    expect((await eventOf(cart.id, 3))?.data).toMatchObject({ merged: false, line: { quantity: { count: 3, grams: 360 } } });
  });

  it('lands both of two concurrent adds to one cart, each with its own event', async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const adds = [skus.milk, skus.oil, skus.bananas, skus.cheese].map((sku) =>
      addCartLine(cart.id, { sku, quantity: sku === skus.oil ? { millilitres: 500 } : sku === skus.milk ? { count: 1 } : { grams: 300 }, substitution: 'none' }, alice, deps),
    );
    await Promise.all(adds);
    const stored = await getCartRecord(deps, cart.id);
    expect(stored?.version).toBe(5);
    expect(stored?.lines.map((l) => l.sku).sort()).toEqual([skus.milk, skus.oil, skus.bananas, skus.cheese].sort());
    for (const version of [2, 3, 4, 5]) expect((await eventOf(cart.id, version))?.detailType).toBe('cart.add');
  });

  it('adds concurrently to the same line without losing a unit', async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    await Promise.all(Array.from({ length: 4 }, () => addCartLine(cart.id, { sku: skus.milk, quantity: { count: 2 }, substitution: 'none' }, alice, deps)));
    expect((await getCartRecord(deps, cart.id))?.lines.map((l) => l.quantity)).toEqual([{ count: 8 }]);
  });

  it('changes and removes lines with cart.update events', async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const added = await addCartLine(cart.id, { sku: skus.bananas, quantity: { grams: 500 }, substitution: 'none' }, alice, deps);
    const lineId = added.lines[0]!.lineId;
    const changed = await updateCartLine(cart.id, lineId, { quantity: { count: 4 }, substitution: 'best-match' }, alice, deps);
    expect(changed.lines[0]).toMatchObject({ lineId, quantity: { count: 4, grams: 480 }, substitution: 'best-match' });
    expect((await eventOf(cart.id, 3))?.data).toMatchObject({ change: 'line-updated', status: 'open', line: { lineId, substitution: 'best-match' } });
    const removed = await removeCartLine(cart.id, lineId, alice, deps);
    expect(removed.lines).toEqual([]);
    expect((await eventOf(cart.id, 4))).toMatchObject({ detailType: 'cart.update', data: { change: 'line-removed', line: { lineId } } });
  });

  it('refuses bad lines without changing the cart or writing an event', async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const cases = [
      { input: { sku: 'NO-SUCH-SKU', quantity: { count: 1 } }, kind: 'invalid', field: 'body.sku' },
      { input: { sku: skus.milk, quantity: { grams: 500 } }, kind: 'invalid', field: 'body.quantity' },
      { input: { sku: skus.cheese, quantity: { count: 2 } }, kind: 'invalid', field: 'body.quantity.count' },
      { input: { sku: skus.oil, quantity: { count: 2 } }, kind: 'invalid', field: 'body.quantity' },
      { input: { sku: skus.archived, quantity: { count: 1 } }, kind: 'conflict', code: 'product-archived' },
    ];
    for (const { input, kind, field, code } of cases) {
      const error = await appError(addCartLine(cart.id, { ...input, substitution: 'none' }, alice, deps));
      expect(error.kind, input.sku).toBe(kind);
      if (field) expect(error.fields?.[0]?.field).toBe(field);
      if (code) expect(error.code).toBe(code);
    }
    const missingLine = await appError(updateCartLine(cart.id, '01JZZZZZZZZZZZZZZZZZZZZZZZ', { substitution: 'best-match' }, alice, deps));
    expect(missingLine.kind).toBe('not-found');
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);
    expect(await eventOf(cart.id, 2)).toBeUndefined();
  });

  it(`refuses a line past ${MAX_LINES} with 422, while still merging into an existing one`, async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const first = await addCartLine(cart.id, { sku: skus.milk, quantity: { count: 1 }, substitution: 'none' }, alice, deps);
    const lines = Array.from({ length: MAX_LINES }, (_, i) => ({ ...first.lines[0]!, lineId: `01JAAA${String(i).padStart(20, '0')}`, sku: i === 0 ? skus.milk : `FILLER-${i}` }));
    const full = { ...first, lines };
    await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: cartItem(full) }));
    const error = await appError(addCartLine(cart.id, { sku: skus.oil, quantity: { millilitres: 500 }, substitution: 'none' }, alice, deps));
    expect([error.kind, error.code, error.extensions]).toEqual(['unprocessable', 'cart-too-many-lines', { cartId: cart.id, maxLines: MAX_LINES }]);
    const merged = await addCartLine(cart.id, { sku: skus.milk, quantity: { count: 1 }, substitution: 'none' }, alice, deps);
    expect(merged.lines[0]?.quantity).toEqual({ count: 2 });
  });

  it('hides a cart from every other shopper (404, as for a missing cart) and changes nothing for them', async () => {
    const deps = testDeps();
    const { store, skus } = await aWorld();
    const alice = shopper();
    const mallory = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const withLine = await addCartLine(cart.id, { sku: skus.milk, quantity: { count: 1 }, substitution: 'none' }, alice, deps);
    const attempts = [
      () => addCartLine(cart.id, { sku: skus.milk, quantity: { count: 1 }, substitution: 'none' }, mallory, deps),
      () => updateCartLine(cart.id, withLine.lines[0]!.lineId, { quantity: { count: 5 } }, mallory, deps),
      () => removeCartLine(cart.id, withLine.lines[0]!.lineId, mallory, deps),
      () => addCartLine(cart.id, { sku: skus.milk, quantity: { count: 1 }, substitution: 'none' }, { ...mallory, admin: true }, deps),
    ];
    for (const attempt of attempts) {
      const error = await appError(attempt());
      expect([error.kind, error.message]).toEqual(['not-found', `Cart ${cart.id} does not exist.`]);
    }
    expect(await getCartRecord(deps, cart.id)).toEqual(withLine);
  });

  it('chooses a delivery or pickup slot of the cart’s store, refusing slots it cannot book', async () => {
    const deps = testDeps();
    const { store, slot } = await aWorld();
    const alice = shopper();
    const cart = await createCart({ storeId: store.id }, alice, deps);
    const chosen = await chooseFulfillment(cart.id, { mode: 'delivery', slotId: slot.id, address }, alice, deps);
    expect(chosen.fulfillment).toEqual({ mode: 'delivery', slotId: slot.id, address });
    expect((await eventOf(cart.id, 2))?.data).toMatchObject({ change: 'fulfillment-changed', slotId: slot.id });

    const past = await aSlot(store.id, { startsAt: new Date(NOW.getTime() - 3_600_000).toISOString() });
    const cutOff = await aSlot(store.id, { startsAt: new Date(NOW.getTime() + 3_600_000).toISOString() });
    const full = await aSlot(store.id, { startsAt: new Date(NOW.getTime() + 48 * 3_600_000).toISOString(), held: 5 });
    const pickup = await aSlot(store.id, { mode: 'pickup' });
    const other = await aStore();
    const elsewhere = await aSlot(other.id, { startsAt: new Date(NOW.getTime() + 72 * 3_600_000).toISOString() });
    const refusals: [string, () => Promise<unknown>][] = [
      ['slot-in-past', () => chooseFulfillment(cart.id, { mode: 'delivery', slotId: past.id, address }, alice, deps)],
      ['slot-cut-off', () => chooseFulfillment(cart.id, { mode: 'delivery', slotId: cutOff.id, address }, alice, deps)],
      ['slot-full', () => chooseFulfillment(cart.id, { mode: 'delivery', slotId: full.id, address }, alice, deps)],
      ['validation-failed', () => chooseFulfillment(cart.id, { mode: 'delivery', slotId: pickup.id, address }, alice, deps)],
      ['not-found', () => chooseFulfillment(cart.id, { mode: 'delivery', slotId: elsewhere.id, address }, alice, deps)],
    ];
    for (const [code, attempt] of refusals) {
      const error = await attempt().catch((e: unknown) => e);
      expect((error as { code?: string }).code, code).toBe(code);
    }
    expect(await getCartRecord(deps, cart.id)).toEqual(chosen);
    const picked = await chooseFulfillment(cart.id, { mode: 'pickup', slotId: pickup.id }, alice, deps);
    expect(picked.fulfillment).toEqual({ mode: 'pickup', slotId: pickup.id });
  });
});
