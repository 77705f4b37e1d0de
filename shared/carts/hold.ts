import { assertBookable, explainSlotHoldFailure, getSlot, slotHoldItem, slotLabel, slotReleaseItem } from '../fulfillment/slots.js';
import { SlotNotFoundError } from '../fulfillment/errors.js';
import { backoff, TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { AppError, ConflictError } from '../errors.js';
import { assertDeliversTo } from '../stores/areas.js';
import { requireStore } from '../stores/repository.js';
import { InsufficientStockError, ReservationConditionError } from '../inventory/errors.js';
import { releaseReservation, reserveStock } from '../inventory/reservations.js';
import { cartEventItem, nextCart, ownCart, type CartChangePlan } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import { CartBusyError, CartNotOpenError, MinimumOrderError } from './errors.js';
import { assertWithinSkuCaps, explainHoldLimit, heldSkus, holdLimitItems, holdReleaseItems } from './hold-limits.js';
import type { Cart } from './model.js';
import { priceCartNow } from './pricing.js';
import { stockQuantity } from './quantities.js';
import { getCartRecord, nextCartPut } from './repository.js';

/**
 * The basket hold, step one of checkout: every line's stock and one unit of the chosen slot's
 * capacity, held in ONE DynamoDB transaction together with the cart's move to `held`, so that
 * either all of it is held or none. Checkout calls {@link holdCart} and {@link releaseCartHold}
 * directly; the HTTP routes are thin wrappers.
 */

/** How long a basket hold lasts: long enough to pay, short enough not to starve other shoppers. */
export const HOLD_SECONDS = 15 * 60;

/** Attempts before giving up on a cart that other writes keep changing under the hold. */
const MAX_ATTEMPTS = 5;

/** How a cart names itself as the owner of its reservation. */
const CART_OWNER_PREFIX = 'cart:';

/** Names of the hold transaction's own items, in the order they are passed to `reserveStock`. */
const CART_LABEL = 'the cart';
const EVENT_LABEL = 'the cart event';
const LIMITS_LABEL = 'the hold limits';
const CLAIM_LABEL = 'the hold claim';

/**
 * The id of the reservation for one version of a cart: a repeated hold of the same cart contents
 * asks for the same reservation, which `reserveStock` answers with the one already made.
 */
export function holdReservationId(cart: Pick<Cart, 'id' | 'version'>): string {
  return `cart-${cart.id}-v${cart.version}`;
}

function requireHoldable(cart: Cart, unavailable: readonly { sku: string }[]): NonNullable<Cart['fulfillment']> {
  if (cart.lines.length === 0) throw new AppError('unprocessable', 'cart-empty', `Cart ${cart.id} has no lines to hold.`, { extensions: { cartId: cart.id } });
  if (unavailable.length > 0) {
    const skus = unavailable.map((l) => l.sku);
    throw new ConflictError('cart-has-unavailable-lines', `Cart ${cart.id} has lines no longer sold (${skus.join(', ')}); remove them first.`, {
      extensions: { cartId: cart.id, skus },
    });
  }
  if (!cart.fulfillment) {
    throw new AppError('unprocessable', 'fulfillment-missing', `Cart ${cart.id} has no delivery or pickup slot; choose one (PUT /carts/{id}/fulfillment) first.`, {
      extensions: { cartId: cart.id },
    });
  }
  return cart.fulfillment;
}

/**
 * Holds the cart's stock and slot for {@link HOLD_SECONDS} and marks the cart `held`. Repeating it
 * while the hold lasts returns the held cart; a hold that has run out is released and taken anew.
 * A basket below its slot's minimum order holds nothing, and the hold counts towards the shopper's
 * limits at the store (`hold-limits.ts`) in its own transaction.
 *
 * @throws CartNotFoundError (404) for a missing or foreign cart
 * @throws InsufficientStockError (409 `insufficient-stock`) naming every short line; nothing is held
 * @throws SlotFullError (409 `slot-full`), SlotClosedError (409), SlotInPastError or SlotCutOffError (422); nothing is held
 * @throws AppError (422 `cart-empty`, `fulfillment-missing`), ConflictError (409 `cart-has-unavailable-lines`)
 * @throws OutsideDeliveryAreaError (422 `address-outside-delivery-area`) when the store no longer delivers to the cart's
 *   address (its area is data and may have shrunk since the address was chosen); nothing is held
 * @throws MinimumOrderError (422 `minimum-order-not-met`) for a basket below the slot's minimum order
 * @throws TooManyHoldsError (409 `too-many-holds`), HoldQuantityLimitError (422 `hold-quantity-limit`); nothing is held
 */
export async function holdCart(cartId: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    let cart = await ownCart(deps, cartId, actor, 'change');
    if (cart.status === 'held' && cart.hold && Date.parse(cart.hold.holdUntil) > deps.now().getTime()) return cart;
    if (cart.status === 'held') cart = await releaseCartHold(cartId, actor, deps);
    if (cart.status !== 'open') throw new CartNotOpenError(cartId, cart.status);

    const [priced, slot, store] = await Promise.all([
      priceCartNow(deps, cart),
      cart.fulfillment ? getSlot(cart.storeId, cart.fulfillment.slotId, deps) : undefined,
      cart.fulfillment?.mode === 'delivery' ? requireStore(cart.storeId, deps) : undefined,
    ]);
    const fulfillment = requireHoldable(cart, priced.unavailableLines);
    const now = deps.now();
    if (!slot) throw new SlotNotFoundError(cart.storeId, fulfillment.slotId);
    assertBookable(slot, now);
    // As checkout does: the store's area may have shrunk since the address was chosen, and a van cannot go there.
    if (fulfillment.mode === 'delivery') assertDeliversTo(store!, fulfillment.address);
    // A basket that cannot be checked out must not keep stock and a slot's place from other shoppers either.
    const minimum = priced.pricing.minimumOrder;
    if (minimum?.met === false) throw new MinimumOrderError(minimum.required.amount, priced.pricing.currency);
    const skus = heldSkus(cart.lines);
    assertWithinSkuCaps(cart.storeId, skus);

    const reservationId = holdReservationId(cart);
    const holdUntil = new Date(now.getTime() + HOLD_SECONDS * 1000).toISOString();
    const plan: CartChangePlan = {
      changes: { status: 'held', hold: { reservationId, holdUntil, cartVersion: cart.version } },
      event: { kind: 'update', change: 'held', reservationId, slotId: fulfillment.slotId },
    };
    const next = nextCart(cart, plan, now);
    const slotName = slotLabel(cart.storeId, fulfillment.slotId);
    try {
      await reserveStock(
        {
          reservationId,
          storeId: cart.storeId,
          ownerRef: `${CART_OWNER_PREFIX}${cart.id}`,
          lines: cart.lines.map((line) => ({ sku: line.sku, quantity: stockQuantity(line.quantity) })),
          holdSeconds: HOLD_SECONDS,
          extraItems: [
            nextCartPut(deps, next, cart),
            slotHoldItem(deps.tableName, cart.storeId, fulfillment.slotId, now),
            cartEventItem(deps, next, plan.event, actor.correlationId),
            ...holdLimitItems(deps.tableName, { shopperId: cart.shopperId, storeId: cart.storeId, reservationId }, skus, now),
          ],
          extraItemLabels: [CART_LABEL, slotName, EVENT_LABEL, LIMITS_LABEL, CLAIM_LABEL],
          ...(actor.correlationId ? { correlationId: actor.correlationId } : {}),
        },
        deps,
      );
    } catch (error) {
      if (error instanceof InsufficientStockError) throw error;
      if (!(error instanceof ReservationConditionError)) throw error;
      if (error.failed.includes(slotName)) {
        throw (await explainSlotHoldFailure(cart.storeId, fulfillment.slotId, deps.now(), deps)) ?? new CartBusyError(cartId);
      }
      if (error.failed.includes(LIMITS_LABEL)) {
        // Refused by the limits as they stood; if another hold of the shopper's ended since, the next attempt may pass.
        const refused = await explainHoldLimit(deps, { shopperId: cart.shopperId, storeId: cart.storeId }, skus);
        if (refused) throw refused;
      }
      await backoff(attempt);
      continue;
    }
    // A racing hold of the same version may have won with the same reservation id; the cart as stored says which.
    return ownCart(deps, cartId, actor, 'change');
  }
  throw new CartBusyError(cartId);
}

