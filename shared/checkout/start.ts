import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkoutStartV1 } from '../../events/checkout/checkout-start.v1.js';
import { checkoutPaymentMethod, ensurePaymentCustomer } from '../accounts/payment-methods.js';
import { ownCart, cartEventItem, nextCart } from '../carts/change.js';
import { currentLines } from '../carts/catalog-lookup.js';
import type { CartActor } from '../carts/deps.js';
import { releaseCartHold } from '../carts/hold.js';
import { assertWithinSkuCaps, explainHoldLimit, heldSkus, holdLimitItems } from '../carts/hold-limits.js';
import { MinimumOrderError } from '../carts/errors.js';
import type { Cart } from '../carts/model.js';
import { priceCartNow, type PricingOverrides } from '../carts/pricing.js';
import { nextCartPut } from '../carts/repository.js';
import { AppError, ConflictError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { assertBookable, getSlot } from '../fulfillment/slots.js';
import { ReservationConditionError } from '../inventory/errors.js';
import { orderReservationId } from '../inventory/reservation-ids.js';
import { InsufficientPointsError, redeemItems } from '../loyalty/redemptions.js';
import { PromotionUnavailableError, redemptionItems } from '../promotions/redemptions.js';
import { SlotNotFoundError } from '../fulfillment/errors.js';
import { assertDeliversTo } from '../stores/areas.js';
import { requireStore } from '../stores/repository.js';
import { businessMetrics } from '../observability/business-metrics.js';
import { orderFromPricedCart } from '../orders/from-cart.js';
import type { Order } from '../orders/model.js';
import { getOrderRecord, newOrderChange } from '../orders/repository.js';
import { orderChangeItems, reserveOrderStock, slotRefusal } from './steps/reservation.js';
import { isAdultOn } from './age.js';
import { checkoutDeps, type CheckoutDeps } from './deps.js';
import { AgeVerificationError, CartCheckedOutError } from './errors.js';
import type { SagaInput } from './workflow.js';

/** `POST /checkout`'s body. The payment method is a Stripe.js-created or saved `pm_...`: card numbers never come here. */
export const CheckoutRequest = z.strictObject({
  cartId: z.string().min(1).max(64),
  paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'must be a payment method id (pm_...) created by Stripe.js or saved on the customer'),
  /** Required when the basket holds age-restricted goods; the courier or pickup desk checks ID against it. */
  dateOfBirth: z.iso.date().optional(),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

/** The hash that ties an order to the shopper's `Idempotency-Key`; the key itself is not stored. */
export function checkoutKeyOf(shopperId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${shopperId}\n${idempotencyKey}`).digest('base64url').slice(0, 32);
}

/**
 * The saga's input for an order, the same every time it is computed for an order from POST /checkout: a repeated start
 * is then recognised as the same. (A till order's repeat after Reserve names the reservation the first start did not;
 * Step Functions then answers ExecutionAlreadyExists, which `Workflow.start` takes as started.)
 */
export function sagaInput(order: Order, slotEndsAt: string | undefined, deps: Pick<CheckoutDeps, 'settings'>): SagaInput {
  const pickBy = slotEndsAt === undefined ? Date.parse(order.createdAt) + 24 * 60 * 60 * 1000 : Date.parse(slotEndsAt) + 24 * 60 * 60 * 1000;
  return {
    orderId: order.id,
    reservationId: order.reservationId ?? null,
    authenticationTimeoutSeconds: deps.settings.authenticationTimeoutSeconds,
    pickTimeoutSeconds: Math.max(60, Math.ceil((pickBy - Date.parse(order.createdAt)) / 1000)),
  };
}

/**
 * The cart is checkoutable: it has lines, all still sold, a bookable slot, a delivery address in its store's delivery
 * area and, for age-restricted goods, an adult buyer. What it read (`known`) prices the cart next, without reading it again.
 */
async function validateCart(
  deps: CheckoutDeps,
  cart: Cart,
  request: CheckoutRequest,
): Promise<{ slotEndsAt: string; names: Map<string, string>; ageRestricted: boolean; known: NonNullable<PricingOverrides['known']> }> {
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
  // Again here: the store's area may have shrunk since the address was chosen, or the cart chose it before areas existed.
  const store = cart.fulfillment.mode === 'delivery' ? await requireStore(cart.storeId, deps) : undefined;
  if (store && cart.fulfillment.mode === 'delivery') assertDeliversTo(store, cart.fulfillment.address);
  if (lines.unavailable.length > 0) {
    const skus = lines.unavailable.map((l) => l.sku);
    throw new ConflictError('cart-has-unavailable-lines', `Cart ${cart.id} has lines no longer sold (${skus.join(', ')}); remove them first.`, { extensions: { cartId: cart.id, skus } });
  }
  const restricted = lines.available.filter((l) => l.product.ageRestricted).map((l) => l.line.sku);
  if (restricted.length > 0) {
    if (request.dateOfBirth === undefined) throw new AgeVerificationError(restricted, `The basket holds age-restricted goods (${restricted.join(', ')}); body.dateOfBirth is required.`);
    if (!isAdultOn(request.dateOfBirth, new Date(slot.startsAt))) throw new AgeVerificationError(restricted, `Age-restricted goods (${restricted.join(', ')}) cannot be sold to a buyer under 18.`);
  }
  return {
    slotEndsAt: slot.endsAt,
    names: new Map(lines.available.map((l) => [l.line.sku, l.product.name])),
    ageRestricted: restricted.length > 0,
    known: { lines, slot, ...(store === undefined ? {} : { store }) },
  };
}

/** Why a coupon the shopper applied would no longer take anything off: the shopper must see the new price first. */
const LAPSED: ReadonlySet<string> = new Set(['usage-limit-reached', 'expired', 'not-started']);

/**
 * A coupon the cart shows as applied but that would not apply now (its limit reached by other orders, its end passed):
 * checking out would charge more than the shopper was shown, so the checkout is refused and they re-price the cart.
 * @throws ConflictError (409 `coupon-no-longer-applies`) naming the codes
 */
function refuseLapsedCoupons(rejected: readonly { code?: string; reason: string }[], unknownCoupons: readonly string[]): void {
  const lapsed = [...new Set([...rejected.filter((r) => r.code !== undefined && LAPSED.has(r.reason)).map((r) => r.code!), ...unknownCoupons])];
  if (lapsed.length > 0) {
    throw new ConflictError('coupon-no-longer-applies', `The coupon ${lapsed.join(', ')} no longer applies; remove it and check the cart's new total.`, {
      extensions: { codes: lapsed },
    });
  }
}

