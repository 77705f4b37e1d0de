import { z } from 'zod';
import { Id } from '../catalog/model.js';
import { E164Phone } from './model.js';

/**
 * The shopper's address book as the API shows it. Every field but the bookkeeping is personal data: it stays in the
 * shopper's own partition (`keys.shopperAddress`) and never reaches a log or an event; a cart that delivers to one
 * holds a copy of its address lines, as the order does after it.
 */

/** How many addresses one shopper may keep. */
export const MAX_ADDRESSES = 20;

/** Longest delivery instructions ("leave with the neighbour at 14"), in characters. */
export const MAX_INSTRUCTIONS = 300;

const Country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as GB');

/** The fields a shopper writes, with their limits; `postcode` is checked for `country` and normalised by the use-case. */
const fields = {
  /** What the shopper calls it: "Home", "Work". */
  label: z.string().trim().min(1).max(40),
  recipientName: z.string().trim().min(1).max(120),
  line1: z.string().trim().min(1).max(120),
  line2: z.string().trim().min(1).max(120),
  city: z.string().trim().min(1).max(80),
  postcode: z.string().trim().min(1).max(16),
  country: Country,
  phone: E164Phone,
  instructions: z.string().trim().min(1).max(MAX_INSTRUCTIONS, `must be at most ${MAX_INSTRUCTIONS} characters`),
};

/** The fields a patch may remove (`null`): the optional ones. */
export const REMOVABLE_FIELDS = ['line2', 'phone', 'instructions'] as const;
/** The fields a patch may replace. */
export const EDITABLE_FIELDS = ['label', 'recipientName', 'line1', 'line2', 'city', 'postcode', 'country', 'phone', 'instructions'] as const;

export const SavedAddress = z.strictObject({
  id: Id,
  label: fields.label,
  recipientName: fields.recipientName,
  line1: fields.line1,
  line2: fields.line2.optional(),
  city: fields.city,
  /** As the country writes it: `SW1A 1AA`. */
  postcode: fields.postcode,
  country: Country,
  phone: fields.phone.optional(),
  instructions: fields.instructions.optional(),
  /** At most one address of a book is the default. */
  isDefault: z.boolean(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type SavedAddress = z.infer<typeof SavedAddress>;

/** `POST /me/addresses`. `isDefault: true` makes it the default, taking that from the address that was. */
export const AddAddressRequest = z.strictObject({
  label: fields.label,
  recipientName: fields.recipientName,
  line1: fields.line1,
  line2: fields.line2.optional(),
  city: fields.city,
  postcode: fields.postcode,
  country: Country,
  phone: fields.phone.optional(),
  instructions: fields.instructions.optional(),
  isDefault: z.boolean().default(false),
});
export type AddAddressInput = z.infer<typeof AddAddressRequest>;

/**
 * `PATCH /me/addresses/{id}`: a JSON merge patch (RFC 7386) of the address. Absent leaves a field alone, `null` removes
 * an optional one (`line2`, `phone`, `instructions`); `isDefault: true` makes it the default, `false` leaves the book
 * without one. The expected `version` comes here or in `If-Match`, and one of them is required.
 */
export const UpdateAddressRequest = z
  .strictObject({
    version: z.number().int().positive().optional(),
    label: fields.label.optional(),
    recipientName: fields.recipientName.optional(),
    line1: fields.line1.optional(),
    line2: fields.line2.nullable().optional(),
    city: fields.city.optional(),
    postcode: fields.postcode.optional(),
    country: Country.optional(),
    phone: fields.phone.nullable().optional(),
    instructions: fields.instructions.nullable().optional(),
    isDefault: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).some((name) => name !== 'version'), { message: 'must change at least one field' });
export type UpdateAddressInput = z.infer<typeof UpdateAddressRequest>;

/** Path parameters of `/me/addresses/{id}`. */
export const AddressIdParams = z.strictObject({ id: Id });

/** `GET /me/addresses`. */
export const AddressList = z.strictObject({ items: z.array(SavedAddress) });
