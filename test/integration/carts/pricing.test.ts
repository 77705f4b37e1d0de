import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { addCartLine, createCart, getCart } from '../../../shared/carts/carts.js';
import { applyCoupon, CouponNotApplicableError, removeCoupon } from '../../../shared/carts/coupons.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { redeemLoyalty } from '../../../shared/carts/loyalty.js';
import { cartItem, getCartRecord } from '../../../shared/carts/repository.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { engines } from '../../support/engines.js';
import { aLoyaltyBalance, aPromotion, aWorld, address, appError, itemAt, NOW, shopper, testDeps, uniqueCode } from './fixtures.js';

const gbp = (amount: number) => ({ amount, currency: 'GBP' });
const ALWAYS = { startsAt: '2025-01-01T00:00:00.000Z' };

/** A world with a cart holding milk ×4 (£5.00), bananas ×3 (360 g at £2.00/kg = 72p) and 500 ml of oil (£9.00/l = £4.50), delivered. */
async function pricedWorld() {
  const deps = testDeps();
  const world = await aWorld();
  const alice = shopper();
  const cart = await createCart({ storeId: world.store.id }, alice, deps);
  await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 4 }, substitution: 'none' }, alice, deps);
  await addCartLine(cart.id, { sku: world.skus.bananas, quantity: { count: 3 }, substitution: 'best-match' }, alice, deps);
  await addCartLine(cart.id, { sku: world.skus.oil, quantity: { millilitres: 500 }, substitution: 'none' }, alice, deps);
  const ready = await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address }, alice, deps);
  return { deps, world, alice, cart: ready };
}

describe('cart pricing', () => {
  it('explains the total per line: subtotal, discounts with promotion ids, tax, the slot fee, and weighed estimates with their authorization', async () => {
    const { deps, world, alice, cart } = await pricedWorld();
    const code = uniqueCode('MILK');
    const promotion = await aPromotion({
      id: `it-${code.toLowerCase()}`,
      name: '20 % off milk',
      rule: { kind: 'percent-off', basisPoints: 2000 },
      target: { kind: 'sku', skus: [world.skus.milk] },
      stacking: { priority: 10, exclusive: false },
      schedule: ALWAYS,
      couponCode: code,
    });
    await applyCoupon(cart.id, code, alice, deps);
    const view = await getCart(cart.id, alice, deps);
    const [milk, bananas, oil] = view.pricing.lines;
    expect(milk).toMatchObject({ sku: world.skus.milk, quantity: { kind: 'units', count: 4 }, subtotal: gbp(500), discounts: [{ promotionId: promotion.id, amount: gbp(100) }], total: gbp(400) });
    expect(bananas).toMatchObject({ quantity: { kind: 'grams', grams: 360 }, subtotal: gbp(72), estimate: { grams: 360, bufferBasisPoints: 1500 } });
    expect(bananas?.estimate?.authorizationAmount.amount).toBe(Math.ceil((200 * 360 * 1.15) / 1000));
    expect(oil).toMatchObject({ quantity: { kind: 'millilitres', millilitres: 500 }, subtotal: gbp(450) });
    expect(view.pricing).toMatchObject({ currency: 'GBP', taxMode: 'inclusive', subtotal: gbp(1022), discountTotal: gbp(100) });
    expect(view.pricing.fees).toEqual([expect.objectContaining({ kind: 'delivery', amount: gbp(450) })]);
    expect(view.pricing.total).toEqual(gbp(922 + 450));
    expect(view.pricing.authorizationTotal.amount).toBeGreaterThan(view.pricing.total.amount);
    expect(view.pricing.minimumOrder).toEqual({ required: gbp(100), met: true });
    expect(view.pricing.loyalty.pointsEarned).toBe(9);
    expect(view.unavailableLines).toEqual([]);
  });

  it('flags a line whose product was archived instead of pricing it', async () => {
    const { deps, world, alice, cart } = await pricedWorld();
    const productId = cart.lines.find((l) => l.sku === world.skus.oil)!.productId;
    const product = await itemAt(keys.product(productId));
    await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: { ...product, status: 'archived' } }));
    const view = await getCart(cart.id, alice, deps);
    expect(view.unavailableLines).toEqual([{ lineId: cart.lines[2]!.lineId, sku: world.skus.oil, reason: 'product-archived' }]);
    expect(view.pricing.lines.map((l) => l.sku)).toEqual([world.skus.milk, world.skus.bananas]);
  });

  it('lets staff with admin read any cart, and nobody else', async () => {
    const { deps, alice, cart } = await pricedWorld();
    expect((await getCart(cart.id, { subject: 'support-1', admin: true }, deps)).id).toBe(cart.id);
    expect((await appError(getCart(cart.id, shopper(), deps))).kind).toBe('not-found');
    expect((await getCart(cart.id, alice, deps)).shopperId).toBe(alice.subject);
  });
});

