import type { Address } from '../stores/model.js';
import type { Order } from '../orders/model.js';
import type { OrderReturn } from '../orders/returns.js';

/**
 * What an erasure leaves of the records the law makes us keep: the money, the goods, the store and the dates, with
 * nothing that names or reaches the shopper. Pure functions; `erasure.ts` writes what they return.
 */

/** What stands in for an erased free-text field that the schema requires. */
export const ERASED = '[erased]';

/** Statuses after which an order moves no more money. */
const SETTLED_STATUSES: readonly Order['status'][] = ['failed', 'cancelled', 'refunded'];
/** Statuses of an order that was paid for; its goods may still be on their way. */
const PAID_STATUSES: readonly Order['status'][] = ['completed', 'partially-refunded'];
/** Fulfilment statuses after which nothing more reaches the shopper's door or the desk. */
const HANDED_OVER: readonly NonNullable<Order['fulfillmentStatus']>[] = ['delivered', 'collected', 'returned-to-store'];

/**
 * Whether an order is still in flight: not yet delivered, collected or cancelled. Such an order still needs its
 * delivery address, its shopper's answers and its payment, so an erasure waits for it (409).
 */
export function isOrderInFlight(order: Pick<Order, 'status' | 'fulfillment' | 'fulfillmentStatus'>): boolean {
  if (SETTLED_STATUSES.includes(order.status)) return false;
  if (!PAID_STATUSES.includes(order.status)) return true;
  // A till sale is handed over at the till; everything else once its goods reached the shopper or came back.
  return order.fulfillment.mode !== 'in-store' && !(order.fulfillmentStatus !== undefined && HANDED_OVER.includes(order.fulfillmentStatus));
}

/**
 * The part of a postcode that places a sale for tax without finding a home: the outward code in the UK (`SE1 9SG` →
 * `SE1`), the routing key in Ireland (`D02 X285` → `D02`), the first two characters elsewhere.
 */
export function postcodeDistrict(postcode: string, country: string): string {
  const compact = postcode.replace(/\s+/g, '').toUpperCase();
  if (country === 'GB') return compact.length > 3 ? compact.slice(0, -3) : compact;
  if (country === 'IE') return compact.slice(0, 3);
  return compact.slice(0, 2);
}

/** An address reduced to its postcode district and country, the rest erased (the schema requires a first line and a town). */
export function anonymiseAddress(address: Address): Address {
  return { line1: ERASED, city: ERASED, postcode: postcodeDistrict(address.postcode, address.country), country: address.country };
}

/** Whether an address is already what `anonymiseAddress` makes of one. */
export function isAnonymisedAddress(address: Address): boolean {
  return address.line1 === ERASED && address.city === ERASED && address.line2 === undefined;
}

/** Every string in `value` equal to `from` (the shopper's id, as owner or actor) replaced by `to`, however deep. */
function replaceId<T>(value: T, from: string, to: string): T {
  if (value === from) return to as T;
  if (Array.isArray(value)) return value.map((v: unknown) => replaceId(v, from, to)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceId(v, from, to)])) as T;
  }
  return value;
}

/**
 * An order as the books keep it after its shopper's erasure: owned by `pseudonym` (so it leaves the shopper's order
 * list and their `GET /orders/{id}` finds nothing), the delivery address reduced to its postcode district and country,
 * the delivery's recipient (name, phone, instructions) dropped, the payment's client secret dropped, and every mention
 * of the shopper's id as an actor replaced. Lines, amounts, taxes, the store, dates and statuses are kept: they are the
 * record. Applying it twice gives the same order.
 */
export function anonymiseOrder(order: Order, pseudonym: string): Order {
  const renamed = replaceId(order, order.shopperId, pseudonym);
  const { action: _clientSecret, ...payment } = renamed.payment;
  return { ...renamed, payment, fulfillment: anonymiseFulfillment(renamed.fulfillment) };
}

/** A delivery's address cut to its district, and its recipient (name, phone, instructions) dropped whole. */
function anonymiseFulfillment(fulfillment: Order['fulfillment']): Order['fulfillment'] {
  if (fulfillment.mode !== 'delivery') return fulfillment;
  const { recipient: _recipient, ...delivery } = fulfillment;
  return { ...delivery, address: anonymiseAddress(fulfillment.address) };
}

/** A return of an erased shopper's order: owned by the pseudonym, the shopper's own words about each line dropped. */
export function anonymiseReturn(ret: OrderReturn, shopperId: string, pseudonym: string): OrderReturn {
  const renamed = replaceId(ret, shopperId, pseudonym);
  return { ...renamed, lines: renamed.lines.map(({ note: _note, ...line }) => line) };
}
