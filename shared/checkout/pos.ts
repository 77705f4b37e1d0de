import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Sku } from '../catalog/model.js';
import { taxModeOf } from '../carts/carts.js';
import { currentLines } from '../carts/catalog-lookup.js';
import { MinimumOrderError } from '../carts/errors.js';
import type { Cart, CartLine, Fulfillment } from '../carts/model.js';
import { priceCartNow } from '../carts/pricing.js';
import { resolveQuantity } from '../carts/quantities.js';
import { QuantityRequest } from '../carts/requests.js';
import { batchGet } from '../db/batch.js';
import { keys } from '../db/keys.js';
import { ConflictError, ValidationError, type FieldError } from '../errors.js';
import { SlotNotFoundError } from '../fulfillment/errors.js';
import { assertBookable, getSlot, parseSlotId, SlotId, type Slot } from '../fulfillment/slots.js';
import { orderFromPricedCart } from '../orders/from-cart.js';
import { Order, type OrderFulfillment, PosReference, StoreMetadata, walkInShopper } from '../orders/model.js';
import { getOrderRecord, PosReferenceTakenError, putNewOrder } from '../orders/repository.js';
import { Address, StoreId, type Store } from '../stores/model.js';
import { requireStore, storeDeps } from '../stores/repository.js';
import { shopperOfLoyaltyId } from '../loyalty/loyalty-ids.js';
import { LoyaltyId } from '../loyalty/model.js';
import { businessMetrics } from '../observability/business-metrics.js';
import { checkoutDeps, type CheckoutActor, type CheckoutDeps } from './deps.js';
import { CheckoutRequest, checkoutKeyOf, sagaInput } from './start.js';

/** Most lines one till or phone sale may hold; larger than a cart's, since a till rings up a whole trolley. */
export const MAX_POS_LINES = 90;

/** `POST /orders`: a sale taken at a store's till or over the phone, priced by the server like a cart. */
export const PosOrderRequest = z
  .strictObject({
    channel: z.enum(['pos', 'phone']),
    storeId: StoreId,
    posReference: PosReference,
    storeMetadata: StoreMetadata.optional(),
    /**
     * The loyalty identifier the shopper showed (GET /loyalty gives each shopper theirs): the sale becomes theirs (their
     * orders list, their points). Left out, or held by nobody, the sale is a walk-in's, `pos:<storeId>`, and credits no
     * shopper. A till never names a shopper directly: it could name anybody.
     */
    loyaltyId: LoyaltyId.optional(),
    lines: z.array(z.strictObject({ sku: Sku, quantity: QuantityRequest })).min(1).max(MAX_POS_LINES),
    fulfillment: z.discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('in-store') }),
      z.strictObject({ mode: z.literal('pickup'), slotId: SlotId }),
      z.strictObject({ mode: z.literal('delivery'), slotId: SlotId, address: Address }),
    ]),
    paymentMethod: CheckoutRequest.shape.paymentMethod,
  })
  // Only a sale at the till is handed over there and then; a phone order is picked up or delivered in a slot.
  .refine((sale) => sale.channel === 'pos' || sale.fulfillment.mode !== 'in-store', {
    path: ['fulfillment', 'mode'],
    message: 'a phone order is picked up or delivered: choose pickup or delivery and a slot',
  });
export type PosOrderRequest = z.infer<typeof PosOrderRequest>;

/** Whom a sale credits: the holder of the loyalty identifier shown, or nobody (`none` shown, or `unknown-id`). */
export type LoyaltyCredit = 'shopper' | 'none' | 'unknown-id';

/** What a stored sale says about whom it credited, from the request it was made for. Pure. */
export function loyaltyCreditOf(order: Pick<Order, 'shopperId' | 'storeId'>, loyaltyId: string | undefined): LoyaltyCredit {
  if (loyaltyId === undefined) return 'none';
  return order.shopperId === walkInShopper(order.storeId) ? 'unknown-id' : 'shopper';
}

/**
 * One field error per line that repeats an earlier line's SKU. A sale gives each SKU once: the saga reserves each line's
 * stock in one transaction, which cannot touch the same stock item twice, and adding up quantities of different kinds
 * (a count and grams of the same weighed good) has no single right answer. Pure.
 */
export function repeatedSkus(lines: readonly { sku: string }[]): FieldError[] {
  const first = new Map<string, number>();
  return lines.flatMap((line, i) => {
    const earlier = first.get(line.sku);
    if (earlier === undefined) {
      first.set(line.sku, i);
      return [];
    }
    return [{ field: `body.lines.${i}.sku`, message: `${line.sku} is already line ${earlier}; give each SKU once, with its whole quantity` }];
  });
}

