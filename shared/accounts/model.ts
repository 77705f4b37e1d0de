import { z } from 'zod';
import { StoreId } from '../stores/model.js';

/**
 * The shopper's profile as the API shows it. Every field but the bookkeeping is personal data: it stays in the
 * shopper's own partition and never reaches a log or an event.
 */

/** A phone number in E.164: `+`, a country code and the subscriber number, 8 to 15 digits in all, no spaces. */
export const E164Phone = z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number such as +447700900123');

const NamePart = z.string().trim().min(1).max(80);

/** Whether the shopper agreed to marketing, and when they last changed their mind (`null`: never asked). */
export const MarketingConsent = z.strictObject({
  granted: z.boolean(),
  /** Set by the server when `granted` changes; a client never sends it. */
  at: z.iso.datetime().nullable(),
});
export type MarketingConsent = z.infer<typeof MarketingConsent>;

export const Profile = z.strictObject({
  shopperId: z.string(),
  givenName: NamePart.optional(),
  familyName: NamePart.optional(),
  /** What to call the shopper when they prefer one name to a given and a family name. */
  displayName: NamePart.optional(),
  email: z.email().max(254).optional(),
  phone: E164Phone.optional(),
  marketingConsent: MarketingConsent,
  preferredStoreId: StoreId.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().positive(),
});
export type Profile = z.infer<typeof Profile>;

/**
 * `PATCH /me`: a JSON merge patch (RFC 7386) of the shopper's own fields. Absent leaves a field alone, `null` removes
 * it; `marketingConsent` takes only `granted`, its time being the server's. The expected `version` comes here or in
 * `If-Match`, and may be left out: the patch then applies to the version the server reads.
 */
export const UpdateProfileRequest = z
  .strictObject({
    version: z.number().int().positive().optional(),
    givenName: NamePart.nullable().optional(),
    familyName: NamePart.nullable().optional(),
    displayName: NamePart.nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    phone: E164Phone.nullable().optional(),
    marketingConsent: z.strictObject({ granted: z.boolean() }).optional(),
    preferredStoreId: StoreId.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).some((name) => name !== 'version'), { message: 'must change at least one field' });
export type UpdateProfileInput = z.input<typeof UpdateProfileRequest>;
export type ProfilePatch = z.infer<typeof UpdateProfileRequest>;

/** The profile fields a shopper edits, in the order the item stores them. */
export const EDITABLE_FIELDS = ['givenName', 'familyName', 'displayName', 'email', 'phone', 'preferredStoreId'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
