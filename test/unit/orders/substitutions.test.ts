import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestMatchMismatches, sameBrand, standInMismatches, type CatalogEntry } from '../../../shared/catalog/substitutes.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { Order, OrderLine } from '../../../shared/orders/model.js';
import { pricePicks, type SubstituteTerms } from '../../../shared/orders/picking.js';
import {
  DISPATCH_LEAD_MS,
  NoSubstitutionProposedError,
  SubstitutionDecidedError,
  cutoffDecisions,
  decideSubstitutions,
  judgeSubstitute,
  lastRespondBy,
  pendingProposals,
  respondBy,
} from '../../../shared/orders/substitutions.js';
import { transition } from '../../../shared/orders/status.js';
import { AT, anOrder } from './fixtures.js';

const MILK = '01JBQ8Y00000000000000000A1';
const CHEDDAR = '01JBQ8Y00000000000000000A2';

function entry(sku: string, extra: { product?: Partial<CatalogEntry['product']>; variant?: Partial<CatalogEntry['variant']> } = {}): CatalogEntry {
  return {
    product: { id: `P-${sku}`, status: 'active', categoryId: 'CAT-CHEESE', brand: 'Dale Farm', taxCategory: 'food', ageRestricted: false, ...extra.product },
    variant: { sku, soldBy: 'weight', price: { amount: 1200, currency: 'GBP' }, ...extra.variant },
  };
}

const cheddar = entry('CHEDDAR-1');
const line = (substitution: OrderLine['substitution'], substituteSku?: string) => ({ substitution, ...(substituteSku === undefined ? {} : { substituteSku }) });

describe('when one SKU stands in for another', () => {
  it('takes another SKU of the same category, sold and taxed the same way, as a best match', () => {
    expect(bestMatchMismatches(cheddar, entry('GOUDA-1', { product: { brand: 'Other' } }))).toEqual([]);
  });

  it('names every reason a SKU cannot stand in', () => {
    const bad = entry('CHEDDAR-1', {
      product: { status: 'archived', bundle: { components: [] }, taxCategory: 'alcohol', ageRestricted: true, categoryId: 'CAT-WINE' },
      variant: { soldBy: 'each', price: { amount: 1, currency: 'EUR' } },
    });
    expect(bestMatchMismatches(cheddar, bad)).toEqual(['same-sku', 'archived', 'bundle', 'sold-differently', 'other-tax-category', 'age-restricted', 'other-currency', 'other-category']);
    expect(standInMismatches(cheddar, entry('BRIE-1', { product: { categoryId: 'CAT-SOFT' } }))).toEqual([]);
  });

  it('lets an age-restricted SKU stand in only for an age-restricted one', () => {
    const wine = entry('WINE-1', { product: { ageRestricted: true, taxCategory: 'alcohol' } });
    expect(standInMismatches(wine, entry('WINE-2', { product: { ageRestricted: true, taxCategory: 'alcohol' } }))).toEqual([]);
    expect(standInMismatches(wine, entry('JUICE-1', { product: { taxCategory: 'alcohol' } }))).toEqual([]);
  });

  it('compares brands without case or spaces, and never matches a product without one', () => {
    expect(sameBrand(cheddar, entry('X', { product: { brand: ' dale FARM ' } }))).toBe(true);
    expect(sameBrand(cheddar, entry('X', { product: { brand: 'Other' } }))).toBe(false);
    const { brand: _none, ...unbranded } = cheddar.product;
    expect(sameBrand({ ...cheddar, product: unbranded }, { ...cheddar, product: unbranded })).toBe(false);
  });
});

