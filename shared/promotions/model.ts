import { z } from 'zod';
import { CouponCode, Promotion, PromotionId, type Schedule } from '../pricing/promotions.js';
import { isSingleUse, weakCodeReason } from './coupon-codes.js';

/**
 * Promotions as the admin API takes and shows them. The promotion itself is the pricing module's
 * `Promotion` schema, never a second copy: the request is that schema without the id the server
 * assigns, and the view adds what the server keeps beside it (version, status, redemptions).
 */

/** `enabled` promotions apply while their schedule runs; a `disabled` one never applies, whatever its schedule. */
export const PromotionStatus = z.enum(['enabled', 'disabled']);
export type PromotionStatus = z.infer<typeof PromotionStatus>;

/** A coupon code as a client may send it: any casing, stored upper-case. */
const AnyCaseCouponCode = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .pipe(CouponCode);

/**
 * `POST /promotions`: the promotion without its id. A single-use coupon (`limits.total = 1`) needs a strong code
 * (see `coupon-codes.ts`), or `generateCouponCode: true` to have the server make one. `stores` left out makes the
 * promotion chain-wide, which only chain-wide staff may create.
 */
export const CreatePromotionRequest = Promotion.omit({ id: true })
  .extend({
    couponCode: AnyCaseCouponCode.optional(),
    /** The server generates a random 16-symbol code, returned as `couponCode`; instead of sending one. */
    generateCouponCode: z.boolean().optional(),
  })
  .superRefine((request, ctx) => {
    if (request.generateCouponCode === true && request.couponCode !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['generateCouponCode'], message: 'cannot be true when couponCode is given' });
    }
    const weak = request.couponCode !== undefined && isSingleUse(request.limits) ? weakCodeReason(request.couponCode) : undefined;
    if (weak !== undefined) ctx.addIssue({ code: 'custom', path: ['couponCode'], message: `is single-use (limits.total is 1), so it ${weak}; or leave it out and send generateCouponCode: true` });
  });
export type CreatePromotionInput = z.input<typeof CreatePromotionRequest>;

/**
 * Ends or disables a promotion, under optimistic concurrency (`version` here or `If-Match`).
 * A promotion's rule, target and limits never change once shoppers may have redeemed it: end it
 * and create another instead.
 */
export const UpdatePromotionRequest = z
  .strictObject({
    version: z.number().int().positive().optional(),
    /** A new, earlier end (it cannot be extended, and stays after `startsAt`). */
    endsAt: z.iso.datetime({ offset: true }).optional(),
    status: PromotionStatus.optional(),
  })
  .refine((patch) => patch.endsAt !== undefined || patch.status !== undefined, { message: 'must change endsAt or status' });
export type UpdatePromotionInput = z.input<typeof UpdatePromotionRequest>;

export const PromotionIdParams = z.strictObject({ id: PromotionId });

export const ListPromotionsQuery = z.strictObject({
  /** `true` lists only promotions enabled and within their schedule now, coupons included. */
  active: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});

/** A promotion with what the server keeps beside it. */
export const PromotionView = Promotion.extend({
  status: PromotionStatus,
  /** Redemptions so far, counted at checkout against `limits.total`. */
  redemptions: z.number().int().nonnegative(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  updatedAt: z.iso.datetime(),
});
export type PromotionView = z.infer<typeof PromotionView>;

export const PromotionPage = z.strictObject({
  items: z.array(PromotionView),
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type PromotionPage = z.infer<typeof PromotionPage>;

/** A schedule with both instants in UTC (`…Z`), so that stored times sort and compare as strings. */
export function normalizedSchedule(schedule: Schedule): Schedule {
  return {
    startsAt: new Date(schedule.startsAt).toISOString(),
    ...(schedule.endsAt === undefined ? {} : { endsAt: new Date(schedule.endsAt).toISOString() }),
  };
}

/** Whether a promotion applies at `now`: enabled, started, and not yet ended (`endsAt` is exclusive). */
export function isRunning(promotion: Pick<PromotionView, 'status' | 'schedule'>, now: Date): boolean {
  const at = now.getTime();
  const { startsAt, endsAt } = promotion.schedule;
  return promotion.status === 'enabled' && Date.parse(startsAt) <= at && (endsAt === undefined || at < Date.parse(endsAt));
}