describe('coupons', () => {
  it('refuses unknown, expired, not-started, minimum-not-met, not-combinable and used-up coupons with one answer, keeping each reason for the log, writing nothing', async () => {
    const { deps, alice, cart } = await pricedWorld();
    const expired = uniqueCode('OLD');
    const future = uniqueCode('SOON');
    const big = uniqueCode('BIG');
    const solo = uniqueCode('SOLO');
    const usedUp = uniqueCode('GONE');
    const firstCode = uniqueCode('FIRST');
    const base = { rule: { kind: 'fixed-off' as const, amount: gbp(100), per: 'order' as const }, target: { kind: 'cart' as const }, stacking: { priority: 60, exclusive: false } };
    await aPromotion({ ...base, id: `it-${expired.toLowerCase()}`, name: 'Ended', schedule: { startsAt: '2024-01-01T00:00:00.000Z', endsAt: '2024-12-31T00:00:00.000Z' }, couponCode: expired });
    await aPromotion({ ...base, id: `it-${future.toLowerCase()}`, name: 'Not yet', schedule: { startsAt: '2031-01-01T00:00:00.000Z' }, couponCode: future });
    await aPromotion({
      ...base,
      id: `it-${big.toLowerCase()}`,
      name: 'Spend £50',
      rule: { kind: 'spend-threshold', minimumSpend: gbp(5000), reward: { kind: 'fixed-off', amount: gbp(500) } },
      schedule: ALWAYS,
      couponCode: big,
    });
    await aPromotion({ ...base, id: `it-${solo.toLowerCase()}`, name: 'Alone only', schedule: ALWAYS, couponCode: solo, combinableWithOtherCoupons: false });
    await aPromotion({ ...base, id: `it-${usedUp.toLowerCase()}`, name: 'Limited', schedule: ALWAYS, couponCode: usedUp, limits: { total: 1 }, redemptions: 1 });
    await aPromotion({ ...base, id: `it-${firstCode.toLowerCase()}`, name: 'First', schedule: ALWAYS, couponCode: firstCode });
    const withFirst = await applyCoupon(cart.id, firstCode, alice, deps);
    expect(withFirst.coupons).toEqual([firstCode]);

    // Six refusals are one more than a shopper's failed attempts allow in a window: the last comes in the next window.
    const later = { ...deps, now: () => new Date(NOW.getTime() + 16 * 60_000) };
    const refusals = [
      { code: 'NOPE-NOT-A-CODE', reason: 'unknown-code', deps },
      { code: expired, reason: 'expired', deps },
      { code: future, reason: 'not-started', deps },
      { code: big, reason: 'minimum-not-met', deps },
      { code: solo, reason: 'not-combinable', deps },
      { code: usedUp, reason: 'usage-limit-reached', deps: later },
    ];
    for (const refusal of refusals) {
      const error = await appError(applyCoupon(cart.id, refusal.code, alice, refusal.deps));
      expect(error).toBeInstanceOf(CouponNotApplicableError);
      expect([error.kind, error.code, error.message, error.extensions], refusal.code).toEqual([
        'unprocessable',
        'coupon-not-applicable',
        'This coupon code cannot be applied to this cart: check the code, what it applies to, its minimum spend and its dates.',
        undefined,
      ]);
      expect((error as CouponNotApplicableError).reason).toBe(refusal.reason);
    }
    expect(await getCartRecord(deps, cart.id)).toEqual(withFirst);

    const removed = await removeCoupon(cart.id, firstCode, alice, deps);
    expect(removed.coupons).toEqual([]);
    expect(await removeCoupon(cart.id, firstCode, alice, deps)).toEqual(removed);
    expect((await applyCoupon(cart.id, solo, alice, later)).coupons).toEqual([solo]);
  });
});

describe('promotions in another currency', () => {
  it('refuses such a coupon, and leaves such a promotion out of the price rather than failing it', async () => {
    const { deps, alice, cart } = await pricedWorld();
    const euro = uniqueCode('EURO');
    await aPromotion({
      id: `it-${euro.toLowerCase()}`,
      name: '€2 off',
      rule: { kind: 'fixed-off', amount: { amount: 200, currency: 'EUR' }, per: 'order' },
      target: { kind: 'cart' },
      stacking: { priority: 60 },
      schedule: ALWAYS,
      couponCode: euro,
    });
    const refused = await appError(applyCoupon(cart.id, euro, alice, deps));
    expect([refused.kind, refused.code, (refused as CouponNotApplicableError).reason]).toEqual(['unprocessable', 'coupon-not-applicable', 'other-currency']);
    await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: cartItem({ ...cart, coupons: [euro] }) }));
    const view = await getCart(cart.id, alice, deps);
    expect(view.pricing.discountTotal).toEqual(gbp(0));
    expect(view.pricing.unknownCoupons).toEqual([euro]);
  });
});

describe('loyalty redemption', () => {
  it('redeems points within the balance and the scheme’s limits, and says which limit refused more', async () => {
    const { deps, alice, cart } = await pricedWorld();
    await aLoyaltyBalance(alice.subject, 250);
    const over = await appError(redeemLoyalty(cart.id, 300, alice, deps));
    expect([over.kind, over.code, over.extensions]).toEqual(['unprocessable', 'loyalty-limit', { requested: 300, redeemable: 200, limitedBy: 'balance' }]);
    expect((await appError(redeemLoyalty(cart.id, 150, alice, deps))).extensions).toMatchObject({ limitedBy: 'whole-blocks', redeemable: 100 });
    expect((await appError(redeemLoyalty(cart.id, 50, alice, deps))).extensions).toMatchObject({ limitedBy: 'minimum-points' });
    expect(await getCartRecord(deps, cart.id)).toEqual(cart);

    const redeemed = await redeemLoyalty(cart.id, 200, alice, deps);
    expect(redeemed.loyaltyPoints).toBe(200);
    const view = await getCart(cart.id, alice, deps);
    expect(view.pricing.loyalty).toMatchObject({ pointsRedeemed: 200, redemptionAmount: gbp(200) });
    expect(view.pricing.total).toEqual(gbp(1022 - 200 + 450));
    expect((await redeemLoyalty(cart.id, 0, alice, deps)).loyaltyPoints).toBe(0);
  });

  it('caps points at half of the goods', async () => {
    const { deps, alice, cart } = await pricedWorld();
    await aLoyaltyBalance(alice.subject, 5_000);
    const error = await appError(redeemLoyalty(cart.id, 1_000, alice, deps));
    expect(error.extensions).toMatchObject({ limitedBy: 'max-share', redeemable: 500 });
  });
});