describe('judgeSubstitute: what a preference lets a picker propose, and what the cut-off accepts', () => {
  const gouda = entry('GOUDA-1', { product: { brand: 'Other' } });
  const daleGouda = entry('GOUDA-2');
  const soap = entry('SOAP-1', { product: { categoryId: 'CAT-SOAP', taxCategory: 'non-food' }, variant: { soldBy: 'each' } });

  it('none: nothing, whatever it is', () => {
    expect(judgeSubstitute(line('none'), cheddar, daleGouda)).toEqual({ allowed: false, reasons: ['no-substitutes'] });
  });

  it('best-match: a best match, accepted at the cut-off; anything else refused', () => {
    expect(judgeSubstitute(line('best-match'), cheddar, gouda)).toEqual({ allowed: true, acceptedAtCutoff: true });
    expect(judgeSubstitute(line('best-match'), cheddar, soap)).toEqual({ allowed: false, reasons: ['sold-differently', 'other-tax-category', 'other-category'] });
  });

  it('same-brand: a best match, accepted at the cut-off only when of the same brand', () => {
    expect(judgeSubstitute(line('same-brand'), cheddar, daleGouda)).toEqual({ allowed: true, acceptedAtCutoff: true });
    expect(judgeSubstitute(line('same-brand'), cheddar, gouda)).toEqual({ allowed: true, acceptedAtCutoff: false });
    expect(judgeSubstitute(line('same-brand'), cheddar, soap).allowed).toBe(false);
  });

  it('specific: the chosen SKU (even from another category), accepted at the cut-off; a best match only with the shopper’s word', () => {
    const brie = entry('BRIE-1', { product: { categoryId: 'CAT-SOFT' } });
    expect(judgeSubstitute(line('specific', 'BRIE-1'), cheddar, brie)).toEqual({ allowed: true, acceptedAtCutoff: true });
    expect(judgeSubstitute(line('specific', 'BRIE-1'), cheddar, gouda)).toEqual({ allowed: true, acceptedAtCutoff: false });
    expect(judgeSubstitute(line('specific', 'BRIE-1'), cheddar, entry('BRIE-1', { product: { status: 'archived', categoryId: 'CAT-SOFT' } }))).toEqual({ allowed: false, reasons: ['archived'] });
    expect(judgeSubstitute(line('specific', 'BRIE-1'), cheddar, soap).allowed).toBe(false);
  });

  it('never lets the cut-off accept what the preference does not allow', () => {
    const entryArb = fc.record({
      sku: fc.constantFrom('CHEDDAR-1', 'GOUDA-1', 'BRIE-1'),
      brand: fc.option(fc.constantFrom('Dale Farm', 'Other'), { nil: undefined }),
      categoryId: fc.constantFrom('CAT-CHEESE', 'CAT-SOFT'),
      soldBy: fc.constantFrom('weight' as const, 'each' as const),
      archived: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.constantFrom('none' as const, 'best-match' as const, 'same-brand' as const, 'specific' as const), entryArb, (preference, c) => {
        const { brand: _brand, ...base } = cheddar.product;
        const candidate: CatalogEntry = {
          product: { ...base, ...(c.brand === undefined ? {} : { brand: c.brand }), categoryId: c.categoryId, status: c.archived ? 'archived' : 'active' },
          variant: { ...cheddar.variant, sku: c.sku, soldBy: c.soldBy },
        };
        const judgement = judgeSubstitute(line(preference, preference === 'specific' ? 'BRIE-1' : undefined), cheddar, candidate);
        if (preference === 'none') expect(judgement.allowed).toBe(false);
        if (!judgement.allowed || !judgement.acceptedAtCutoff) return;
        expect(standInMismatches(cheddar, candidate)).toEqual([]);
        if (preference === 'same-brand') expect(sameBrand(cheddar, candidate)).toBe(true);
        if (preference === 'specific') expect(c.sku).toBe('BRIE-1');
      }),
    );
  });
});

describe('respondBy: the cut-off for the shopper’s answer', () => {
  const slotAt = (start: string) => ({ fulfillment: { mode: 'delivery' as const, slotId: `${start}~delivery`, address: { line1: '1 High St', city: 'London', postcode: 'SE1 9AA', country: 'GB' } } });

  it('gives the response window when the slot is far off', () => {
    expect(respondBy(slotAt('2030-03-05T08:00Z'), AT, 600)).toBe('2030-03-04T09:10:00.000Z');
  });

  it('closes half an hour before the slot starts, since dispatch waits for no answer', () => {
    expect(respondBy(slotAt('2030-03-04T10:00Z'), AT, 3600)).toBe(new Date(Date.parse('2030-03-04T10:00:00Z') - DISPATCH_LEAD_MS).toISOString());
  });

  it('is the moment of the proposal when that is past the dispatch cut-off, or there is no slot', () => {
    expect(respondBy(slotAt('2030-03-04T09:10Z'), AT, 3600)).toBe(AT.toISOString());
    expect(respondBy({ fulfillment: { mode: 'in-store' } }, AT, 3600)).toBe(AT.toISOString());
  });

  it('is never before the proposal, never after the window, never after the dispatch cut-off unless the proposal is', () => {
    fc.assert(
      fc.property(fc.integer({ min: -7200, max: 86_400 }), fc.integer({ min: 1, max: 86_400 }), (slotOffsetSeconds, window) => {
        const start = new Date(Math.floor((AT.getTime() + slotOffsetSeconds * 1000) / 60_000) * 60_000);
        const by = Date.parse(respondBy(slotAt(start.toISOString().slice(0, 16) + 'Z'), AT, window));
        expect(by).toBeGreaterThanOrEqual(AT.getTime());
        expect(by).toBeLessThanOrEqual(AT.getTime() + window * 1000);
        expect(by).toBeLessThanOrEqual(Math.max(AT.getTime(), start.getTime() - DISPATCH_LEAD_MS));
      }),
    );
  });
});

