import type { z } from 'zod';
import { cartAddV2 } from '../../events/carts/cart-add.v2.js';
import { cartUpdateV2 } from '../../events/carts/cart-update.v2.js';
import { backoff, TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import type { CartActor, CartDeps } from './deps.js';
import { CartBusyError, CartNotFoundError, CartNotOpenError } from './errors.js';
import type { Cart, CartLine, LineQuantity } from './model.js';
import { cartExpiry, getCartRecord, nextCartPut } from './repository.js';

/**
 * How every change to a cart is written. The cart is one document: a change reads it, computes
 * the next version with pure rules, and replaces it on condition that nobody wrote in between
 * (same version, owner and status), with its `cart.add` or `cart.update` event in the same
 * transaction through the outbox. When the condition fails the change is recomputed on a fresh
 * read, so two devices adding to one cart at once both land, in some order, without the client
 * having to send a version.
 */

/** Attempts before a change gives up on a cart that others keep changing. */
const MAX_ATTEMPTS = 8;

/** The event a change is announced with; the cart fields are filled in from the version written. */
export type CartEvent =
  | { kind: 'add'; line: CartLine; added: LineQuantity; merged: boolean }
  | ({ kind: 'update' } & Omit<z.input<typeof cartUpdateV2.schema>, 'cartId' | 'shopperId' | 'storeId' | 'cartVersion' | 'status'>);

/** What a change decided: the fields it changes and the event that says so. */
export interface CartChangePlan {
  changes: Partial<Pick<Cart, 'lines' | 'coupons' | 'loyaltyPoints' | 'fulfillment' | 'status' | 'hold' | 'orderId'>>;
  event: CartEvent;
  /** Further events of the same change: a reorder adds several lines in one version, each announced by its own `cart.add`. */
  moreEvents?: readonly CartEvent[];
}

/**
 * The caller's cart. A cart of another shopper is reported exactly like a missing one; staff with
 * `admin` may read any cart (support), but change only their own.
 * @throws CartNotFoundError (404)
 */
export async function ownCart(deps: CartDeps, cartId: string, actor: CartActor, purpose: 'read' | 'change'): Promise<Cart> {
  const cart = await getCartRecord(deps, cartId);
  const allowed = cart && (cart.shopperId === actor.subject || (purpose === 'read' && actor.admin === true));
  if (!cart || !allowed) throw new CartNotFoundError(cartId);
  return cart;
}

/** The cart after a plan, one version on, its idle expiry moved on from `now`. */
export function nextCart(cart: Cart, plan: CartChangePlan, now: Date): Cart {
  const next: Cart = { ...cart, ...plan.changes, version: cart.version + 1, updatedAt: now.toISOString(), expiresAt: cartExpiry(now) };
  // Spreading `undefined` over a field keeps the key; a removed fulfillment choice or hold must be gone.
  if (next.fulfillment === undefined) delete next.fulfillment;
  if (next.hold === undefined) delete next.hold;
  return next;
}

/** One event per cart version: the id says which version it announces, and a version can never be announced twice. */
export function cartEventId(cart: Pick<Cart, 'id' | 'version'>): string {
  return `cart-${cart.id}-v${cart.version}`;
}

/**
 * The outbox item announcing a change, for the transaction that writes `next`; `part` numbers the further events of a
 * change that has several (2, 3, ...), whose ids are the version's followed by it.
 */
export function cartEventItem(deps: CartDeps, next: Cart, event: CartEvent, correlationId: string | undefined, part?: number): TransactItem {
  const ref = { cartId: next.id, shopperId: next.shopperId, storeId: next.storeId, cartVersion: next.version };
  const meta = { id: part === undefined ? cartEventId(next) : `${cartEventId(next)}-${part}`, now: new Date(next.updatedAt), ...(correlationId ? { correlationId } : {}) };
  if (event.kind === 'add') {
    const { kind: _kind, ...rest } = event;
    return outboxEvent(deps.tableName, cartAddV2, { ...ref, ...rest }, meta).item;
  }
  const { kind: _kind, ...rest } = event;
  return outboxEvent(deps.tableName, cartUpdateV2, { ...ref, status: next.status, ...rest }, meta).item;
}

/**
 * Applies a change to an open cart of the caller's, retrying on a fresh read when another write
 * got in first. `decide` may throw a domain error (nothing is written) or return `undefined` when
 * the cart already is as asked (nothing is written, the cart is returned as it is).
 *
 * @throws CartNotFoundError (404) for a missing or foreign cart
 * @throws CartNotOpenError (409) when the cart is held or checked out
 * @throws CartBusyError (409) when other writes kept winning for {@link MAX_ATTEMPTS} attempts
 */
export async function changeCart(
  deps: CartDeps,
  cartId: string,
  actor: CartActor,
  decide: (cart: Cart) => Promise<CartChangePlan | undefined> | CartChangePlan | undefined,
): Promise<Cart> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const cart = await ownCart(deps, cartId, actor, 'change');
    if (cart.status !== 'open') throw new CartNotOpenError(cartId, cart.status);
    const plan = await decide(cart);
    if (!plan) return cart;
    const next = nextCart(cart, plan, deps.now());
    try {
      const events = [plan.event, ...(plan.moreEvents ?? [])].map((event, i) => cartEventItem(deps, next, event, actor.correlationId, i === 0 ? undefined : i + 1));
      await transactWrite(deps, [nextCartPut(deps, next, cart), ...events]);
      return next;
    } catch (error) {
      if (!(error instanceof TransactionCancelled) || !error.failedConditions().includes(0)) throw error;
      await backoff(attempt);
    }
  }
  throw new CartBusyError(cartId);
}
