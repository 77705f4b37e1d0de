import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsSandbox, type PaymentsSandbox } from '../../../infra/local/payments-sandbox/server.js';
import { ensurePaymentCustomer, listPaymentMethods, paymentMethodDeps, startPaymentMethodSetup } from '../../../shared/accounts/payment-methods.js';
import { addCartLine, createCart, getCart } from '../../../shared/carts/carts.js';
import { chooseFulfillment } from '../../../shared/carts/fulfillment.js';
import { checkoutDeps, type CheckoutDeps } from '../../../shared/checkout/deps.js';
import { startCheckout } from '../../../shared/checkout/start.js';
import { ReauthenticationRequiredError } from '../../../shared/checkout/errors.js';
import { failOrder, releaseOrderStock, releasePayment } from '../../../shared/checkout/steps/compensation.js';
import { authorizePayment, awaitReauthentication, capturePayment, confirmOrder, createPayment } from '../../../shared/checkout/steps/payment.js';
import { handlePaymentEvent } from '../../../shared/checkout/webhooks.js';
import { awaitPick } from '../../../shared/checkout/steps/fulfilment.js';
import type { Workflow } from '../../../shared/checkout/workflow.js';
import type { Order } from '../../../shared/orders/model.js';
import { ORDER_CANCELLED } from '../../../shared/orders/deps.js';
import { cancelOrder, recordPick } from '../../../shared/orders/order-actions.js';
import { requireOrder } from '../../../shared/orders/repository.js';
import { orderView } from '../../../shared/orders/views.js';
import type { PaymentGateway } from '../../../shared/payments/gateway.js';
import { stripeClient, stripeGateway } from '../../../shared/payments/stripe-gateway.js';
import { engines } from '../../support/engines.js';
import { aWorld, address, appError, NOW, shopper, stockOf, type World } from '../carts/fixtures.js';

/**
 * Checking out with saved cards against DynamoDB Local and the payments sandbox, the saga's steps run one after the
 * other as Step Functions would: every order is made on the shopper's Customer, a saved card is charged as it is, a new
 * one is saved for off-session use by its first authorization, and so a pick heavier than the hold is re-authorized
 * off session with that card, as live Stripe would allow (the sandbox refuses a method reused without a Customer).
 */

let sandbox: PaymentsSandbox;
let gateway: PaymentGateway;
let stripe: Stripe;
const settled: { token: string; outcome: string }[] = [];
const workflow: Workflow = {
  start: async () => undefined,
  succeed: async (token) => {
    settled.push({ token, outcome: 'succeed' });
    return 'sent';
  },
  fail: async (token, error) => {
    settled.push({ token, outcome: error });
    return 'sent';
  },
};

beforeAll(async () => {
  sandbox = await startPaymentsSandbox();
  gateway = stripeGateway({ ...sandbox.stripeOptions, maxNetworkRetries: 2 });
  stripe = stripeClient(sandbox.stripeOptions);
});

afterAll(async () => {
  await sandbox.stop();
});

function deps(): CheckoutDeps {
  return checkoutDeps({ tableName: engines().tableName, now: () => NOW, workflow, gateway: async () => gateway, settings: { captureOnConfirm: false, authenticationTimeoutSeconds: 900 } });
}

const accounts = () => paymentMethodDeps({ tableName: engines().tableName, gateway: async () => gateway });

/** What Stripe.js does with the setup route's client secret: the card is saved on the shopper's Customer. */
async function savedCard(subject: string, card = 'pm_card_visa'): Promise<string> {
  const setup = await startPaymentMethodSetup(subject, randomUUID(), accounts());
  const confirmed = await stripe.setupIntents.confirm(setup.setupIntentId, { payment_method: card });
  if (confirmed.status === 'requires_action') await sandboxControl(`/_sandbox/setup_intents/${confirmed.id}/authenticate`, { outcome: 'approve' });
  return confirmed.payment_method as string;
}

