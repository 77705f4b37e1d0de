import { describe, expect, it } from 'vitest';
import { addCartLine, createCart } from '../../../shared/carts/carts.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { redeemLoyalty } from '../../../shared/carts/loyalty.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { startCheckout } from '../../../shared/checkout/start.js';
import { failOrder } from '../../../shared/checkout/steps/compensation.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import { getLoyaltyAccount } from '../../../shared/loyalty/accounts.js';
import { engines } from '../../support/engines.js';
import { checkoutOnlyGateway } from '../../support/payment-provider.js';
import { aLoyaltyBalance, aWorld, address, appError, NOW, shopper, type World } from '../carts/fixtures.js';

/**
 * Loyalty points at checkout, against DynamoDB Local: spent in the very transaction that stores the order and holds its
 * stock (its condition `balance >= points` is what stops two carts spending one balance at once), refused before that
 * when the balance has already fallen, and given back once when the checkout fails.
 */

const workflow: Workflow = { start: async () => undefined, succeed: async () => 'sent', fail: async () => 'sent' };

function deps(): CheckoutDeps {
  return checkoutDeps({
    tableName: engines().tableName,
    now: () => NOW,
    workflow,
    // Checking out asks the provider only for the shopper's Customer and the payment method; the saga is not run here.
    gateway: async () => checkoutOnlyGateway(),
    settings: { captureOnConfirm: true, authenticationTimeoutSeconds: 900 },
  });
}

async function cartSpending(world: World, who: ReturnType<typeof shopper>, points: number): Promise<string> {
  const d = deps();
  const cart = await createCart({ storeId: world.store.id }, who, d);
  await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, who, d);
  await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address }, who, d);
  await redeemLoyalty(cart.id, points, who, d);
  return cart.id;
}

describe('loyalty points at checkout', () => {
  it('spends them with the order, refuses a second cart the balance no longer covers, and gives them back once on failure', async () => {
    const world = await aWorld();
    const alice = shopper();
    await aLoyaltyBalance(alice.subject, 300);
    const [first, second] = [await cartSpending(world, alice, 200), await cartSpending(world, alice, 200)];

    const order = await startCheckout({ cartId: first, paymentMethod: 'pm_card_visa' }, `points-${first}`, alice, deps());
    expect(order).toMatchObject({ status: 'reserved', redemptionsTaken: true, loyalty: { pointsRedeemed: 200 } });
    expect((await getLoyaltyAccount(alice.subject, deps())).balance).toBe(100);

    const short = await appError(startCheckout({ cartId: second, paymentMethod: 'pm_card_visa' }, `points-${second}`, alice, deps()));
    expect([short.kind, short.code, short.extensions?.chosen]).toEqual(['conflict', 'loyalty-points-unavailable', 200]);
    expect(short.extensions?.redeemable).toBeLessThanOrEqual(100);
    expect((await getLoyaltyAccount(alice.subject, deps())).balance).toBe(100);

    const failure = { Error: 'PaymentDeclined', Cause: JSON.stringify({ errorMessage: 'declined (card_declined)' }) };
    await failOrder(order.id, failure, deps());
    await failOrder(order.id, failure, deps());
    expect((await getLoyaltyAccount(alice.subject, deps())).balance).toBe(300);
  });
});