/**
 * The cart a sale is priced as, never stored: the store's currency and tax mode, no coupons or points, and the slot
 * (so its fee and minimum order apply) unless the goods are handed over at the till. Pure.
 */
export function saleCart(input: { id: string; shopperId: string; store: Pick<Store, 'id' | 'currency' | 'taxJurisdiction'>; lines: CartLine[]; fulfillment: OrderFulfillment; at: Date }): Cart {
  const at = input.at.toISOString();
  const fulfillment: Fulfillment | undefined = input.fulfillment.mode === 'in-store' ? undefined : input.fulfillment;
  return {
    id: input.id,
    shopperId: input.shopperId,
    storeId: input.store.id,
    currency: input.store.currency,
    taxMode: taxModeOf(input.store),
    lines: input.lines,
    coupons: [],
    loyaltyPoints: 0,
    ...(fulfillment === undefined ? {} : { fulfillment }),
    status: 'open',
    version: 1,
    createdAt: at,
    updatedAt: at,
    expiresAt: at,
  };
}

/**
 * `orderFromPricedCart` copies the cart's slot into the order and refuses a cart without one; a till sale has none, so
 * it is frozen with this stand-in, which is replaced by `in-store` before the order is built. Pricing never sees it.
 */
const STAND_IN_SLOT: Fulfillment = { mode: 'pickup', slotId: '2000-01-01T00:00Z~pickup' };

/** The sale's lines with their products, each SKU and quantity checked against the catalog, every problem named by its field. */
async function saleLines(deps: CheckoutDeps, request: PosOrderRequest): Promise<{ lines: CartLine[]; names: Map<string, string>; ageRestricted: boolean }> {
  const problems = repeatedSkus(request.lines);
  if (problems.length > 0) throw new ValidationError(problems, 'A SKU is given on more than one line.');
  const claims = await batchGet(
    deps,
    request.lines.map((line) => keys.sku(line.sku)),
  );
  const productOf = new Map(claims.map((claim) => [claim.sku as string, claim.productId as string]));
  const at = deps.now().toISOString();
  const unknown: FieldError[] = [];
  const provisional: CartLine[] = [];
  request.lines.forEach((line, i) => {
    const productId = productOf.get(line.sku);
    if (productId === undefined) unknown.push({ field: `body.lines.${i}.sku`, message: `no product has the SKU ${line.sku}` });
    // The quantity is resolved once the variant is known; the catalog lookup reads only the SKU and product.
    else provisional.push({ lineId: deps.newId(), sku: line.sku, productId, quantity: { count: 1 }, substitution: 'none', addedAt: at });
  });
  if (unknown.length > 0) throw new ValidationError(unknown, 'Some lines name SKUs no product has.');
  const current = await currentLines(deps, provisional);
  if (current.unavailable.length > 0) {
    const index = new Map(request.lines.map((line, i) => [line.sku, i]));
    throw new ValidationError(
      current.unavailable.map((u) => ({ field: `body.lines.${index.get(u.sku)!}.sku`, message: `${u.sku} is no longer sold (${u.reason})` })),
      'Some lines name products that are no longer sold.',
    );
  }
  const bySku = new Map(current.available.map((a) => [a.line.sku, a]));
  const lines = request.lines.map((line, i) => {
    const { line: cartLine, variant } = bySku.get(line.sku)!;
    return { ...cartLine, quantity: resolveQuantity(variant, line.quantity, `body.lines.${i}.quantity`) };
  });
  return {
    lines,
    names: new Map(current.available.map((a) => [a.line.sku, a.product.name])),
    ageRestricted: current.available.some((a) => a.product.ageRestricted),
  };
}

/** The slot a pickup or delivery sale is booked into, bookable now and of the mode asked for; none for a till sale. */
async function saleSlot(deps: CheckoutDeps, storeId: string, fulfillment: PosOrderRequest['fulfillment']): Promise<Slot | undefined> {
  if (fulfillment.mode === 'in-store') return undefined;
  if (parseSlotId(fulfillment.slotId)?.mode !== fulfillment.mode) {
    throw new ValidationError([{ field: 'body.fulfillment.slotId', message: `${fulfillment.slotId} is not a ${fulfillment.mode} slot` }]);
  }
  const slot = await getSlot(storeId, fulfillment.slotId, deps);
  if (!slot) throw new SlotNotFoundError(storeId, fulfillment.slotId);
  assertBookable(slot, deps.now());
  return slot;
}

