import { LoyaltyPolicy } from '../pricing/loyalty.js';

/**
 * SmartShelf's loyalty scheme, validated by the pricing module's schema when this module loads (a
 * bad edit fails every function at cold start, not a shopper's checkout):
 * - earn 1 point per whole £1.00 spent on goods, tax included, after promotions and redemption;
 * - redeem in blocks of 100 points, each block worth £1.00 (1 point = 1p), at least 100 points;
 * - points pay for at most 50 % of the goods after promotions.
 * The scheme runs in GBP: orders in another currency earn no points (see docs/promotions.md).
 * A change here is a release, deliberately: it changes what every balance is worth.
 */
export const LOYALTY_POLICY: LoyaltyPolicy = LoyaltyPolicy.parse({
  earn: { points: 1, per: { amount: 100, currency: 'GBP' }, basis: 'gross' },
  redeem: { points: 100, value: { amount: 100, currency: 'GBP' } },
  maxRedeemBasisPoints: 5000,
  minPointsToRedeem: 100,
});
