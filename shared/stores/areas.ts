import { AppError } from '../errors.js';
import type { PostcodeArea, Store } from './model.js';
import { isRefusal, parsePostcode, type Postcode } from './postcodes.js';

/**
 * Delivery and collection areas: pure rules on a store's data. A store delivers to a postcode of its own country whose
 * district is one of its delivery area's districts, or whose compact form starts with one of its prefixes; it offers
 * collection "nearby" to the postcodes of its collection area in the same way, when it takes pickups at all.
 */

/** Whether a parsed postcode is in an area: its district listed exactly, or its compact form under a listed prefix. */
export function inArea(area: PostcodeArea, postcode: Pick<Postcode, 'district' | 'compact'>): boolean {
  return area.districts.includes(postcode.district) || area.prefixes.some((prefix) => postcode.compact.startsWith(prefix));
}

/** The postcode when it is one of the store's country and well-formed there; otherwise nothing the store serves. */
function inStoreCountry(store: Pick<Store, 'address'>, postcode: string, country: string): Postcode | undefined {
  if (country !== store.address.country) return undefined;
  const parsed = parsePostcode(postcode, country);
  return isRefusal(parsed) ? undefined : parsed;
}

/**
 * Whether `store` delivers to `postcode` in `country`, the postcode as typed (`se1 2tf` is `SE1 2TF`). A store delivers
 * only within its own country; a malformed postcode is in no area.
 */
export function deliversTo(store: Pick<Store, 'address' | 'fulfillmentModes' | 'deliveryArea'>, postcode: string, country: string): boolean {
  if (!store.fulfillmentModes.includes('delivery')) return false;
  const parsed = inStoreCountry(store, postcode, country);
  return parsed !== undefined && inArea(store.deliveryArea, parsed);
}

/** Whether `store` takes pickups and `postcode` in `country` is in its collection area (the shopper lives nearby). */
export function offersCollectionTo(store: Pick<Store, 'address' | 'fulfillmentModes' | 'collectionArea'>, postcode: string, country: string): boolean {
  if (!store.fulfillmentModes.includes('pickup')) return false;
  const parsed = inStoreCountry(store, postcode, country);
  return parsed !== undefined && inArea(store.collectionArea, parsed);
}

/** A store as `GET /stores?postcode=` lists it: whether it delivers to the postcode, and whether it offers collection nearby. */
export type StoreNear = Store & { delivers: boolean; collection: boolean };

/** The stores that deliver to the postcode or offer collection near it, each marked with which; the others are left out. */
export function storesServing(stores: readonly Store[], postcode: string, country: string): StoreNear[] {
  return stores
    .map((store) => ({ ...store, delivers: deliversTo(store, postcode, country), collection: offersCollectionTo(store, postcode, country) }))
    .filter((store) => store.delivers || store.collection);
}

/** The store does not deliver to the address a cart or an order would be delivered to. */
export class OutsideDeliveryAreaError extends AppError {
  override readonly name = 'OutsideDeliveryAreaError';
  constructor(store: Pick<Store, 'id' | 'name'>, postcode: string, country: string) {
    super('unprocessable', 'address-outside-delivery-area', `${store.name} (${store.id}) does not deliver to ${postcode}, ${country}.`, {
      extensions: { storeId: store.id, postcode, country },
    });
  }
}

/**
 * Refuses a delivery address outside the store's delivery area.
 * @throws OutsideDeliveryAreaError (422 `address-outside-delivery-area`) naming the store and the postcode
 */
export function assertDeliversTo(store: Store, address: { postcode: string; country: string }): void {
  if (!deliversTo(store, address.postcode, address.country)) throw new OutsideDeliveryAreaError(store, address.postcode, address.country);
}
