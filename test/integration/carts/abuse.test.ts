import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as applyCouponHandler } from '../../../functions/carts/apply-coupon.js';
import { handler as holdHandler } from '../../../functions/carts/hold-cart.js';
import { handler as checkoutHandler } from '../../../functions/checkout/start-checkout.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { addCartLine, createCart } from '../../../shared/carts/carts.js';
import { applyCoupon } from '../../../shared/carts/coupons.js';
import type { CartActor, CartDeps } from '../../../shared/carts/deps.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { HOLD_LIMITS } from '../../../shared/carts/hold-limits.js';
import { holdCart, releaseCartHold, reopenExpiredHold } from '../../../shared/carts/hold.js';
import type { CartLine } from '../../../shared/carts/model.js';
import { releaseOrderHold } from '../../../shared/carts/order-holds.js';
import { getCartRecord } from '../../../shared/carts/repository.js';
import { checkoutDeps } from '../../../shared/checkout/deps.js';
import { startCheckout } from '../../../shared/checkout/start.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import { keys } from '../../../shared/db/keys.js';
import { inventoryDeps } from '../../../shared/inventory/deps.js';
import { releaseReservation } from '../../../shared/inventory/reservations.js';
import { RateLimitedError } from '../../../shared/limits/rate-limiter.js';
import { engines } from '../../support/engines.js';
import { checkoutOnlyGateway } from '../../support/payment-provider.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { aPromotion, aSlot, aWorld, address, appError, heldOf, itemAt, NOW, shopper, stockOf, testDeps, uniqueCode, type World } from './fixtures.js';

/**
 * The abuse cases of issue 11 that carts answer, each a test that failed before the fix: one shopper hoarding a SKU and
 * a slot with basket after basket (below the minimum order, or past the per-SKU cap), holds and checkouts fired as fast
 * as a script can, and coupon codes guessed by telling an unknown code from a real one that does not apply.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const principalOf = (who: CartActor): Principal => ({ subject: who.subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read'], stores: [] });

async function call(handler: unknown, input: { method: string; resource: string; pathParameters?: Record<string, string>; body?: unknown; headers?: Record<string, string>; principal: Principal }) {
  const body = input.body === undefined ? null : JSON.stringify(input.body);
  const response = await (handler as Handler)(apiEvent({ ...input, headers: { 'Content-Type': 'application/json', ...input.headers }, body }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, body: response.body };
}

/** A basket of `lines` at the world's store, delivered in `slotId`. */
async function basket(world: World, deps: CartDeps, who: CartActor, lines: Pick<CartLine, 'sku' | 'quantity'>[], slotId = world.slot.id): Promise<string> {
  const cart = await createCart({ storeId: world.store.id }, who, deps);
  for (const line of lines) await addCartLine(cart.id, { ...line, substitution: 'none' }, who, deps);
  await chooseFulfillment(cart.id, { mode: 'delivery', slotId, address }, who, deps);
  return cart.id;
}

/** What the shopper's hold limits item counts at the store: active holds, and the quantity held of one SKU. */
async function limitsOf(who: CartActor, world: World, sku: string): Promise<{ active: number; held: number }> {
  const item = await itemAt(keys.holdLimits(who.subject, world.store.id));
  return { active: (item?.active as number | undefined) ?? 0, held: (item?.[`q#${sku}`] as number | undefined) ?? 0 };
}