/**
 * The items that move a held cart back to `open`, give its slot's unit back and count the hold off the shopper's
 * limits, announced as `released`.
 */
async function reopenItems(deps: CartDeps, cart: Cart, reservationId: string, slotId: string, correlationId: string | undefined): Promise<{ next: Cart; items: TransactItem[] }> {
  const plan: CartChangePlan = { changes: { status: 'open', hold: undefined }, event: { kind: 'update', change: 'released', reservationId, slotId } };
  const next = nextCart(cart, plan, deps.now());
  return {
    next,
    items: [
      nextCartPut(deps, next, cart),
      slotReleaseItem(deps.tableName, cart.storeId, slotId),
      cartEventItem(deps, next, plan.event, correlationId),
      ...(await holdReleaseItems(deps, reservationId)),
    ],
  };
}

/**
 * Gives the cart's stock and slot back, counts the hold off the shopper's limits and reopens the cart
 * for changes. Idempotent: an open cart is returned as it is. The cart's move from `held` to `open` is
 * the condition that makes the slot's release happen once, however many releases race (or the hold's
 * expiry sweep runs alongside); the hold's claim makes its limits' release happen once.
 *
 * @throws CartNotFoundError (404) for a missing or foreign cart
 * @throws CartNotOpenError (409) for a checked-out cart
 */