/** The order of a repeated checkout: the cart names it, and it was made under the same key. */
async function repeatedCheckout(deps: CheckoutDeps, cart: Cart, checkoutKey: string): Promise<Order | undefined> {
  if (cart.status !== 'checked-out' || cart.orderId === undefined) return undefined;
  const order = await getOrderRecord(deps, cart.orderId);
  if (order?.checkoutKey !== checkoutKey) throw new CartCheckedOutError(cart.id, cart.orderId);
  return order;
}

/**
 * `POST /checkout`: validates the cart, its slot and its age restrictions, freezes its prices into a new order that is
 * stored already reserved (its stock, its slot's unit and the cart's move to `checked-out` in the same transaction, so
 * one cart is one order and a short basket is refused at once), then starts the checkout saga with the order id as the
 * execution name. Repeating the same `Idempotency-Key` returns the same order and starts nothing new.
 *
 * @throws CartNotFoundError (404), CartCheckedOutError (409) for a cart checked out under another key
 * @throws PaymentMethodNotFoundError (404 `payment-method-not-found`) for a method the provider does not have, or has
 *   saved on another shopper's Customer
 * @throws AppError (422 `cart-empty`, `fulfillment-missing`, `minimum-order-not-met`, `age-verification-required`)
 * @throws OutsideDeliveryAreaError (422 `address-outside-delivery-area`) before anything is reserved
 * @throws SlotNotFoundError (404), SlotInPastError / SlotCutOffError (422), SlotClosedError (409)
 * @throws InsufficientStockError (409 `insufficient-stock`) naming the short lines, SlotFullError (409); nothing is written
 * @throws TooManyHoldsError (409 `too-many-holds`), HoldQuantityLimitError (422 `hold-quantity-limit`); nothing is written
 */
