import { transactWrite } from '../db/transact.js';
import { ConflictError } from '../errors.js';
import { requireStore, storeDeps } from '../stores/repository.js';
import type { Store } from '../stores/model.js';
import { sellableVariant } from './catalog-lookup.js';
import { changeCart, ownCart } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import { addLine, findLine, removeLine, updateLine } from './lines.js';
import type { Cart } from './model.js';
import { resolveQuantity } from './quantities.js';
import { priceCartNow } from './pricing.js';
import { cartExpiry, newCartPut } from './repository.js';
import type { AddLineInput, CreateCartInput, UpdateLineInput } from './requests.js';
import type { CartView } from './views.js';

/**
 * The cart's use-cases for lines: create a cart at a store, add, change and remove lines. Each
 * write goes through `changeCart`, which keeps the owner, version and status checks and the event
 * in one transaction.
 */

/**
 * How a store's shelf prices treat tax: in the US prices exclude sales tax, which is added at the
 * till; everywhere else SmartShelf sells (GB, IE) shelf prices include VAT.
 */
export function taxModeOf(store: Pick<Store, 'taxJurisdiction'>): Cart['taxMode'] {
  return store.taxJurisdiction.startsWith('US') ? 'exclusive' : 'inclusive';
}

/**
 * Opens an empty cart for the caller at a store, in the store's currency and tax mode.
 * @throws NotFoundError (404) naming the store when it does not exist
 * @throws ConflictError (409 `store-closed`) when the store takes no orders
 */
export async function createCart(input: CreateCartInput, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  const store = await requireStore(input.storeId, storeDeps(deps));
  if (store.status !== 'open') {
    throw new ConflictError('store-closed', `Store ${store.id} is closed and takes no orders.`, { extensions: { storeId: store.id } });
  }
  const now = deps.now();
  const cart: Cart = {
    id: deps.newId(),
    shopperId: actor.subject,
    storeId: store.id,
    currency: store.currency,
    taxMode: taxModeOf(store),
    lines: [],
    coupons: [],
    loyaltyPoints: 0,
    status: 'open',
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: cartExpiry(now),
  };
  await transactWrite(deps, [newCartPut(deps, cart)]);
  return cart;
}

/**
 * Adds a SKU to the caller's cart, or adds to its line with the same SKU and substitution.
 * @throws ValidationError (400) for an unknown SKU, or a quantity that does not fit how it is sold
 * @throws ProductArchivedError (409) for a product no longer sold
 * @throws TooManyLinesError (422) past the line limit
 */
export async function addCartLine(cartId: string, input: AddLineInput, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  const { product, variant } = await sellableVariant(deps, input.sku);
  const quantity = resolveQuantity(variant, input.quantity);
  const at = deps.now().toISOString();
  const lineId = deps.newId();
  return changeCart(deps, cartId, actor, (cart) => {
    const change = addLine(cart, { sku: variant.sku, productId: product.id, quantity, substitution: input.substitution }, { lineId, at });
    return {
      changes: { lines: change.lines },
      event: { kind: 'add', line: change.line, added: quantity, merged: change.merged },
    };
  });
}

/**
 * Changes a line's quantity and/or substitution preference.
 * @throws LineNotFoundError (404) for a line the cart does not have
 * @throws ValidationError (400) for a quantity that does not fit how the SKU is sold
 * @throws ProductArchivedError (409) when a new quantity is asked of a product no longer sold
 */
export async function updateCartLine(
  cartId: string,
  lineId: string,
  input: UpdateLineInput,
  actor: CartActor,
  deps: CartDeps = cartDeps(),
): Promise<Cart> {
  return changeCart(deps, cartId, actor, async (cart) => {
    const existing = findLine(cart, lineId);
    const quantity = input.quantity ? resolveQuantity((await sellableVariant(deps, existing.sku, 'path.lineId')).variant, input.quantity) : undefined;
    const change = updateLine(cart, lineId, { quantity, substitution: input.substitution });
    return { changes: { lines: change.lines }, event: { kind: 'update', change: 'line-updated', line: change.line } };
  });
}

/**
 * Removes a line; removing an unavailable line is how a shopper clears it.
 * @throws LineNotFoundError (404) for a line the cart does not have
 */
export async function removeCartLine(cartId: string, lineId: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  return changeCart(deps, cartId, actor, (cart) => {
    const change = removeLine(cart, lineId);
    return { changes: { lines: change.lines }, event: { kind: 'update', change: 'line-removed', line: change.line } };
  });
}

/**
 * The caller's cart with its price explained, priced now from fresh reads. Staff with `admin` may
 * read any cart (support); everyone else sees only their own, and a foreign cart is a 404.
 * @throws CartNotFoundError (404)
 */
export async function getCart(cartId: string, actor: CartActor, deps: CartDeps = cartDeps()): Promise<CartView> {
  const cart = await ownCart(deps, cartId, actor, 'read');
  const { pricing, unavailableLines } = await priceCartNow(deps, cart);
  return { ...cart, pricing, unavailableLines };
}
