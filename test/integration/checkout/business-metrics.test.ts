import { afterEach, describe, expect, it, vi } from 'vitest';
import { addCartLine, createCart } from '../../../shared/carts/carts.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { createPosOrder } from '../../../shared/checkout/pos.js';
import { startCheckout } from '../../../shared/checkout/start.js';
import { failOrder } from '../../../shared/checkout/steps/compensation.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import { businessMetrics } from '../../../shared/observability/business-metrics.js';
import { ORDER_CANCELLED } from '../../../shared/orders/deps.js';
import { engines } from '../../support/engines.js';
import { checkoutOnlyGateway } from '../../support/payment-provider.js';
import { aWorld, address, NOW, shopper, type World } from '../carts/fixtures.js';

/**
 * The checkout's business metrics against DynamoDB Local: an order counts as placed once when it is stored, online or at
 * the till, never on a repeated request; a checkout counts as failed (and as a refused payment, or a timeout) once,
 * on the change that ends the order, however often FailOrder runs; a cancel is no failure.
 */

const workflow: Workflow = { start: async () => undefined, succeed: async () => 'sent', fail: async () => 'sent' };

function deps(): CheckoutDeps {
  return checkoutDeps({
    tableName: engines().tableName,
    now: () => NOW,
    workflow,
    gateway: async () => checkoutOnlyGateway(),
    settings: { captureOnConfirm: true, authenticationTimeoutSeconds: 900 },
  });
}

async function aCheckedOutOrder(world: World, key: string) {
  const who = shopper();
  const d = deps();
  const cart = await createCart({ storeId: world.store.id }, who, d);
  await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 2 }, substitution: 'none' }, who, d);
  await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address }, who, d);
  const order = await startCheckout({ cartId: cart.id, paymentMethod: 'pm_card_visa' }, key, who, d);
  return { order, again: () => startCheckout({ cartId: cart.id, paymentMethod: 'pm_card_visa' }, key, who, deps()) };
}

afterEach(() => vi.restoreAllMocks());

describe('the checkout’s business metrics', () => {
  it('counts an online order once when it is stored, not when the request is repeated', async () => {
    const placed = vi.spyOn(businessMetrics, 'orderPlaced');
    const world = await aWorld();
    const { order, again } = await aCheckedOutOrder(world, 'placed-once');
    expect(placed).toHaveBeenCalledTimes(1);
    expect((await again()).id).toBe(order.id);
    expect(placed).toHaveBeenCalledTimes(1);
  });

  it('counts a till sale once, not its repeat under the same key', async () => {
    const placed = vi.spyOn(businessMetrics, 'orderPlaced');
    const world = await aWorld();
    const sale = {
      channel: 'pos' as const,
      storeId: world.store.id,
      posReference: 'TILL-1',
      lines: [{ sku: world.skus.milk, quantity: { count: 1 } }],
      fulfillment: { mode: 'in-store' as const },
      paymentMethod: 'pm_card_visa',
    };
    const clerk = { actor: 'till-operator-1', correlationId: 'it-metrics' };
    const first = await createPosOrder(sale, 'till-key', clerk, deps());
    const repeated = await createPosOrder(sale, 'till-key', clerk, deps());
    expect(repeated.id).toBe(first.id);
    expect(placed).toHaveBeenCalledTimes(1);
  });

  it('counts a declined payment once as a failed checkout and a payment failure, however often FailOrder runs', async () => {
    const failed = vi.spyOn(businessMetrics, 'checkoutFailed');
    const { order } = await aCheckedOutOrder(await aWorld(), 'declined');
    const failure = { Error: 'PaymentDeclined', Cause: JSON.stringify({ errorMessage: 'declined (card_declined)' }) };
    await failOrder(order.id, failure, deps());
    await failOrder(order.id, failure, deps());
    expect(failed.mock.calls).toEqual([['payment-declined']]);
  });

  it('counts a timed-out wait as a failed checkout with its timeout code', async () => {
    const failed = vi.spyOn(businessMetrics, 'checkoutFailed');
    const { order } = await aCheckedOutOrder(await aWorld(), 'timed-out');
    expect(await failOrder(order.id, { Error: 'States.Timeout' }, deps())).toEqual({ status: 'failed' });
    expect(failed.mock.calls).toHaveLength(1);
    expect(['pick-timeout', 'authentication-timeout']).toContain(failed.mock.calls[0]![0]);
  });

  it('does not count a cancelled checkout as a failure', async () => {
    const failed = vi.spyOn(businessMetrics, 'checkoutFailed');
    const { order } = await aCheckedOutOrder(await aWorld(), 'cancelled');
    expect(await failOrder(order.id, { Error: ORDER_CANCELLED, Cause: 'the shopper cancelled' }, deps())).toEqual({ status: 'cancelled' });
    expect(failed).not.toHaveBeenCalled();
  });
});
