import { z } from 'zod';
import { E164Phone } from '../accounts/model.js';
import { Currency, Id, Sku } from '../catalog/model.js';
import { SlotId } from '../fulfillment/slot-id.js';
import { CouponCode as PromotionCouponCode } from '../pricing/promotions.js';
import { Address, StoreId } from '../stores/model.js';

/**
 * The cart's shapes. A cart is one document (one item in the table) that every write replaces
 * whole under a version condition; its lines, coupons, loyalty redemption and fulfillment choice
 * are embedded because they are bounded and always read together.
 */

/** Most lines one cart holds; a grocery basket is rarely past 40 distinct products. */
export const MAX_LINES = 50;

/** Most coupons one cart carries. */
export const MAX_COUPONS = 10;

/** Limits on one line's quantity, all integers: items or packs, grams, millilitres. */
export const QUANTITY_LIMITS = {
  count: { min: 1, max: 99 },
  grams: { min: 50, max: 25_000 },
  millilitres: { min: 50, max: 25_000 },
} as const;

/** The shopper's substitution preferences, newest spelling first; docs/fulfillment.md ("Substitutions") gives the rules. */
export const SUBSTITUTIONS = ['none', 'best-match', 'same-brand', 'specific'] as const;

/**
 * What the picker may hand over instead when a line's product is out of stock at picking time: nothing (`none`), a best
 * match (same category, sold the same way), a best match of the same brand (`same-brand`), or the one SKU the shopper
 * chose (`specific`, with `substituteSku`). `any`, the spelling before issue 12, is read as `best-match`: migration
 * 0003 rewrote stored carts and orders, and clients that still send it keep working.
 */
export const Substitution = z.preprocess((value) => (value === 'any' ? 'best-match' : value), z.enum(SUBSTITUTIONS));
export type Substitution = z.infer<typeof Substitution>;

/**
 * A line's quantity as stored: a count of items or packs, grams or millilitres; a weighed item
 * asked for as a count ("3 bananas") keeps the count and the grams it was converted to.
 */
export const LineQuantity = z.union([
  z.strictObject({ count: z.number().int().positive(), grams: z.number().int().positive() }),
  z.strictObject({ count: z.number().int().positive() }),
  z.strictObject({ grams: z.number().int().positive() }),
  z.strictObject({ millilitres: z.number().int().positive() }),
]);
export type LineQuantity = z.infer<typeof LineQuantity>;

export const CartLine = z.strictObject({
  lineId: Id,
  sku: Sku,
  productId: Id,
  quantity: LineQuantity,
  substitution: Substitution,
  /** With `substitution: specific`: the SKU the shopper chose as the substitute, sold the same way as `sku`. */
  substituteSku: Sku.optional(),
  addedAt: z.iso.datetime(),
});
export type CartLine = z.infer<typeof CartLine>;

/** Longest delivery instructions, as the address book keeps them. */
const MAX_INSTRUCTIONS = 300;

/**
 * Who takes a delivery in and how the driver reaches them: the recipient's name, phone and instructions of the saved
 * address a cart delivers to, copied into the cart with its lines and frozen into the order at checkout, so that the
 * picker, the driver and the courier have them and a later change to the address book changes no order. Personal data:
 * kept on the cart and the order only, never in an event, a log or the books, and erased with the shopper.
 */
export const DeliveryRecipient = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    phone: E164Phone.optional(),
    instructions: z.string().trim().min(1).max(MAX_INSTRUCTIONS).optional(),
  })
  .describe(
    'Who takes the delivery in, their phone and the driver’s instructions, copied from the saved address chosen by `addressId` and frozen into the order at checkout: a later change to the address book changes no order. For the shopper, the store’s staff and the courier; erased with the shopper.',
  );
export type DeliveryRecipient = z.infer<typeof DeliveryRecipient>;

export const Fulfillment = z.discriminatedUnion('mode', [
  /** `recipient` when the address was chosen from the address book (`addressId`); an inline address has none. */
  z.strictObject({ mode: z.literal('delivery'), slotId: SlotId, address: Address, recipient: DeliveryRecipient.optional() }),
  z.strictObject({ mode: z.literal('pickup'), slotId: SlotId }),
]);
export type Fulfillment = z.infer<typeof Fulfillment>;

export const CartStatus = z.enum(['open', 'held', 'checked-out']);
export type CartStatus = z.infer<typeof CartStatus>;

/** A coupon code as a shopper types it: trimmed and upper-cased before the promotions' own rule applies. */
export const CouponCode = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .pipe(PromotionCouponCode);

/** The stock and slot held for a cart at checkout, until `holdUntil`. */
export const CartHold = z.strictObject({
  reservationId: z.string().min(1),
  holdUntil: z.iso.datetime(),
  /** The cart version the hold was taken for; a hold names exactly the lines it reserved. */
  cartVersion: z.number().int().positive(),
});
export type CartHold = z.infer<typeof CartHold>;

export const Cart = z.strictObject({
  id: Id,
  shopperId: z.string().min(1),
  storeId: StoreId,
  currency: Currency,
  taxMode: z.enum(['exclusive', 'inclusive']),
  lines: z.array(CartLine).max(MAX_LINES),
  /** Applied coupon codes, upper-case, in the order they were applied. */
  coupons: z.array(z.string()).max(MAX_COUPONS),
  /** Loyalty points the shopper chose to redeem against this cart; 0 for none. */
  loyaltyPoints: z.number().int().nonnegative(),
  fulfillment: Fulfillment.optional(),
  status: CartStatus,
  hold: CartHold.optional(),
  /** The order the cart was checked out as; kept when a failed checkout reopens it, replaced by the next checkout. */
  orderId: Id.optional(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** When the cart is removed if left untouched (it moves on with every change). */
  expiresAt: z.iso.datetime(),
});
export type Cart = z.infer<typeof Cart>;