export async function startCheckout(request: CheckoutRequest, idempotencyKey: string, actor: CartActor, deps: CheckoutDeps = checkoutDeps()): Promise<Order> {
  const key = checkoutKeyOf(actor.subject, idempotencyKey);
  let cart = await ownCart(deps, request.cartId, actor, 'change');
  const repeated = await repeatedCheckout(deps, cart, key);
  if (repeated) {
    const slot = repeated.fulfillment.mode === 'in-store' ? undefined : await getSlot(repeated.storeId, repeated.fulfillment.slotId, deps);
    await deps.workflow.start(sagaInput(repeated, slot?.endsAt, deps));
    return repeated;
  }
  // The order takes its own reservation in the saga; a basket hold the shopper took is given back first.
  if (cart.status === 'held') cart = await releaseCartHold(cart.id, actor, deps);
  if (cart.status !== 'open') throw new CartCheckedOutError(cart.id, cart.orderId);
  const { slotEndsAt, names, ageRestricted, known } = await validateCart(deps, cart, request);
  const priced = await priceCartNow(deps, cart, { known });
  if (priced.pricing.minimumOrder?.met === false) throw new MinimumOrderError(priced.pricing.minimumOrder.required.amount, priced.pricing.currency);
  refuseLapsedCoupons(priced.pricing.rejected, priced.pricing.unknownCoupons);
  if (priced.pricing.loyalty.pointsRedeemed < cart.loyaltyPoints) {
    // The balance fell (another order spent it) since the shopper chose the points: they must see the new total first.
    throw new ConflictError('loyalty-points-unavailable', `Only ${priced.pricing.loyalty.pointsRedeemed} of the ${cart.loyaltyPoints} loyalty points chosen can be redeemed now; choose again.`, {
      extensions: { chosen: cart.loyaltyPoints, redeemable: priced.pricing.loyalty.pointsRedeemed },
    });
  }

  // Every order is made on the shopper's Customer, with a method saved on it or a new one that the first authorization
  // saves there for off-session use; a method saved on another Customer is refused as if it did not exist.
  const customerId = await ensurePaymentCustomer(actor.subject, deps);
  await checkoutPaymentMethod(customerId, request.paymentMethod, deps);

  const orderId = deps.newId();
  const now = deps.now();
  const frozen = orderFromPricedCart({ orderId, cart, pricing: priced.pricing, pricedFrom: priced.pricedFrom, names, at: now, actor: actor.subject });
  const order: Order = {
    ...frozen,
    payment: { ...frozen.payment, method: request.paymentMethod, customerId },
    checkoutKey: key,
    ...(ageRestricted ? { idCheckRequired: true } : {}),
    ...(frozen.promotions.length > 0 || frozen.loyalty.pointsRedeemed > 0 ? { redemptionsTaken: true } : {}),
  };
  const reserved = await createReserved(deps, order, cart, slotEndsAt, actor);
  if (reserved === 'cart-changed') {
    // A concurrent request checked the cart out (or changed it): a repeat of this one finds its order, any other is a 409.
    const again = await ownCart(deps, request.cartId, actor, 'change');
    const existing = await repeatedCheckout(deps, again, key);
    if (!existing) throw new CartCheckedOutError(again.id, again.orderId);
    return existing;
  }
  businessMetrics.orderPlaced();
  await deps.workflow.start(sagaInput(reserved, slotEndsAt, deps));
  return reserved;
}

const CART_LABEL = 'the cart';
const LIMITS_LABEL = 'the hold limits';
const PROMOTION_LABEL = 'promotion ';
const LOYALTY_MARK_LABEL = 'the loyalty redemption mark';
const LOYALTY_BALANCE_LABEL = 'the loyalty balance';

/**
 * Stores the order already `reserved`, with its stock, its slot's unit, the cart's move to `checked-out`, its
 * promotions' uses (within their limits) and its loyalty points (within the balance) and the checkout's events, in ONE
 * transaction: a basket the store cannot fill is refused here, at once and with nothing
 * written, however many shoppers race for the last units. The saga's Reserve step then finds the reservation made.
 * @returns the order as stored, or `cart-changed` when the cart changed or was checked out meanwhile
 * @throws InsufficientStockError (409) naming the short lines, SlotFullError (409) and the slot's other refusals
 * @throws PromotionUnavailableError (409) when a promotion's usage limit was reached; InsufficientPointsError (422)
 * @throws TooManyHoldsError (409), HoldQuantityLimitError (422): until its payment is authorized, the order's reservation
 *   is a hold like a basket's and counts towards the shopper's limits at the store (`carts/hold-limits.ts`); the
 *   `carts-order-holds` consumer counts it off when the order's payment settles or the order ends
 */
