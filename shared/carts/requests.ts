import { z } from 'zod';
import { Id, Sku } from '../catalog/model.js';
import { SlotId } from '../fulfillment/slot-id.js';
import { Address, StoreId } from '../stores/model.js';
import { CouponCode, QUANTITY_LIMITS, Substitution } from './model.js';

/**
 * Request shapes of the carts' HTTP slice, all strict: an unknown field is a 400 naming it. Zod
 * checks what a request can get wrong on its own (integers, ranges); whether a quantity fits
 * how the SKU is sold needs the catalog and is checked by `quantities.ts`.
 */

const whole = (what: string, limits: { min: number; max: number }) =>
  z
    .number()
    .int(`must be a whole number of ${what}`)
    .min(limits.min, `must be at least ${limits.min} ${what}`)
    .max(limits.max, `must be at most ${limits.max} ${what}`);

/**
 * How much of a SKU: exactly one of `count` (items or packs; for goods sold by weight, items
 * converted with their average weight), `grams` (sold by weight) or `millilitres` (by volume).
 * One object with three optional fields rather than a union, so that a bad value is reported on
 * its own field (`body.quantity.count`), not as "no union member matched".
 */
export const QuantityRequest = z
  .strictObject({
    count: whole('items', QUANTITY_LIMITS.count).optional(),
    grams: whole('grams', QUANTITY_LIMITS.grams).optional(),
    millilitres: whole('millilitres', QUANTITY_LIMITS.millilitres).optional(),
  })
  .refine((q) => [q.count, q.grams, q.millilitres].filter((v) => v !== undefined).length === 1, {
    message: 'must give exactly one of count, grams or millilitres',
  })
  .transform((q): { count: number } | { grams: number } | { millilitres: number } =>
    q.count !== undefined ? { count: q.count } : q.grams !== undefined ? { grams: q.grams } : { millilitres: q.millilitres! },
  );
export type QuantityRequest = z.infer<typeof QuantityRequest>;

export const CreateCartRequest = z.strictObject({ storeId: StoreId });
export type CreateCartInput = z.infer<typeof CreateCartRequest>;

export const CartIdParams = z.strictObject({ id: Id });
export const LineParams = z.strictObject({ id: Id, lineId: Id });
export const CouponParams = z.strictObject({ id: Id, code: CouponCode });

/** `substituteSku` goes with `substitution: specific` and only with it; the issue names the field that is wrong. */
function specificNeedsItsSku(line: { substitution?: Substitution | undefined; substituteSku?: string | undefined }, ctx: z.RefinementCtx): void {
  if (line.substitution === 'specific' && line.substituteSku === undefined) {
    ctx.addIssue({ code: 'custom', path: ['substituteSku'], message: 'is required when substitution is specific: the SKU the picker may hand over instead' });
  }
  if (line.substitution !== 'specific' && line.substituteSku !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['substituteSku'], message: 'is only for substitution: specific' });
  }
}

export const AddLineRequest = z
  .strictObject({
    sku: Sku,
    quantity: QuantityRequest,
    /**
     * What the picker may do if the product is out of stock: nothing (`none`, the default), a best match, a best match
     * of the same brand, or the SKU in `substituteSku` (`specific`). `any` is still read, as `best-match`.
     */
    substitution: Substitution.default('none'),
    /** With `substitution: specific`: the SKU the shopper chose as the substitute (sold the same way as `sku`). */
    substituteSku: Sku.optional(),
  })
  .superRefine(specificNeedsItsSku);
export type AddLineInput = z.infer<typeof AddLineRequest>;

/** A line's new quantity and/or preference; a new preference is given whole (`substituteSku` with `specific`). */
export const UpdateLineRequest = z
  .strictObject({ quantity: QuantityRequest.optional(), substitution: Substitution.optional(), substituteSku: Sku.optional() })
  .refine((patch) => patch.quantity !== undefined || patch.substitution !== undefined, { message: 'must change quantity or substitution' })
  .superRefine(specificNeedsItsSku);
export type UpdateLineInput = z.infer<typeof UpdateLineRequest>;

export const ApplyCouponRequest = z.strictObject({ code: CouponCode });

export const LoyaltyRequest = z.strictObject({
  /** Points to redeem against this cart; 0 removes the redemption. */
  points: z.number().int('must be a whole number of points').min(0).max(10_000_000),
});

/**
 * Delivery to an address or pickup at the cart's store, in a slot of that store. A delivery names its address inline
 * (`address`) or as one of the shopper's saved addresses (`addressId`, copied into the cart as it is then): exactly one.
 */
export const FulfillmentRequest = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('delivery'), slotId: SlotId, address: Address.optional(), addressId: Id.optional() }),
    z.strictObject({ mode: z.literal('pickup'), slotId: SlotId }),
  ])
  .superRefine((request, ctx) => {
    if (request.mode === 'delivery' && (request.address === undefined) === (request.addressId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: 'a delivery needs exactly one of address (inline) or addressId (a saved address)' });
    }
  });
export type FulfillmentInput = z.infer<typeof FulfillmentRequest>;
