import { describe, expect, it } from 'vitest';
import { keys } from '../../../shared/db/keys.js';
import { TransactionCancelled, transactWrite } from '../../../shared/db/transact.js';
import { createPromotion, updatePromotion } from '../../../shared/promotions/promotions.js';
import { usageFor } from '../../../shared/promotions/queries.js';
import { redemptionFailure, redemptionItems, reverseRedemptionItems } from '../../../shared/promotions/redemptions.js';
import { itemAt } from '../catalog/fixtures.js';
import { cartPercentOff, manager, testDeps, uniqueShopper } from './fixtures.js';

/** Redeems promotions for one order in a transaction of its own, as checkout will inside its own. */
async function redeem(promotionIds: string[], shopperId: string, orderId: string): Promise<'redeemed' | string> {
  const deps = testDeps();
  try {
    await transactWrite(deps, await redemptionItems(promotionIds, shopperId, orderId, deps));
    return 'redeemed';
  } catch (error) {
    if (error instanceof TransactionCancelled) return redemptionFailure(error, promotionIds)?.promotionId ?? error.message;
    throw error;
  }
}

describe('usage limits at redemption', () => {
  it('lets exactly 10 of 30 concurrent redemptions through a total limit of 10', async () => {
    const promotion = await createPromotion(cartPercentOff({ limits: { total: 10 } }), manager, testDeps());
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => redeem([promotion.id], uniqueShopper(), `order-${i}`)));

    expect(outcomes.filter((o) => o === 'redeemed')).toHaveLength(10);
    expect(outcomes.filter((o) => o === promotion.id)).toHaveLength(20);
    expect((await itemAt(keys.promotion(promotion.id)))?.redemptions).toBe(10);
  });

  it('refuses a second redemption by the same shopper under a per-shopper limit of 1, while others still redeem', async () => {
    const promotion = await createPromotion(cartPercentOff({ limits: { perShopper: 1 } }), manager, testDeps());
    const [alice, bob] = [uniqueShopper(), uniqueShopper()];

    expect(await redeem([promotion.id], alice, 'order-a1')).toBe('redeemed');
    expect(await redeem([promotion.id], alice, 'order-a2')).toBe(promotion.id);
    expect(await redeem([promotion.id], bob, 'order-b1')).toBe('redeemed');
    expect(await usageFor([promotion.id], alice, testDeps())).toEqual({ [promotion.id]: { total: 2, byShopper: 1 } });
  });

  it('counts one order once, however often checkout retries it', async () => {
    const promotion = await createPromotion(cartPercentOff(), manager, testDeps());
    const shopper = uniqueShopper();
    expect(await redeem([promotion.id], shopper, 'order-1')).toBe('redeemed');
    expect(await redeem([promotion.id], shopper, 'order-1')).toBe(promotion.id);
    expect(await usageFor([promotion.id], shopper, testDeps())).toEqual({ [promotion.id]: { total: 1, byShopper: 1 } });
  });

  it('refuses a disabled promotion and redeems none of an order’s promotions when one fails', async () => {
    const deps = testDeps();
    const open = await createPromotion(cartPercentOff(), manager, deps);
    const withdrawn = await createPromotion(cartPercentOff(), manager, deps);
    await updatePromotion(withdrawn.id, { version: 1, status: 'disabled' }, manager, deps);
    const shopper = uniqueShopper();

    expect(await redeem([open.id, withdrawn.id], shopper, 'order-1')).toBe(withdrawn.id);
    expect(await usageFor([open.id, withdrawn.id], shopper, deps)).toEqual({
      [open.id]: { total: 0, byShopper: 0 },
      [withdrawn.id]: { total: 0, byShopper: 0 },
    });
  });

  it('refuses to build items for a promotion that does not exist', async () => {
    await expect(redemptionItems(['no-such-promotion'], 's', 'o', testDeps())).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('reversing a redemption', () => {
  it('gives the use back once, so the shopper can redeem again, and a second reversal is cancelled', async () => {
    const deps = testDeps();
    const promotion = await createPromotion(cartPercentOff({ limits: { total: 1, perShopper: 1 } }), manager, deps);
    const shopper = uniqueShopper();
    expect(await redeem([promotion.id], shopper, 'order-1')).toBe('redeemed');

    await transactWrite(deps, reverseRedemptionItems([promotion.id], shopper, 'order-1', deps));
    expect(await usageFor([promotion.id], shopper, deps)).toEqual({ [promotion.id]: { total: 0, byShopper: 0 } });
    await expect(transactWrite(deps, reverseRedemptionItems([promotion.id], shopper, 'order-1', deps))).rejects.toBeInstanceOf(TransactionCancelled);
    expect(await usageFor([promotion.id], shopper, deps)).toEqual({ [promotion.id]: { total: 0, byShopper: 0 } });

    expect(await redeem([promotion.id], shopper, 'order-2')).toBe('redeemed');
  });

  it('refuses to reverse an order that never redeemed', async () => {
    const deps = testDeps();
    const promotion = await createPromotion(cartPercentOff(), manager, deps);
    await expect(transactWrite(deps, reverseRedemptionItems([promotion.id], uniqueShopper(), 'order-never', deps))).rejects.toBeInstanceOf(TransactionCancelled);
    expect((await itemAt(keys.promotion(promotion.id)))?.redemptions).toBe(0);
  });
});