/** Waits, when the current window of `seconds` ends within 10 s, for the next one, so that a burst of calls on the real clock stays in one window. */
async function freshWindow(seconds: number): Promise<void> {
  const left = seconds * 1000 - (Date.now() % (seconds * 1000));
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const workflow: Workflow = { start: async () => undefined, succeed: async () => 'sent', fail: async () => 'sent' };
const checkout = () =>
  checkoutDeps({
    tableName: engines().tableName,
    now: () => NOW,
    workflow,
    // Checking out asks the provider only for the shopper's Customer and the payment method; the saga is not run here.
    gateway: async () => checkoutOnlyGateway(),
    settings: { captureOnConfirm: true, authenticationTimeoutSeconds: 900 },
  });

describe('basket holds cannot hoard a store’s stock or slots (issue 11)', () => {
  it('refuses a third hold at one store by one shopper (409 too-many-holds), holding nothing more, until one of the holds ends', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 60 });
    const mallory = shopper();
    const carts = [];
    for (let i = 0; i < 3; i += 1) carts.push(await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 2 } }]));
    await holdCart(carts[0]!, mallory, deps);
    await holdCart(carts[1]!, mallory, deps);

    const third = await appError(holdCart(carts[2]!, mallory, deps));
    expect([third.kind, third.code, third.extensions]).toEqual(['conflict', 'too-many-holds', { storeId: world.store.id, limit: HOLD_LIMITS.activeHoldsPerStore }]);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 56, reserved: 4 });
    expect(await heldOf(world.slot)).toBe(2);
    expect((await getCartRecord(deps, carts[2]!))?.status).toBe('open');
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 2, held: 4 });

    // Another shopper is not held back by Mallory's holds.
    const alice = shopper();
    expect((await holdCart(await basket(world, deps, alice, [{ sku: world.skus.milk, quantity: { count: 2 } }]), alice, deps)).status).toBe('held');

    await releaseCartHold(carts[0]!, mallory, deps);
    await releaseCartHold(carts[0]!, mallory, deps);
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 1, held: 2 });
    expect((await holdCart(carts[2]!, mallory, deps)).status).toBe('held');
  });

  it('refuses to hold a basket below its slot’s minimum order (422 minimum-order-not-met), taking no stock and no place in the slot', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const slot = await aSlot(world.store.id, { startsAt: new Date(NOW.getTime() + 28 * 3_600_000).toISOString(), minimumOrder: { amount: 2000, currency: 'GBP' } });
    const mallory = shopper();
    const cart = await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 1 } }], slot.id);

    const below = await appError(holdCart(cart, mallory, deps));
    expect([below.kind, below.code, below.extensions]).toEqual(['unprocessable', 'minimum-order-not-met', { required: 2000, currency: 'GBP' }]);
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 20, reserved: 0 });
    expect(await heldOf(slot)).toBe(0);
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 0, held: 0 });
    expect((await getCartRecord(deps, cart))?.status).toBe('open');
  });

  it('caps what one shopper holds of one SKU across baskets (422 hold-quantity-limit), in items and in grams', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 90, bananas: 30_000 });
    const mallory = shopper();
    const first = await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 15 } }]);
    const second = await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 15 } }]);
    await holdCart(first, mallory, deps);

    const overAcross = await appError(holdCart(second, mallory, deps));
    expect([overAcross.kind, overAcross.code]).toEqual(['unprocessable', 'hold-quantity-limit']);
    expect(overAcross.extensions).toEqual({ storeId: world.store.id, sku: world.skus.milk, unit: 'count', limit: 24, requested: 15, heldElsewhere: 15 });
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 75, reserved: 15 });
    expect(await heldOf(world.slot)).toBe(1);

    // A basket over the cap on its own is refused before anything is tried.
    const bob = shopper();
    const alone = await basket(world, deps, bob, [{ sku: world.skus.milk, quantity: { count: 30 } }]);
    const tooMuch = await appError(holdCart(alone, bob, deps));
    expect([tooMuch.code, tooMuch.extensions?.requested, tooMuch.extensions?.heldElsewhere]).toEqual(['hold-quantity-limit', 30, 0]);
    expect(await limitsOf(bob, world, world.skus.milk)).toEqual({ active: 0, held: 0 });

    // Two lines of one weighed SKU add up: 7 kg and 6 kg of bananas are 13 kg, over the 12 kg cap.
    const heavy = await basket(world, deps, mallory, [
      { sku: world.skus.bananas, quantity: { grams: 7_000 } },
      { sku: world.skus.milk, quantity: { count: 1 } },
    ]);
    await addCartLine(heavy, { sku: world.skus.bananas, quantity: { grams: 6_000 }, substitution: 'best-match' }, mallory, deps);
    const grams = await appError(holdCart(heavy, mallory, deps));
    expect([grams.code, grams.extensions?.unit, grams.extensions?.limit, grams.extensions?.requested]).toEqual(['hold-quantity-limit', 'grams', 12_000, 13_000]);
    expect(await stockOf(world.skus.bananas, world.store.id)).toEqual({ available: 30_000, reserved: 0 });
  });

  it('counts a hold off once it ends, once each: released, expired and swept, consumed by checkout, and an order once its payment settles', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 60 });
    const mallory = shopper();
    const [expiring, checkedOut, third] = [
      await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 3 } }]),
      await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 5 } }]),
      await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 2 } }]),
    ];
    const held = await holdCart(expiring, mallory, deps);
    await holdCart(checkedOut, mallory, deps);
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 2, held: 8 });

    // The sweeper releases the expired hold and carts reopens the cart: the hold counts no more, however often.
    const reservationId = held.hold!.reservationId;
    await releaseReservation(reservationId, 'expired', inventoryDeps({ tableName: deps.tableName, now: () => new Date(NOW.getTime() + 16 * 60_000) }));
    const released = { reservationId, ownerRef: `cart:${expiring}`, reason: 'expired' };
    expect(await reopenExpiredHold(released, deps)).toBe(true);
    expect(await reopenExpiredHold(released, deps)).toBe(false);
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 1, held: 5 });

    // Checkout consumes the basket's hold and holds for the order instead, until its payment settles.
    const order = await startCheckout({ cartId: checkedOut, paymentMethod: 'pm_card_visa' }, `abuse-${checkedOut}`, mallory, checkout());
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 1, held: 5 });
    await holdCart(third, mallory, deps);
    const fourth = await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 1 } }]);
    expect((await appError(holdCart(fourth, mallory, deps))).code).toBe('too-many-holds');

    expect(await releaseOrderHold({ orderId: order.id, to: 'payment-pending' }, deps)).toBe(false);
    expect(await releaseOrderHold({ orderId: order.id, to: 'authorized' }, deps)).toBe(true);
    expect(await releaseOrderHold({ orderId: order.id, to: 'failed' }, deps)).toBe(false);
    expect(await limitsOf(mallory, world, world.skus.milk)).toEqual({ active: 1, held: 2 });
    expect((await holdCart(fourth, mallory, deps)).status).toBe('held');
  });

  it('refuses a checkout that would be a third hold at the store, writing no order', async () => {
    const deps = testDeps();
    const world = await aWorld({ milk: 60 });
    const mallory = shopper();
    const carts = [];
    for (let i = 0; i < 3; i += 1) carts.push(await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 2 } }]));
    await holdCart(carts[0]!, mallory, deps);
    await holdCart(carts[1]!, mallory, deps);
    const refused = await appError(startCheckout({ cartId: carts[2]!, paymentMethod: 'pm_card_visa' }, `abuse-third-${carts[2]}`, mallory, checkout()));
    expect(refused.code).toBe('too-many-holds');
    expect((await getCartRecord(deps, carts[2]!))?.status).toBe('open');
    expect(await stockOf(world.skus.milk, world.store.id)).toEqual({ available: 56, reserved: 4 });
  });
});

