import type { FulfillmentCharge, PricedFee } from './cart-pricing.js';
import { type TaxMode, type TaxRateTable, lineTax } from './tax.js';

/** The tax category of a fee when the slot does not name one: delivery is a standard-rated service. */
export const DEFAULT_FEE_TAX_CATEGORY = 'non-food';

/**
 * The slot's fee as charged: zero with `waivedBy` when a delivery pass or a free-delivery promotion waived it, and taxed
 * like a line (same tax mode, rounded once) in the charge's tax category.
 *
 * @param waivedBy the promotion id or `delivery-pass`, when the fee is waived.
 * @throws UnknownJurisdictionError when the table has no rates for the jurisdiction.
 */
export function fulfillmentFee(
  charge: FulfillmentCharge,
  waivedBy: string | undefined,
  tax: { jurisdiction: string; taxRates: TaxRateTable; taxMode: TaxMode },
): PricedFee {
  const amount = waivedBy === undefined ? charge.fee : { amount: 0, currency: charge.fee.currency };
  const taxed = lineTax(
    { amount, taxCategory: charge.taxCategory ?? DEFAULT_FEE_TAX_CATEGORY, jurisdiction: tax.jurisdiction },
    tax.taxRates,
    tax.taxMode,
  );
  return {
    kind: charge.mode,
    amount,
    listAmount: charge.fee,
    ...(waivedBy === undefined ? {} : { waivedBy }),
    tax: { rateBasisPoints: taxed.rateBasisPoints, amount: taxed.tax },
  };
}
