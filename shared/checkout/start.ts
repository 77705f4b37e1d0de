import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkoutStartV1 } from '../../events/checkout/checkout-start.v1.js';
import { ownCart, cartEventItem, nextCart } from '../carts/change.js';
import { currentLines } from '../carts/catalog-lookup.js';
import type { CartActor } from '../carts/deps.js';
import { releaseCartHold } from '../carts/hold.js';
import type { Cart } from '../carts/model.js';
import { priceCartNow } from '../carts/pricing.js';
import { nextCartPut } from '../carts/repository.js';
import { TransactionCancelled } from '../db/transact.js';
import { AppError, ConflictError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { assertBookable, getSlot } from '../fulfillment/slots.js';
import { SlotNotFoundError } from '../fulfillment/errors.js';
import { orderFromPricedCart } from '../orders/from-cart.js';
import type { Order } from '../orders/model.js';
import { getOrderRecord, putNewOrder } from '../orders/repository.js';
import { isAdultOn } from './age.js';
import { checkoutDeps, type CheckoutDeps } from './deps.js';
import { AgeVerificationError, CartCheckedOutError, MinimumOrderError } from './errors.js';
import type { SagaInput } from './workflow.js';

/** `POST /checkout`'s body. The payment method is a Stripe.js-created or saved `pm_...`: card numbers never come here. */
export const CheckoutRequest = z.strictObject({
  cartId: z.string().min(1).max(64),
  paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'must be a payment method id (pm_...) created by Stripe.js or saved on the customer'),
  /** Required when the basket holds age-restricted goods; the courier or pickup desk checks ID against it. */
  dateOfBirth: z.iso.date().optional(),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

/** How long `POST /checkout` waits for the Reserve step, so an out-of-stock basket is a 409 at once rather than a poll. */
const RESERVE_WAIT_MS = 5_000;

/** The hash that ties an order to the shopper's `Idempotency-Key`; the key itself is not stored. */
export function checkoutKeyOf(shopperId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${shopperId}\n${idempotencyKey}`).digest('base64url').slice(0, 32);
}

/** The saga's input for an order, the same every time it is computed: a repeated start is then recognised as the same. */
export function sagaInput(order: Order, slotEndsAt: string | undefined, deps: Pick<CheckoutDeps, 'settings'>): SagaInput {
  const pickBy = slotEndsAt === undefined ? Date.parse(order.createdAt) + 24 * 60 * 60 * 1000 : Date.parse(slotEndsAt) + 24 * 60 * 60 * 1000;
  return {
    orderId: order.id,
    authenticationTimeoutSeconds: deps.settings.authenticationTimeoutSeconds,
    pickTimeoutSeconds: Math.max(60, Math.ceil((pickBy - Date.parse(order.createdAt)) / 1000)),
  };
}

/** The cart is checkoutable: it has lines, all still sold, a bookable slot and, for age-restricted goods, an adult buyer. */
async function validateCart(
  deps: CheckoutDeps,
  cart: Cart,
  request: CheckoutRequest,
): Promise<{ slotEndsAt: string; names: Map<string, string>; ageRestricted: boolean }> {
  if (cart.lines.length === 0) throw new AppError('unprocessable', 'cart-empty', `Cart ${cart.id} has no lines to check out.`, { extensions: { cartId: cart.id } });
  if (!cart.fulfillment) {
    throw new AppError('unprocessable', 'fulfillment-missing', `Cart ${cart.id} has no delivery or pickup slot; choose one (PUT /carts/{id}/fulfillment) first.`, {
      extensions: { cartId: cart.id },
    });
  }
  const now = deps.now();
  const [slot, lines] = await Promise.all([getSlot(cart.storeId, cart.fulfillment.slotId, deps), currentLines(deps, cart.lines)]);
  if (!slot) throw new SlotNotFoundError(cart.storeId, cart.fulfillment.slotId);
  assertBookable(slot, now);
  if (lines.unavailable.length > 0) {
    const skus = lines.unavailable.map((l) => l.sku);
    throw new ConflictError('cart-has-unavailable-lines', `Cart ${cart.id} has lines no longer sold (${skus.join(', ')}); remove them first.`, { extensions: { cartId: cart.id, skus } });
  }
  const restricted = lines.available.filter((l) => l.product.ageRestricted).map((l) => l.line.sku);
  if (restricted.length > 0) {
    if (request.dateOfBirth === undefined) throw new AgeVerificationError(restricted, `The basket holds age-restricted goods (${restricted.join(', ')}); body.dateOfBirth is required.`);
    if (!isAdultOn(request.dateOfBirth, new Date(slot.startsAt))) throw new AgeVerificationError(restricted, `Age-restricted goods (${restricted.join(', ')}) cannot be sold to a buyer under 18.`);
  }
  return { slotEndsAt: slot.endsAt, names: new Map(lines.available.map((l) => [l.line.sku, l.product.name])), ageRestricted: restricted.length > 0 };
}

/** The order of a repeated checkout: the cart names it, and it was made under the same key. */
async function repeatedCheckout(deps: CheckoutDeps, cart: Cart, checkoutKey: string): Promise<Order | undefined> {
  if (cart.status !== 'checked-out' || cart.orderId === undefined) return undefined;
  const order = await getOrderRecord(deps, cart.orderId);
  if (order?.checkoutKey !== checkoutKey) throw new CartCheckedOutError(cart.id, cart.orderId);
  return order;
}

/**
 * Waits (briefly) for the saga's Reserve step, so that a basket the store cannot fill is refused here with the
 * step's own problem type (409 `insufficient-stock`, `slot-full`) and the shopper can change it at once.
 */
async function reserved(deps: CheckoutDeps, orderId: string): Promise<Order> {
  const deadline = Date.now() + RESERVE_WAIT_MS;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    const order = (await getOrderRecord(deps, orderId))!;
    if (order.status === 'failed' && order.statusHistory.length === 1) {
      throw new ConflictError(order.failureCode ?? 'checkout-failed', order.failureReason ?? 'The checkout failed.', { extensions: { orderId, cartId: order.cartId } });
    }
    if (order.status !== 'pending' || Date.now() >= deadline) return order;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * `POST /checkout`: validates the cart, its slot and its age restrictions, freezes its prices into a new order (the
 * cart moves to `checked-out` in the same transaction, so one cart is one order), starts the checkout saga with the
 * order id as the execution name, and returns the order once it is reserved. Repeating the same `Idempotency-Key`
 * returns the same order and starts nothing new.
 *
 * @throws CartNotFoundError (404), CartCheckedOutError (409) for a cart checked out under another key
 * @throws AppError (422 `cart-empty`, `fulfillment-missing`, `minimum-order-not-met`, `age-verification-required`)
 * @throws SlotNotFoundError (404), SlotInPastError / SlotCutOffError (422), SlotClosedError (409)
 * @throws ConflictError (409 `insufficient-stock`, `slot-full`, ...) when the Reserve step refused the basket
 */
export async function startCheckout(request: CheckoutRequest, idempotencyKey: string, actor: CartActor, deps: CheckoutDeps = checkoutDeps()): Promise<Order> {
  const key = checkoutKeyOf(actor.subject, idempotencyKey);
  let cart = await ownCart(deps, request.cartId, actor, 'change');
  const repeated = await repeatedCheckout(deps, cart, key);
  if (repeated) {
    const slot = repeated.fulfillment.mode === 'in-store' ? undefined : await getSlot(repeated.storeId, repeated.fulfillment.slotId, deps);
    await deps.workflow.start(sagaInput(repeated, slot?.endsAt, deps));
    return reserved(deps, repeated.id);
  }
  // The order takes its own reservation in the saga; a basket hold the shopper took is given back first.
  if (cart.status === 'held') cart = await releaseCartHold(cart.id, actor, deps);
  if (cart.status !== 'open') throw new CartCheckedOutError(cart.id, cart.orderId);
  const { slotEndsAt, names, ageRestricted } = await validateCart(deps, cart, request);
  const priced = await priceCartNow(deps, cart);
  if (priced.pricing.minimumOrder?.met === false) throw new MinimumOrderError(priced.pricing.minimumOrder.required.amount, priced.pricing.currency);

  const orderId = deps.newId();
  const now = deps.now();
  const frozen = orderFromPricedCart({ orderId, cart, pricing: priced.pricing, pricedFrom: priced.pricedFrom, names, at: now, actor: actor.subject });
  const order: Order = {
    ...frozen,
    payment: { ...frozen.payment, method: request.paymentMethod },
    checkoutKey: key,
    ...(ageRestricted ? { idCheckRequired: true } : {}),
  };
  const plan = { changes: { status: 'checked-out' as const, orderId }, event: { kind: 'update' as const, change: 'checked-out' as const, orderId } };
  const nextCartVersion = nextCart(cart, plan, now);
  const started = outboxEvent(
    deps.tableName,
    checkoutStartV1,
    {
      orderId,
      cartId: cart.id,
      shopperId: cart.shopperId,
      storeId: cart.storeId,
      currency: order.totals.currency,
      total: order.totals.total,
      authorizationTotal: order.totals.authorizationTotal,
      startedAt: now.toISOString(),
    },
    { id: `checkout-start-${orderId}`, now, ...(actor.correlationId ? { correlationId: actor.correlationId } : {}) },
  ).item;
  try {
    await putNewOrder(deps, order, [nextCartPut(deps, nextCartVersion, cart), cartEventItem(deps, nextCartVersion, plan.event, actor.correlationId), started]);
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    // The cart changed or was checked out by a concurrent request: a repeat of this one finds its order, any other is a 409.
    const again = await ownCart(deps, request.cartId, actor, 'change');
    const order = await repeatedCheckout(deps, again, key);
    if (!order) throw new CartCheckedOutError(again.id, again.orderId);
    return reserved(deps, order.id);
  }
  await deps.workflow.start(sagaInput(order, slotEndsAt, deps));
  return reserved(deps, orderId);
}
