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

export const Store = z.strictObject({
  id: StoreId,
  name: z.string().trim().min(1).max(80),
  address: Address,
  timezone: TimeZone,
  taxJurisdiction: TaxJurisdiction,
  currency: Currency,
  fulfillmentModes: z.array(FulfillmentMode).min(1).max(FULFILLMENT_MODES.length),
  status: StoreStatus,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Store = z.infer<typeof Store>;

/** Path parameters of `/stores/{id}`. */
export const StoreIdParams = z.strictObject({ id: StoreId });
