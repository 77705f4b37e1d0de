import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { CartRef, EventCartLine } from './cart-line.js';

/** What changed in a cart, for `cart.update`. */
export const CART_CHANGES = [
  'line-updated',
  'line-removed',
  'coupon-applied',
  'coupon-removed',
  'loyalty-changed',
  'fulfillment-changed',
  'held',
  'released',
  'checked-out',
  'reopened',
] as const;

/**
 * A cart changed in any way other than an add (one of the product's documented events): a line
 * changed or removed, a coupon, the loyalty redemption or the fulfillment choice changed, or the
 * basket was held for checkout or released. Version 2 (issue 12): the line's substitution preference as in `cart.add`
 * version 2; version 1 is no longer sent.
 */
export const cartUpdateV2 = defineEvent({
  source: 'smartshelf.carts',
  detailType: 'cart.update',
  version: 2,
  schema: z.strictObject({
    ...CartRef,
    change: z.enum(CART_CHANGES),
    status: z.enum(['open', 'held', 'checked-out']),
    /** The line as it is now (`line-updated`) or as it was (`line-removed`). */
    line: EventCartLine.optional(),
    /** The coupon applied or removed. */
    code: z.string().optional(),
    loyaltyPoints: z.number().int().nonnegative().optional(),
    slotId: z.string().optional(),
    reservationId: z.string().optional(),
    /** The order a checkout made of the cart (`checked-out`), or whose failure reopened it (`reopened`). */
    orderId: z.string().optional(),
  }),
});