/** The order a repeat of the same sale under the same `Idempotency-Key` made, when its POS reference is already claimed. */
async function repeatedSale(deps: CheckoutDeps, order: Order): Promise<Order | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.posReference(order.storeId, order.posReference!), ConsistentRead: true }));
  const existing = typeof Item?.orderId === 'string' ? await getOrderRecord(deps, Item.orderId) : undefined;
  return existing !== undefined && existing.checkoutKey === order.checkoutKey ? existing : undefined;
}

/**
 * `POST /orders`: a till or phone sale becomes an order. Its lines are priced now like a cart's (catalog prices,
 * running promotions, the store's tax, the slot's fee), frozen into a `pending` order whose POS reference is claimed for
 * the store in the same write, and the checkout saga is started for it (reserve, authorize, confirm, capture). A sale
 * handed over at the till (`in-store`) has no slot. Age-restricted goods mark the order for an ID check at handover.
 *
 * A repeat of the same request under the same `Idempotency-Key` is answered by the idempotency middleware; should that
 * record be lost (a crash between the write and the answer), the claimed reference still finds the same order, whose
 * saga is started again (a no-op when running).
 *
 * The sale is the shopper's whose loyalty identifier the till sent; an identifier nobody holds makes it a walk-in's
 * ({@link loyaltyCreditOf} says which, for the answer).
 *
 * @param idempotencyKey the request's `Idempotency-Key`, if it sent one
 * @throws ValidationError (400) naming `body.lines.<i>.sku` for an unknown, repeated or no longer sold SKU,
 *   `body.lines.<i>.quantity` for a quantity that does not fit how it is sold, `body.fulfillment.slotId` for a slot of another mode
 * @throws NotFoundError (404) for an unknown store, SlotNotFoundError (404) for a slot the store does not have
 * @throws ConflictError (409 `store-closed`), PosReferenceTakenError (409 `pos-reference-taken`) for another sale's reference
 * @throws SlotInPastError / SlotCutOffError (422), SlotFullError / SlotClosedError (409), MinimumOrderError (422)
 */
export async function createPosOrder(
  request: PosOrderRequest,
  idempotencyKey: string | undefined,
  actor: CheckoutActor,
  deps: CheckoutDeps = checkoutDeps(),
): Promise<Order> {
  const store = await requireStore(request.storeId, storeDeps(deps));
  if (store.status !== 'open') throw new ConflictError('store-closed', `Store ${store.id} is closed and takes no orders.`, { extensions: { storeId: store.id } });
  const [slot, { lines, names, ageRestricted }] = await Promise.all([saleSlot(deps, store.id, request.fulfillment), saleLines(deps, request)]);

  const orderId = deps.newId();
  const now = deps.now();
  const holder = request.loyaltyId === undefined ? undefined : await shopperOfLoyaltyId(request.loyaltyId, deps);
  const shopperId = holder ?? walkInShopper(store.id);
  const cart = saleCart({ id: orderId, shopperId, store, lines, fulfillment: request.fulfillment, at: now });
  const priced = await priceCartNow(deps, cart);
  if (priced.pricing.minimumOrder?.met === false) throw new MinimumOrderError(priced.pricing.minimumOrder.required.amount, priced.pricing.currency);
  const frozen = orderFromPricedCart({
    orderId,
    cart: cart.fulfillment === undefined ? { ...cart, fulfillment: STAND_IN_SLOT } : cart,
    pricing: priced.pricing,
    pricedFrom: priced.pricedFrom,
    names,
    at: now,
    actor: actor.actor,
  });
  const { cartId: _none, ...rest } = frozen;
  const order = Order.parse({
    ...rest,
    channel: request.channel,
    posReference: request.posReference,
    ...(request.storeMetadata === undefined ? {} : { storeMetadata: request.storeMetadata }),
    fulfillment: request.fulfillment,
    payment: { ...frozen.payment, method: request.paymentMethod },
    ...(idempotencyKey === undefined ? {} : { checkoutKey: checkoutKeyOf(actor.actor, idempotencyKey) }),
    ...(ageRestricted ? { idCheckRequired: true } : {}),
  } satisfies Order);

  try {
    await putNewOrder(deps, order);
  } catch (error) {
    const repeated = error instanceof PosReferenceTakenError && order.checkoutKey !== undefined ? await repeatedSale(deps, order) : undefined;
    if (!repeated) throw error;
    await deps.workflow.start(sagaInput(repeated, slot?.endsAt, deps));
    return repeated;
  }
  businessMetrics.orderPlaced();
  await deps.workflow.start(sagaInput(order, slot?.endsAt, deps));
  return order;
}