async function createReserved(deps: CheckoutDeps, pending: Order, cart: Cart, slotEndsAt: string, actor: CartActor): Promise<Order | 'cart-changed'> {
  const now = deps.now();
  const { next: order, items: orderItems } = newOrderChange(deps, pending, { type: 'reserve', reservationId: orderReservationId(pending.id) }, { actor: actor.subject, correlationId: actor.correlationId });
  const plan = { changes: { status: 'checked-out' as const, orderId: order.id }, event: { kind: 'update' as const, change: 'checked-out' as const, orderId: order.id } };
  const checkedOut = nextCart(cart, plan, now);
  const started = outboxEvent(
    deps.tableName,
    checkoutStartV1,
    {
      orderId: order.id,
      cartId: cart.id,
      shopperId: cart.shopperId,
      storeId: cart.storeId,
      currency: order.totals.currency,
      total: order.totals.total,
      authorizationTotal: order.totals.authorizationTotal,
      startedAt: now.toISOString(),
    },
    { id: `checkout-start-${order.id}`, now, ...(actor.correlationId ? { correlationId: actor.correlationId } : {}) },
  ).item;
  const promotionIds = [...new Set(order.promotions.map((p) => p.promotionId))];
  const points = order.loyalty.pointsRedeemed;
  const promotionItems = promotionIds.length === 0 ? [] : await redemptionItems(promotionIds, order.shopperId, order.id, deps);
  const loyaltyItems = points === 0 ? [] : redeemItems(order.shopperId, points, order.id, deps);
  const loyaltyLabels = [LOYALTY_MARK_LABEL, LOYALTY_BALANCE_LABEL, 'the loyalty ledger entry'];
  const skus = heldSkus(order.lines);
  assertWithinSkuCaps(order.storeId, skus);
  const [limitsItem, claimItem] = holdLimitItems(deps.tableName, { shopperId: order.shopperId, storeId: order.storeId, reservationId: orderReservationId(order.id) }, skus, now);
  try {
    await reserveOrderStock(
      deps,
      order,
      slotEndsAt,
      [
        ...orderChangeItems(orderItems),
        { item: nextCartPut(deps, checkedOut, cart), label: CART_LABEL },
        { item: cartEventItem(deps, checkedOut, plan.event, actor.correlationId), label: 'the cart event' },
        { item: started, label: 'the checkout event' },
        { item: limitsItem!, label: LIMITS_LABEL },
        { item: claimItem!, label: 'the hold claim' },
        // Two items per promotion (its total, the shopper's use), in the order redemptionItems gives them.
        ...promotionItems.map((item, i) => ({ item, label: `${PROMOTION_LABEL}${promotionIds[Math.floor(i / 2)]!}` })),
        ...loyaltyItems.map((item, i) => ({ item, label: loyaltyLabels[i]! })),
      ],
      actor.correlationId,
    );
  } catch (error) {
    if (!(error instanceof ReservationConditionError)) throw error;
    if (error.failed.includes(CART_LABEL)) return 'cart-changed';
    const refused = await slotRefusal(deps, order, error);
    if (refused !== error) throw refused;
    const promotion = error.failed.find((label) => label.startsWith(PROMOTION_LABEL));
    if (promotion !== undefined) throw new PromotionUnavailableError(promotion.slice(PROMOTION_LABEL.length));
    if (error.failed.includes(LOYALTY_BALANCE_LABEL)) throw new InsufficientPointsError(points);
    if (error.failed.includes(LOYALTY_MARK_LABEL)) throw new ConflictError('points-already-redeemed', `Order ${order.id} has already redeemed loyalty points.`);
    if (error.failed.includes(LIMITS_LABEL)) throw (await explainHoldLimit(deps, { shopperId: order.shopperId, storeId: order.storeId }, skus)) ?? error;
    throw error;
  }
  return order;
}
