import { z } from 'zod';
import type { TAX_CATEGORIES } from '../catalog/model.js';
import type { Money } from './money.js';
import { divideRoundHalfUp, toSafeInteger } from './rounding.js';

/** The catalog's tax categories; every variant carries one. */
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

/** A tax rate in basis points: 2000 is 20 %. Capped at 100 % because no grocery tax exceeds the price. */
export const TaxRateBasisPoints = z.number().int().min(0).max(10_000);

/**
 * Tax rates per jurisdiction (for example `GB`, `IE`, `US-NY`), each giving a rate for every tax category.
 * Rates are data, passed in by the caller, so a rate change is a configuration change rather than a release.
 */
export const TaxRateTable = z.record(
  z.string().min(1),
  z.strictObject({ food: TaxRateBasisPoints, 'non-food': TaxRateBasisPoints, alcohol: TaxRateBasisPoints }),
);
export type TaxRateTable = z.infer<typeof TaxRateTable>;

/**
 * Whether a price list's prices exclude tax (tax is added on top) or include it (tax is extracted from the price).
 */
export type TaxMode = 'exclusive' | 'inclusive';

/** One priced line: `amount` is the line total as the price list states it (net when exclusive, gross when inclusive). */
export interface TaxLine {
  readonly amount: Money;
  readonly taxCategory: TaxCategory;
  readonly jurisdiction: string;
}

/** The split of a line into net, tax and gross; `net + tax = gross` exactly in both modes. */
export interface LineTax {
  readonly net: Money;
  readonly tax: Money;
  readonly gross: Money;
  readonly rateBasisPoints: number;
}

/** Raised when the rate table has no rates for a line's jurisdiction; guessing a rate would misstate tax. */
export class UnknownJurisdictionError extends Error {
  override readonly name = 'UnknownJurisdictionError';

  constructor(readonly jurisdiction: string) {
    super(`no tax rates for jurisdiction ${jurisdiction}`);
  }
}

/**
 * Looks up the rate for a category in a jurisdiction.
 *
 * @throws UnknownJurisdictionError when the table has no entry for the jurisdiction.
 */
export function taxRate(table: TaxRateTable, jurisdiction: string, category: TaxCategory): number {
  // hasOwn, so that a jurisdiction named like an Object.prototype member is not found by accident.
  const rates = Object.hasOwn(table, jurisdiction) ? table[jurisdiction] : undefined;
  if (rates === undefined) throw new UnknownJurisdictionError(jurisdiction);
  return rates[category];
}

/**
 * Computes the tax on one line, rounding once per line (half away from zero, to the minor unit).
 *
 * - `exclusive`: the amount is net; tax = round(net × rate), gross = net + tax.
 * - `inclusive`: the amount is gross; net = round(gross / (1 + rate)), tax = gross − net.
 *
 * In inclusive mode the tax is derived by subtraction rather than rounded on its own, so that the shelf price the
 * customer saw is never changed by a rounding and `net + tax` always equals it.
 *
 * @throws UnknownJurisdictionError when the table has no rates for the line's jurisdiction.
 */
export function lineTax(line: TaxLine, table: TaxRateTable, mode: TaxMode): LineTax {
  const rate = taxRate(table, line.jurisdiction, line.taxCategory);
  const { currency } = line.amount;
  const amount = BigInt(line.amount.amount);
  const bp = BigInt(rate);
  if (mode === 'exclusive') {
    const tax = divideRoundHalfUp(amount * bp, 10_000n);
    return {
      net: line.amount,
      tax: { amount: toSafeInteger(tax), currency },
      gross: { amount: toSafeInteger(amount + tax), currency },
      rateBasisPoints: rate,
    };
  }
  const net = divideRoundHalfUp(amount * 10_000n, 10_000n + bp);
  return {
    net: { amount: toSafeInteger(net), currency },
    tax: { amount: toSafeInteger(amount - net), currency },
    gross: line.amount,
    rateBasisPoints: rate,
  };
}
