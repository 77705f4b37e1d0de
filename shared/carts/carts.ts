import { MISMATCH_MESSAGES, standInMismatches } from '../catalog/substitutes.js';
import { transactWrite } from '../db/transact.js';
import { ConflictError, ValidationError } from '../errors.js';
import { requireStore, storeDeps } from '../stores/repository.js';
import type { Store } from '../stores/model.js';
import { sellableVariant, type SellableVariant } from './catalog-lookup.js';
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
 * Checks the SKU a shopper chose as a line's substitute (`substitution: specific`): it must be sold and able to stand in
 * for the line's SKU (`standInMismatches`: another SKU, not a bundle, sold the same way, taxed alike, not age-restricted
 * unless the line's SKU is). Whether it is in stock is the picker's to see.
 * @throws ValidationError (400) naming `body.substituteSku`, with every reason
 * @throws ProductArchivedError (409) when its product is no longer sold
 */
async function checkChosenSubstitute(deps: CartDeps, ordered: SellableVariant, substituteSku: string | undefined): Promise<void> {
  if (substituteSku === undefined) return;
  const field = 'body.substituteSku';
  const mismatches = standInMismatches(ordered, await sellableVariant(deps, substituteSku, field));
  if (mismatches.length > 0) {
    throw new ValidationError(
      mismatches.map((reason) => ({ field, message: `${substituteSku} ${MISMATCH_MESSAGES[reason]}` })),
      `${substituteSku} cannot stand in for ${ordered.variant.sku}.`,
    );
  }
}

/**
 * Adds a SKU to the caller's cart, or adds to its line with the same SKU and substitution preference.
 * @throws ValidationError (400) for an unknown SKU, a quantity that does not fit how it is sold, or a chosen substitute
 *   that cannot stand in for it
 * @throws ProductArchivedError (409) for a product (or chosen substitute) no longer sold
 * @throws TooManyLinesError (422) past the line limit
 */
export async function addCartLine(cartId: string, input: AddLineInput, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  const ordered = await sellableVariant(deps, input.sku);
  const { product, variant } = ordered;
  const quantity = resolveQuantity(variant, input.quantity);
  await checkChosenSubstitute(deps, ordered, input.substituteSku);
  const at = deps.now().toISOString();
  const lineId = deps.newId();
  return changeCart(deps, cartId, actor, (cart) => {
    const preference = { substitution: input.substitution, substituteSku: input.substituteSku };
    const change = addLine(cart, { sku: variant.sku, productId: product.id, quantity, ...preference }, { lineId, at });
    return {
      changes: { lines: change.lines },
      event: { kind: 'add', line: change.line, added: quantity, merged: change.merged },
    };
  });
}

/**
 * Changes a line's quantity and/or substitution preference.
 * @throws LineNotFoundError (404) for a line the cart does not have
 * @throws ValidationError (400) for a quantity that does not fit how the SKU is sold, or a chosen substitute that cannot
 *   stand in for it
 * @throws ProductArchivedError (409) when a new quantity or a chosen substitute is asked of a product no longer sold
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
    const needsCatalog = input.quantity !== undefined || input.substituteSku !== undefined;
    const ordered = needsCatalog ? await sellableVariant(deps, existing.sku, 'path.lineId') : undefined;
    const quantity = input.quantity && ordered ? resolveQuantity(ordered.variant, input.quantity) : undefined;
    if (ordered) await checkChosenSubstitute(deps, ordered, input.substituteSku);
    const change = updateLine(cart, lineId, { quantity, substitution: input.substitution, substituteSku: input.substituteSku });
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
