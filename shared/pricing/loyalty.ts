import { z } from 'zod';
import { PositiveMoney } from './promotions.js';
import { assertInteger, toSafeInteger } from './rounding.js';

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

/** Points redeemed on one cart and what they are worth, in minor units. */
export interface Redemption {
  readonly points: number;
  readonly amount: number;
  /** The rule that cut the request short, if one did. */
  readonly limitedBy?: 'balance' | 'max-share' | 'minimum-points' | 'whole-blocks';
}

/**
 * How many of the requested points are redeemed against goods worth `goods` (after promotions, in the price list's
 * tax mode): whole blocks only, no more than the balance, worth no more than `maxRedeemBasisPoints` of the goods
 * (rounded down, so the share is never exceeded), and nothing at all below `minPointsToRedeem`.
 *
 * @throws RangeError when the balance, the request or the goods amount is negative or not an integer.
 */
export function redeemPoints(request: { balance: number; pointsToRedeem: number }, policy: LoyaltyPolicy, goods: number): Redemption {
  assertInteger('balance', request.balance, true);
  assertInteger('pointsToRedeem', request.pointsToRedeem, true);
  assertInteger('goods', goods, true);
  const { points: blockPoints, value } = policy.redeem;
  const requested = request.pointsToRedeem;
  if (requested === 0) return { points: 0, amount: 0 };
  if (requested < policy.minPointsToRedeem) return { points: 0, amount: 0, limitedBy: 'minimum-points' };

  const requestedBlocks = Math.floor(requested / blockPoints);
  const balanceBlocks = Math.floor(request.balance / blockPoints);
  const shareBlocks = toSafeInteger((BigInt(goods) * BigInt(policy.maxRedeemBasisPoints)) / 10_000n / BigInt(value.amount));
  const blocks = Math.min(requestedBlocks, balanceBlocks, shareBlocks);
  const points = blocks * blockPoints;
  if (points === requested) return { points, amount: blocks * value.amount };
  if (points > 0 && points < policy.minPointsToRedeem) return { points: 0, amount: 0, limitedBy: 'minimum-points' };
  const limitedBy =
    blocks === balanceBlocks && balanceBlocks < requestedBlocks ? 'balance' : blocks === shareBlocks && shareBlocks < requestedBlocks ? 'max-share' : 'whole-blocks';
  return { points, amount: blocks * value.amount, limitedBy };
}

/**
 * Points earned on goods paid for: `earn.points` for every whole `earn.per` of `spend`, so a partial unit of spend
 * earns nothing (2 points per 50p on £1.75 is 6, not 7). The caller passes spend on the policy's basis, gross or net of tax.
 *
 * @throws RangeError when the spend is negative or not an integer.
 */
export function pointsEarned(policy: LoyaltyPolicy, spend: number): number {
  assertInteger('spend', spend, true);
  return toSafeInteger((BigInt(spend) / BigInt(policy.earn.per.amount)) * BigInt(policy.earn.points));
}