export async function releaseCartHold(cartId: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const cart = await ownCart(deps, cartId, actor, 'change');
    if (cart.status === 'open') return cart;
    if (cart.status !== 'held' || !cart.hold || !cart.fulfillment) throw new CartNotOpenError(cartId, cart.status);
    const { next, items: reopen } = await reopenItems(deps, cart, cart.hold.reservationId, cart.fulfillment.slotId, actor.correlationId);
    try {
      await releaseReservation(cart.hold.reservationId, 'cancelled', deps, reopen);
      const after = await ownCart(deps, cartId, actor, 'change');
      if (after.version !== cart.version) return after;
      // The reservation was released (or swept) before this call, so its release ran none of our items: the stock
      // is back already, but the cart and the slot still need reopening.
      await transactWrite(deps, reopen);
      return next;
    } catch (error) {
      if (!(error instanceof ReservationConditionError) && !(error instanceof TransactionCancelled)) throw error;
      await backoff(attempt);
    }
  }
  throw new CartBusyError(cartId);
}

/**
 * Reopens a cart whose hold ran out and whose stock inventory's sweeper has already put back
 * (`inventory.released` with reason `expired`): the cart moves back to `open`, its slot's unit
 * is given back and the hold is counted off the shopper's limits, so an abandoned checkout never
 * keeps a slot full or a shopper from holding again. Only the hold the event names is
 * reopened, under the cart's version condition, so a redelivered event, a release by the shopper or
 * a newer hold all make this a no-op.
 * @returns whether this call reopened the cart
 */
export async function reopenExpiredHold(released: { reservationId: string; ownerRef: string; reason: string }, deps: CartDeps = cartDeps()): Promise<boolean> {
  if (released.reason !== 'expired' || !released.ownerRef.startsWith(CART_OWNER_PREFIX)) return false;
  const cartId = released.ownerRef.slice(CART_OWNER_PREFIX.length);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const cart = await getCartRecord(deps, cartId);
    if (cart?.status !== 'held' || cart.hold?.reservationId !== released.reservationId || !cart.fulfillment) return false;
    try {
      await transactWrite(deps, (await reopenItems(deps, cart, released.reservationId, cart.fulfillment.slotId, undefined)).items);
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCancelled)) throw error;
      await backoff(attempt);
    }
  }
  throw new CartBusyError(cartId);
}
