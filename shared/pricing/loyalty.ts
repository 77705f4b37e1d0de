import { z } from 'zod';
import { Money as MoneyBody } from '../catalog/model.js';

const PositiveMoney = MoneyBody.refine((m) => m.amount > 0, { message: 'must be more than zero', path: ['amount'] });

/**
 * A loyalty scheme's rules. Earning and redeeming are stated as exchange rates in money ("1 point per £1.00",
 * "100 points are worth £1.00") rather than per major unit, so that currencies without minor units and schemes worth
 * half a penny per point need no fractional money and no table of currency exponents.
 */
export const LoyaltyPolicy = z.strictObject({
  /** `points` are earned for every whole `per` spent on goods after promotions and redemption. */
  earn: z.strictObject({
    points: z.number().int().min(0).max(1000),
    per: PositiveMoney,
    /** Whether spend is counted with tax (`gross`) or without (`net`). */
    basis: z.enum(['gross', 'net']).default('gross'),
  }),
  /** Points are redeemed in whole blocks of `points`, each worth `value`. */
  redeem: z.strictObject({ points: z.number().int().min(1).max(100_000), value: PositiveMoney }),
  /** At most this share of the goods (after promotions) may be paid with points, in basis points. */
  maxRedeemBasisPoints: z.number().int().min(0).max(10_000),
  /** Fewer points than this cannot be redeemed at all. */
  minPointsToRedeem: z.number().int().min(0),
});
export type LoyaltyPolicy = z.infer<typeof LoyaltyPolicy>;