describe('deciding proposals', () => {
  const substitute = { sku: 'GOUDA-1', productId: '01JBQ8Y00000000000000000B9', name: 'Gouda' };
  /** A picked order whose cheddar has a dearer substitute proposed, accepted at the cut-off or not. */
  function proposed(acceptedAtCutoff = true): Order {
    const order = anOrder({ status: 'picking' });
    const terms = new Map<string, SubstituteTerms>([[CHEDDAR, { substitute, unitPrice: 1500, acceptedAtCutoff, proposedAt: AT.toISOString(), respondBy: '2030-03-04T09:30:00.000Z' }]]);
    const outcome = pricePicks(order, [{ lineId: MILK, quantity: { count: 2 } }, { lineId: CHEDDAR, quantity: { grams: 500 }, substitute }], terms);
    return transition(order, { type: 'record-pick', picks: outcome.lines }, AT, 'picker');
  }

  it('lists what waits and what the cut-off would decide', () => {
    expect(pendingProposals(proposed()).map((l) => l.lineId)).toEqual([CHEDDAR]);
    expect(cutoffDecisions(proposed(false))).toEqual([{ lineId: CHEDDAR, accept: false }]);
    expect(lastRespondBy(proposed())).toBe('2030-03-04T09:30:00.000Z');
    expect(lastRespondBy(anOrder())).toBeUndefined();
  });

  it('charges the substitute’s own price once the shopper accepts, the protected one when the cut-off does, nothing when rejected', () => {
    const at = new Date('2030-03-04T09:05:00Z');
    const byShopper = transition(proposed(), { type: 'decide-substitutions', decisions: [{ lineId: CHEDDAR, accept: true }], by: 'shopper' }, at, 'shopper-1');
    expect(byShopper.lines[1]!.picked).toMatchObject({ substitute, total: 750, proposal: { status: 'accepted', decidedBy: 'shopper', decidedAt: at.toISOString() } });
    expect(byShopper.statusHistory.at(-1)).toMatchObject({ from: 'picked', to: 'picked', event: 'decide-substitutions', actor: 'shopper-1' });
    const byCutoff = transition(proposed(), { type: 'decide-substitutions', decisions: cutoffDecisions(proposed()), by: 'cut-off' }, at, 'checkout-saga');
    expect(byCutoff.lines[1]!.picked).toMatchObject({ total: 600, proposal: { status: 'accepted', decidedBy: 'cut-off' } });
    const rejected = transition(proposed(), { type: 'decide-substitutions', decisions: [{ lineId: CHEDDAR, accept: false }], by: 'shopper' }, at, 'shopper-1');
    expect(rejected.lines[1]!.picked).toMatchObject({ total: 0, tax: 0, proposal: { status: 'rejected' } });
    expect(pendingProposals(rejected)).toEqual([]);
  });

  it('refuses a decision on a line without a proposal, an unknown line, or a proposal already decided', () => {
    const decide = (order: Order, lineId: string) => () => decideSubstitutions(order, [{ lineId, accept: true }], 'shopper', AT.toISOString());
    expect(decide(proposed(), MILK)).toThrow(NoSubstitutionProposedError);
    expect(decide(proposed(), '01JBQ8Y00000000000000000ZZ')).toThrow(NotFoundError);
    const decided = transition(proposed(), { type: 'decide-substitutions', decisions: [{ lineId: CHEDDAR, accept: false }], by: 'cut-off' }, AT, 'checkout-saga');
    expect(decide(decided, CHEDDAR)).toThrow(SubstitutionDecidedError);
    expect(decide(decided, CHEDDAR)).toThrow(/already rejected \(by the cut-off\)/);
  });
});