describe('holds and checkouts are throttled per shopper (issue 11)', () => {
  it('answers the 11th basket hold in a minute with 429 too-many-requests and Retry-After', async () => {
    const world = await aWorld();
    const mallory = shopper();
    const cart = await basket(world, testDeps(), mallory, [{ sku: world.skus.milk, quantity: { count: 2 } }]);
    await freshWindow(60);
    const hold = () => call(holdHandler, { method: 'POST', resource: '/carts/{id}/hold', pathParameters: { id: cart }, principal: principalOf(mallory) });
    for (let i = 0; i < 10; i += 1) expect((await hold()).status, `hold ${i + 1}`).toBe(200);
    const throttled = await hold();
    expect(throttled.status).toBe(429);
    expect(throttled.headers['content-type']).toBe('application/problem+json');
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(JSON.parse(throttled.body)).toMatchObject({ type: 'https://smartshelf.dev/problems/too-many-requests', status: 429, limit: 10, windowSeconds: 60 });
    // Another shopper has a budget of their own.
    const other = shopper();
    const theirs = await basket(world, testDeps(), other, [{ sku: world.skus.milk, quantity: { count: 1 } }]);
    expect((await call(holdHandler, { method: 'POST', resource: '/carts/{id}/hold', pathParameters: { id: theirs }, principal: principalOf(other) })).status).toBe(200);
  });

  it('answers the 11th checkout in a minute with 429 too-many-requests and Retry-After, whatever the first ten were', async () => {
    const mallory = shopper();
    await freshWindow(60);
    const attempt = (i: number) =>
      call(checkoutHandler, {
        method: 'POST',
        resource: '/checkout',
        body: { cartId: `no-such-cart-${i}`, paymentMethod: 'pm_card_visa' },
        headers: { 'Idempotency-Key': `throttle-${mallory.subject}-${i}` },
        principal: principalOf(mallory),
      });
    for (let i = 0; i < 10; i += 1) expect((await attempt(i)).status).toBe(404);
    const throttled = await attempt(10);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(throttled.body)).toMatchObject({ type: 'https://smartshelf.dev/problems/too-many-requests' });
  });
});