async function sandboxControl(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

/** A cart of 8 milk and 1 kg of cheddar (by weight, so captured after picking) for delivery. */
async function aCart(world: World, who: ReturnType<typeof shopper>): Promise<string> {
  const d = deps();
  const cart = await createCart({ storeId: world.store.id }, who, d);
  await addCartLine(cart.id, { sku: world.skus.milk, quantity: { count: 8 }, substitution: 'none' }, who, d);
  await addCartLine(cart.id, { sku: world.skus.cheese, quantity: { grams: 1000 }, substitution: 'none' }, who, d);
  await chooseFulfillment(cart.id, { mode: 'delivery', slotId: world.slot.id, address }, who, d);
  return cart.id;
}

/** The saga up to picking: the intent made, the hold placed (after 3-D Secure when the card asks), the order confirmed and picking. */
async function toPicking(order: Order): Promise<void> {
  const { intentId } = await createPayment(order.id, deps());
  const { status } = await authorizePayment(order.id, intentId, deps());
  if (status === 'requires_action') await sandboxControl(`/_sandbox/payment_intents/${intentId}/authenticate`, { outcome: 'approve' });
  await confirmOrder(order.id, deps());
  await awaitPick({ orderId: order.id, taskToken: `pick-${order.id}` }, deps());
}

/** The picker hands over all the milk and 1.4 kg of cheddar: 40 % above the estimate, above the hold's 15 % buffer. */
async function pickHeavy(order: Order, world: World): Promise<{ reauthorizationRequired: boolean }> {
  const lines = order.lines.map((line) => ({ lineId: line.lineId, quantity: line.sku === world.skus.cheese ? { grams: 1400 } : { count: 8 } }));
  return recordPick(order.id, { lines }, { actor: 'picker-1', access: { kind: 'staff', subject: 'picker-1', stores: [world.store.id] } }, deps());
}

const intentsOf = (orderId: string) => sandbox.paymentIntents().filter((pi) => pi.metadata.orderId === orderId);

/** The sandbox's intent as a Stripe event, handed to the payment webhook's consumer as the queue would. */
async function webhook(type: string, intentId: string): Promise<{ checkout: string }> {
  const intent = sandbox.paymentIntents().find((pi) => pi.id === intentId)!;
  return handlePaymentEvent({ id: `evt_${randomUUID().replace(/-/g, '')}`, type, created: Math.floor(Date.now() / 1000), data: { object: intent as unknown as Record<string, unknown> } }, deps());
}

/** An order paid with a card that always wants authentication (3184), saved, authenticated on its first hold, picked heavy. */
async function heavyOrderNeedingAuthentication(): Promise<{ order: Order; world: World; who: ReturnType<typeof shopper> }> {
  const world = await aWorld();
  const who = shopper();
  const card = await savedCard(who.subject, 'pm_card_authenticationRequired');
  const order = await startCheckout({ cartId: await aCart(world, who), paymentMethod: card }, `auth-${randomUUID()}`, who, deps());
  await toPicking(order);
  await pickHeavy(order, world);
  return { order, world, who };
}

describe('checkout with saved cards', () => {
  it('charges a saved card as it is on the shopper’s Customer, and re-authorizes it off session after a heavy pick', async () => {
    const world = await aWorld();
    const alice = shopper();
    const card = await savedCard(alice.subject);
    const customerId = await ensurePaymentCustomer(alice.subject, accounts());

    const order = await startCheckout({ cartId: await aCart(world, alice), paymentMethod: card }, `saved-${randomUUID()}`, alice, deps());
    expect(order.payment).toMatchObject({ method: card, customerId });
    await toPicking(order);
    expect((await pickHeavy(order, world)).reauthorizationRequired).toBe(true);
    const { amount } = await capturePayment(order.id, deps());

    const [first, second] = intentsOf(order.id);
    expect(first).toMatchObject({ customer: customerId, payment_method: card, status: 'canceled' });
    expect(second).toMatchObject({ customer: customerId, payment_method: card, status: 'succeeded', amount_received: amount });
    expect(await requireOrder(deps(), order.id)).toMatchObject({ status: 'captured', payment: { intentId: second!.id, captured: amount, customerId } });
    expect((await listPaymentMethods(alice.subject, accounts())).map((m) => m.id)).toEqual([card]);
  });

  it('saves a new card on the Customer with its first authorization, so the off-session re-authorization can charge it again', async () => {
    const world = await aWorld();
    const bob = shopper();
    const made = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });

    const order = await startCheckout({ cartId: await aCart(world, bob), paymentMethod: made.id }, `new-${randomUUID()}`, bob, deps());
    const customerId = order.payment.customerId!;
    await toPicking(order);
    expect(intentsOf(order.id)[0]).toMatchObject({ customer: customerId, setup_future_usage: 'off_session', status: 'requires_capture' });
    expect((await listPaymentMethods(bob.subject, accounts())).map((m) => m.id)).toEqual([made.id]);

    await pickHeavy(order, world);
    await capturePayment(order.id, deps());
    expect(intentsOf(order.id)[1]).toMatchObject({ customer: customerId, payment_method: made.id, status: 'succeeded' });
  });

  it('re-authorizes the method a named test card became at the provider, not the name', async () => {
    const world = await aWorld();
    const carol = shopper();
    const order = await startCheckout({ cartId: await aCart(world, carol), paymentMethod: 'pm_card_visa' }, `named-${randomUUID()}`, carol, deps());
    await toPicking(order);
    await pickHeavy(order, world);
    await capturePayment(order.id, deps());
    const [first, second] = intentsOf(order.id);
    expect(first!.payment_method).toMatch(/^pm_(?!card_)/);
    expect(second).toMatchObject({ payment_method: first!.payment_method, status: 'succeeded' });
  });

  it('asks the shopper when the bank wants the off-session re-authorization authenticated, then captures once they did', async () => {
    const { order, who } = await heavyOrderNeedingAuthentication();
    const error = await capturePayment(order.id, deps()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    const [first, second] = intentsOf(order.id);
    const asking = await requireOrder(deps(), order.id);
    expect(asking).toMatchObject({
      status: 'picked',
      payment: { intentId: first!.id, status: 'requires-action', action: { type: 'confirm_payment', clientSecret: second!.client_secret, intentId: second!.id } },
    });
    expect(asking.statusHistory.at(-1)).toMatchObject({ event: 'require-reauthentication' });
    // The shopper sees what their app needs; the first hold is still in place, the new intent holds nothing yet.
    expect(orderView(asking, { kind: 'shopper', subject: who.subject }).payment.action).toMatchObject({ clientSecret: second!.client_secret });
    expect([first!.status, second!.status]).toEqual(['requires_capture', 'requires_payment_method']);

    // The saga waits; the off-session decline's own webhook does not end the wait, nor does the task itself.
    await awaitReauthentication({ orderId: order.id, taskToken: `reauth-${order.id}` }, deps());
    expect(await webhook('payment_intent.payment_failed', second!.id)).toMatchObject({ checkout: 'none' });
    expect(settled.filter((s) => s.token === `reauth-${order.id}`)).toEqual([]);

    // The shopper confirms it with Stripe.js on session and passes 3-D Secure; the webhook resumes the saga.
    await stripe.paymentIntents.confirm(second!.id);
    await sandboxControl(`/_sandbox/payment_intents/${second!.id}/authenticate`, { outcome: 'approve' });
    expect(await webhook('payment_intent.amount_capturable_updated', second!.id)).toMatchObject({ checkout: 'sent' });
    expect(settled.filter((s) => s.token === `reauth-${order.id}`)).toEqual([{ token: `reauth-${order.id}`, outcome: 'succeed' }]);

    // CapturePayment runs again: the new hold replaces the first, and what was picked is captured.
    const { intentId, amount } = await capturePayment(order.id, deps());
    expect(intentId).toBe(second!.id);
    expect(intentsOf(order.id).map((pi) => [pi.status, pi.amount_received])).toEqual([
      ['canceled', 0],
      ['succeeded', amount],
    ]);
    const captured = await requireOrder(deps(), order.id);
    expect(captured).toMatchObject({ status: 'captured', payment: { intentId: second!.id, captured: amount, status: 'captured' } });
    expect(captured.payment.action).toBeUndefined();
  });

  it('voids both intents when the shopper never authenticates, so the one asked about can no longer be confirmed', async () => {
    const { order } = await heavyOrderNeedingAuthentication();
    await expect(capturePayment(order.id, deps())).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    // AwaitReauthentication timed out: the saga's compensation, as Step Functions runs it with the state's input.
    const [first] = intentsOf(order.id);
    await releasePayment(order.id, first!.id, deps());
    expect(intentsOf(order.id).map((pi) => pi.status)).toEqual(['canceled', 'canceled']);
  });

  it('ends the wait for reauthentication at once when the shopper cancels, and the ladder voids both intents and puts the stock back', async () => {
    const { order, world, who } = await heavyOrderNeedingAuthentication();
    await expect(capturePayment(order.id, deps())).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    await awaitReauthentication({ orderId: order.id, taskToken: `reauth-${order.id}` }, deps());

    // The goods are picked, but the shopper is asked to pay more than they agreed: they may still say no.
    const asking = await cancelOrder(order.id, 'not at that price', { actor: who.subject, access: { kind: 'shopper', subject: who.subject } }, deps());
    expect(asking.status).toBe('picked');
    expect(settled.filter((s) => s.token === `reauth-${order.id}`)).toEqual([{ token: `reauth-${order.id}`, outcome: ORDER_CANCELLED }]);

    // The saga's Catch runs the ladder from AwaitReauthentication with the state's input (the first hold's intent).
    const [first, second] = intentsOf(order.id);
    expect((await releasePayment(order.id, first!.id, deps())).voided.sort()).toEqual([first!.id, second!.id].sort());
    await releaseOrderStock(order.id, deps());
    expect(await failOrder(order.id, { Error: ORDER_CANCELLED, Cause: JSON.stringify({ errorMessage: 'not at that price' }) }, deps())).toEqual({ status: 'cancelled' });
    expect(intentsOf(order.id).map((pi) => [pi.status, pi.amount_received])).toEqual([
      ['canceled', 0],
      ['canceled', 0],
    ]);
    expect(await stockOf(world.skus.cheese, world.store.id)).toMatchObject({ reserved: 0 });
    expect(await requireOrder(deps(), order.id)).toMatchObject({ status: 'cancelled', payment: { captured: 0 } });
  });

  it('fails a reauthentication wait stored just after a cancel found none, rather than waiting for its timeout', async () => {
    const { order, who } = await heavyOrderNeedingAuthentication();
    await expect(capturePayment(order.id, deps())).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    // The cancel comes before AwaitReauthentication kept its token: it marks the order cancelled, with nothing to fail.
    await cancelOrder(order.id, 'changed my mind', { actor: who.subject, access: { kind: 'shopper', subject: who.subject } }, deps());
    expect((await requireOrder(deps(), order.id)).status).toBe('cancelled');
    await awaitReauthentication({ orderId: order.id, taskToken: `late-${order.id}` }, deps());
    expect(settled.filter((s) => s.token === `late-${order.id}`)).toEqual([{ token: `late-${order.id}`, outcome: ORDER_CANCELLED }]);
  });

  it('refuses a card saved on another shopper’s Customer, or one the provider does not know, as a 404 that reserves nothing', async () => {
    const world = await aWorld();
    const dave = shopper();
    const erin = shopper();
    const erinsCard = await savedCard(erin.subject);
    const cartId = await aCart(world, dave);
    const before = await stockOf(world.skus.cheese, world.store.id);

    for (const paymentMethod of [erinsCard, 'pm_nonexistent123']) {
      const refused = await appError(startCheckout({ cartId, paymentMethod }, `other-${randomUUID()}`, dave, deps()));
      expect([refused.kind, refused.code, refused.extensions?.paymentMethodId]).toEqual(['not-found', 'payment-method-not-found', paymentMethod]);
    }
    expect((await getCart(cartId, dave, deps())).status).toBe('open');
    expect(await stockOf(world.skus.cheese, world.store.id)).toEqual(before);
    // Erin's card is still hers alone.
    expect((await listPaymentMethods(erin.subject, accounts())).map((m) => m.id)).toEqual([erinsCard]);
  });
});
