import { z } from 'zod';
import { Currency, Slug } from '../catalog/model.js';

/**
 * A store (a stock location): where shoppers' orders are picked, delivered from or collected. Its timezone
 * decides local slot times, its tax jurisdiction the tax rates, and its currency the prices it charges.
 */

/** A store's id: a readable slug such as `london-bridge`, stable for its lifetime. */
export const StoreId = Slug.max(40);

export const FULFILLMENT_MODES = ['delivery', 'pickup'] as const;
export const FulfillmentMode = z.enum(FULFILLMENT_MODES);
export type FulfillmentMode = z.infer<typeof FulfillmentMode>;

/** An IANA timezone name such as `Europe/London`, checked against the runtime's own list. */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.includes('/') || tz === 'UTC';
  } catch {
    return false;
  }
}, 'must be an IANA timezone such as Europe/London');

/** An ISO 3166-1 country code, optionally with a subdivision (`GB`, `US-NY`). */
export const TaxJurisdiction = z.string().regex(/^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$/, 'must be a country code such as GB, optionally with a region such as US-NY');

export const Address = z.strictObject({
  line1: z.string().trim().min(1).max(120),
  line2: z.string().trim().min(1).max(120).optional(),
  city: z.string().trim().min(1).max(80),
  postcode: z.string().trim().min(1).max(16),
  /** ISO 3166-1 alpha-2. */
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as GB'),
});
export type Address = z.infer<typeof Address>;

/** `open` stores take orders; a `closed` one is listed (orders in flight still need it) but takes no new reservations. */
export const StoreStatus = z.enum(['open', 'closed']);
export type StoreStatus = z.infer<typeof StoreStatus>;

/** A district (`SE1`) or prefix (`SE1`, `EH6`) of an area: upper case, no spaces, as `postcodes.ts` writes a postcode's compact form. */
export const AreaCode = z.string().regex(/^[A-Z0-9]{1,10}$/, 'must be upper-case letters and digits without spaces, such as SE1');

/**
 * Postcodes as data: a postcode is in the area when its district (GB's outward code, a US ZIP's five digits: see
 * `postcodes.ts`) is one of `districts` exactly (`SE1` is not `SE16`), or its compact form starts with one of `prefixes`
 * (`SE1` is `SE1`, `SE10` to `SE19` and anything else starting so). Always in the store's own country.
 */
export const PostcodeArea = z.strictObject({
  districts: z.array(AreaCode).max(1000),
  prefixes: z.array(AreaCode).max(1000),
});
export type PostcodeArea = z.infer<typeof PostcodeArea>;

export const Store = z.strictObject({
  id: StoreId,
  name: z.string().trim().min(1).max(80),
  address: Address,
  timezone: TimeZone,
  taxJurisdiction: TaxJurisdiction,
  currency: Currency,
  fulfillmentModes: z.array(FulfillmentMode).min(1).max(FULFILLMENT_MODES.length),
  /** Where the store delivers to (`areas.ts`). */
  deliveryArea: PostcodeArea,
  /** Whom the store offers collection to, as "nearby" (`areas.ts`): meaningful only when it takes pickups. */
  collectionArea: PostcodeArea,
  status: StoreStatus,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Store = z.infer<typeof Store>;

/** A store as `GET /stores` lists it: with a postcode asked about, whether it delivers there and offers collection nearby. */
export const StoreListing = Store.extend({
  /** With `postcode`: the store delivers to it. */
  delivers: z.boolean().optional(),
  /** With `postcode`: the store takes pickups and the postcode is in its collection area. */
  collection: z.boolean().optional(),
});
export type StoreListing = z.infer<typeof StoreListing>;

/** Path parameters of `/stores/{id}`. */
export const StoreIdParams = z.strictObject({ id: StoreId });

/**
 * `GET /stores`' query: with `postcode`, only the stores that deliver there or offer collection nearby. `country` is
 * the postcode's (ISO 3166-1 alpha-2), GB unless given.
 */
export const ListStoresQuery = z
  .strictObject({
    postcode: z.string().trim().min(1).max(16).optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as GB').optional(),
  })
  .refine((query) => query.country === undefined || query.postcode !== undefined, { message: 'country goes with postcode', path: ['country'] });
export type ListStoresQuery = z.infer<typeof ListStoresQuery>;