describe('coupon codes cannot be guessed (issue 11)', () => {
  it('answers an unknown code, an expired one, another store’s and one whose minimum is not met byte for byte alike, apart from the instance', async () => {
    const world = await aWorld();
    const alice = shopper();
    const cart = await basket(world, testDeps(), alice, [{ sku: world.skus.milk, quantity: { count: 2 } }]);
    const base = { rule: { kind: 'fixed-off' as const, amount: { amount: 100, currency: 'GBP' }, per: 'order' as const }, target: { kind: 'cart' as const }, stacking: { priority: 60 } };
    const [expired, elsewhere, big] = [uniqueCode('OLD'), uniqueCode('THERE'), uniqueCode('BIG')];
    await aPromotion({ ...base, id: `it-${expired.toLowerCase()}`, name: 'Ended', schedule: { startsAt: '2024-01-01T00:00:00Z', endsAt: '2024-12-31T00:00:00Z' }, couponCode: expired });
    await aPromotion({ ...base, id: `it-${elsewhere.toLowerCase()}`, name: 'Elsewhere', schedule: { startsAt: '2025-01-01T00:00:00Z' }, couponCode: elsewhere, stores: ['some-other-store'] });
    await aPromotion({
      ...base,
      id: `it-${big.toLowerCase()}`,
      name: 'Spend £500',
      rule: { kind: 'spend-threshold', minimumSpend: { amount: 50_000, currency: 'GBP' }, reward: { kind: 'fixed-off', amount: { amount: 500, currency: 'GBP' } } },
      schedule: { startsAt: '2025-01-01T00:00:00Z' },
      couponCode: big,
    });
    const answers = [];
    for (const code of [uniqueCode('NOSUCH'), expired, elsewhere, big]) {
      const answer = await call(applyCouponHandler, { method: 'POST', resource: '/carts/{id}/coupons', pathParameters: { id: cart }, body: { code }, principal: principalOf(alice) });
      const { instance, ...rest } = JSON.parse(answer.body) as { instance: string };
      expect(instance).toMatch(/^urn:smartshelf:request:/);
      answers.push({ status: answer.status, contentType: answer.headers['content-type'], body: JSON.stringify(rest) });
    }
    expect(answers[0]).toEqual({
      status: 422,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: 'https://smartshelf.dev/problems/coupon-not-applicable',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'This coupon code cannot be applied to this cart: check the code, what it applies to, its minimum spend and its dates.',
      }),
    });
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    expect((await getCartRecord(testDeps(), cart))?.coupons).toEqual([]);
  });

  it('locks a shopper’s coupon attempts after 5 that failed in 15 minutes (429 too-many-coupon-attempts, Retry-After), a good code included; applied codes cost nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const mallory = shopper();
    const cart = await basket(world, deps, mallory, [{ sku: world.skus.milk, quantity: { count: 2 } }]);
    const good = uniqueCode('GOOD');
    await aPromotion({ id: `it-${good.toLowerCase()}`, name: '1p off', rule: { kind: 'fixed-off', amount: { amount: 1, currency: 'GBP' }, per: 'order' }, target: { kind: 'cart' }, stacking: { priority: 60 }, schedule: { startsAt: '2025-01-01T00:00:00Z' }, couponCode: good });

    // A good code and its repeat do not count as failures.
    expect((await applyCoupon(cart, good, mallory, deps)).coupons).toEqual([good]);
    expect((await applyCoupon(cart, good, mallory, deps)).coupons).toEqual([good]);
    for (let i = 0; i < 5; i += 1) expect((await appError(applyCoupon(cart, uniqueCode(`GUESS${i}`), mallory, deps))).code).toBe('coupon-not-applicable');

    const locked = await appError(applyCoupon(cart, uniqueCode('GUESS'), mallory, deps));
    expect(locked).toBeInstanceOf(RateLimitedError);
    expect([locked.kind, locked.code, locked.retryAfterSeconds]).toEqual(['rate-limited', 'too-many-coupon-attempts', 15 * 60]);
    const alreadyThere = await appError(applyCoupon(cart, good, mallory, deps));
    expect(alreadyThere.code).toBe('too-many-coupon-attempts');

    // The lock lasts to the end of the window; then guesses are refused one by one again.
    const later = testDeps({ now: () => new Date(NOW.getTime() + 15 * 60_000) });
    expect((await appError(applyCoupon(cart, uniqueCode('GUESS'), mallory, later))).code).toBe('coupon-not-applicable');
    // Racing guesses cannot overrun the budget: of 8 at once in a fresh window, 5 are refused one by one, the rest locked.
    const racing = testDeps({ now: () => new Date(NOW.getTime() + 30 * 60_000) });
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => appError(applyCoupon(cart, uniqueCode(`RACE${i}`), mallory, racing))));
    expect(outcomes.filter((e) => e.code === 'coupon-not-applicable')).toHaveLength(5);
    expect(outcomes.filter((e) => e.code === 'too-many-coupon-attempts')).toHaveLength(3);
  });
});
