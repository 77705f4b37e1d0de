import { AppError } from '../errors.js';
import { LOYALTY_POLICY } from '../loyalty/policy.js';
import type { PricedLoyalty } from '../pricing/cart-pricing.js';
import { changeCart } from './change.js';
import { cartDeps, type CartActor, type CartDeps } from './deps.js';
import type { Cart } from './model.js';
import { loyaltyApplies, priceCartNow } from './pricing.js';

/**
 * Loyalty points redeemed against a cart. The redemption is decided by pricing the cart with the
 * points asked for: pricing applies the balance and the scheme's limits, and says which one cut
 * the request short. The points are only spent at checkout; the cart keeps the shopper's choice.
 */

function limitMessage(points: number, loyalty: PricedLoyalty): string {
  const policy = LOYALTY_POLICY;
  const most = `at most ${loyalty.pointsRedeemed} points can be redeemed on this cart`;
  switch (loyalty.limitedBy) {
    case 'balance':
      return `You asked for ${points} points, more than your balance allows; ${most}.`;
    case 'max-share':
      return `Points pay for at most ${policy.maxRedeemBasisPoints / 100} % of the goods; ${most}.`;
    case 'minimum-points':
      return `At least ${policy.minPointsToRedeem} points must be redeemed at a time.`;
    default:
      return `Points are redeemed in blocks of ${policy.redeem.points}; ${most}.`;
  }
}

/**
 * Sets the points to redeem against the cart; 0 removes the redemption.
 * @throws AppError (422 `loyalty-unavailable`) for a cart in a currency the scheme does not run in
 * @throws AppError (422 `loyalty-limit`) when the balance or the scheme allows fewer points than
 *   asked, with the rule (`limitedBy`) and the most that can be redeemed (`redeemable`)
 */
export async function redeemLoyalty(cartId: string, points: number, actor: CartActor, deps: CartDeps = cartDeps()): Promise<Cart> {
  return changeCart(deps, cartId, actor, async (cart) => {
    if (cart.loyaltyPoints === points) return undefined;
    if (points > 0 && !loyaltyApplies(cart)) {
      throw new AppError('unprocessable', 'loyalty-unavailable', `Loyalty points are not redeemable on carts in ${cart.currency}.`, {
        extensions: { currency: cart.currency },
      });
    }
    if (points > 0) {
      const { loyalty } = (await priceCartNow(deps, cart, { loyaltyPoints: points })).pricing;
      if (loyalty.pointsRedeemed !== points) {
        throw new AppError('unprocessable', 'loyalty-limit', limitMessage(points, loyalty), {
          extensions: { requested: points, redeemable: loyalty.pointsRedeemed, limitedBy: loyalty.limitedBy ?? 'whole-blocks' },
        });
      }
    }
    return { changes: { loyaltyPoints: points }, event: { kind: 'update', change: 'loyalty-changed', loyaltyPoints: points } };
  });
}
