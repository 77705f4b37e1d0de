import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BillingCreditNote, BillingInvoice } from '../../../shared/billing/client.js';
import { GATEWAY_DISCREPANCY_KINDS } from '../../../shared/billing/gateway-rules.js';
import { compareDiscrepancies, discrepancyId, reconcileDay, type ExportSet, type ReconciliationInput } from '../../../shared/billing/reconciliation-rules.js';
import type { GatewayTransaction } from '../../../shared/payments/gateway.js';

const DAY = '2030-03-04';
const AT = `${DAY}T10:00:00.000Z`;
const none: ExportSet = { invoices: [], creditNotes: [], taxLines: [], payments: [] };

const invoice = (orderId: string, total = 1000): BillingInvoice => ({
  invoiceReference: `inv_${orderId}`,
  externalId: orderId,
  status: 'open',
  currency: 'GBP',
  total,
  tax: 100,
  createdAt: AT,
});
const creditNote = (orderId: string, refundRef: string, amount: number): BillingCreditNote => ({
  creditNoteReference: `cn_${orderId}_${refundRef}`,
  invoiceReference: `inv_${orderId}`,
  externalId: `${orderId}#${refundRef}`,
  amount,
  tax: 0,
  currency: 'GBP',
  createdAt: AT,
});
let serial = 0;
const capture = (orderId: string | undefined, amount: number, chargeId = `ch_${orderId ?? 'x'}`): GatewayTransaction => ({
  transactionId: `txn_${(serial += 1)}`,
  kind: 'capture',
  amount,
  currency: 'GBP',
  sourceId: chargeId,
  chargeId,
  ...(orderId === undefined ? {} : { orderId, intentId: `pi_${orderId}` }),
  createdAt: AT,
});
const refundAt = (orderId: string, amount: number): GatewayTransaction => ({
  transactionId: `txn_${(serial += 1)}`,
  kind: 'refund',
  amount,
  currency: 'GBP',
  sourceId: `re_${serial}`,
  chargeId: `ch_${orderId}`,
  orderId,
  createdAt: AT,
});

/**
 * Three sides of one day, disagreeing once in each of the gateway's ways, beside an order on which all three agree:
 * `o-captured` captured with no invoice, `o-refunded` refunded with no credit note, a charge naming no order and one
 * naming an order that is not ours, `o-short` captured for less than the sale.
 */
function threeSidedDay(): ReconciliationInput {
  return {
    date: DAY,
    ours: {
      sales: ['o-ok', 'o-captured', 'o-short'].map((orderId) => ({ orderId, currency: 'GBP', total: 1000, tax: 100 })),
      refunds: [
        { orderId: 'o-ok', refundRef: 'r1', currency: 'GBP', amount: 300, tax: 0 },
        { orderId: 'o-refunded', refundRef: 'r1', currency: 'GBP', amount: 200, tax: 0 },
      ],
      invoiceMappings: [],
      creditNoteMappings: [],
      previousDaySaleIds: [],
    },
    theirs: { ...none, invoices: [invoice('o-ok'), invoice('o-short')], creditNotes: [creditNote('o-ok', 'r1', 300)] },
    theirsNextDay: none,
    gateway: {
      transactions: [capture('o-ok', 1000), refundAt('o-ok', 300), capture('o-captured', 1000), refundAt('o-refunded', 200), capture(undefined, 777, 'ch_nobody'), capture('o-theirs', 50), capture('o-short', 900)],
      knownOrderIds: ['o-refunded'],
    },
  };
}

describe('the gateway’s side of reconcileDay', () => {
  it('finds each of its kinds once, with the order and the three sides’ figures, and nothing where all three agree', () => {
    const report = reconcileDay(threeSidedDay());
    expect(report.discrepancies.map((d) => [d.kind, d.ref, d.resolution, d.ours, d.theirs, d.gateway])).toEqual([
      ['captured-not-invoiced', 'o-captured', 're-enqueue', 1000, undefined, 1000],
      ['refunded-not-credited', 'o-refunded', 'adjustment', 200, undefined, 200],
      ['unknown-charge', 'ch_nobody', 'adjustment', undefined, undefined, 777],
      ['unknown-charge', 'ch_o-theirs', 'adjustment', undefined, undefined, 50],
      ['gateway-amount-mismatch', 'o-short', 'adjustment', 1000, 1000, 900],
    ]);
    // What billing's side alone would say of the same orders (missing-invoice, credit-note-missing) is said once, above.
    expect(report.counts).toMatchObject({ 'missing-invoice': 0, 'credit-note-missing': 0, 'unknown-charge': 2, 'captured-not-invoiced': 1 });
    expect(report.discrepancies.find((d) => d.ref === 'ch_o-theirs')).toMatchObject({ orderId: 'o-theirs' });
    expect(report.orders).toEqual([
      { orderId: 'o-captured', currency: 'GBP', ours: { sold: 1000, refunded: 0 }, billing: { invoiced: 0, credited: 0 }, gateway: { captured: 1000, refunded: 0 } },
      { orderId: 'o-refunded', currency: 'GBP', ours: { sold: 0, refunded: 200 }, billing: { invoiced: 0, credited: 0 }, gateway: { captured: 0, refunded: 200 } },
      { orderId: 'o-short', currency: 'GBP', ours: { sold: 1000, refunded: 0 }, billing: { invoiced: 1000, credited: 0 }, gateway: { captured: 900, refunded: 0 } },
      { orderId: 'o-theirs', currency: 'GBP', ours: { sold: 0, refunded: 0 }, billing: { invoiced: 0, credited: 0 }, gateway: { captured: 50, refunded: 0 } },
    ]);
    expect(report.totals[0]!.gateway).toEqual({ captured: { count: 5, amount: 3727 }, refunded: { count: 2, amount: 500 } });
  });

  it('sends a capture billing has not invoiced back to billing only when it is a sale we hold no invoice for', () => {
    const day = threeSidedDay();
    const mapped = reconcileDay({ ...day, ours: { ...day.ours, invoiceMappings: [{ orderId: 'o-captured', invoiceReference: 'inv_x', status: 'sent' }] } });
    expect(mapped.discrepancies.find((d) => d.kind === 'captured-not-invoiced')).toMatchObject({ resolution: 'adjustment' });
    // Captured for an order of ours sold on another day: a person looks, nothing is re-sent.
    const notSold = reconcileDay({ ...day, ours: { ...day.ours, sales: day.ours.sales.filter((s) => s.orderId !== 'o-captured') }, gateway: { ...day.gateway!, knownOrderIds: ['o-refunded', 'o-captured'] } });
    expect(notSold.discrepancies.find((d) => d.kind === 'captured-not-invoiced')).toMatchObject({ ref: 'o-captured', resolution: 'adjustment', gateway: 1000 });
    expect(notSold.discrepancies.find((d) => d.kind === 'captured-not-invoiced')!.ours).toBeUndefined();
  });

  it('calls a gateway refund our books do not have a mismatch of the order’s refunds', () => {
    const report = reconcileDay({
      date: DAY,
      ours: { sales: [], refunds: [], invoiceMappings: [], creditNoteMappings: [], previousDaySaleIds: [] },
      theirs: { ...none, creditNotes: [creditNote('o-1', 'r1', 100)] },
      theirsNextDay: none,
      gateway: { transactions: [refundAt('o-1', 150)], knownOrderIds: ['o-1'] },
    });
    expect(report.discrepancies.map((d) => [d.kind, d.ref, d.ours, d.theirs, d.gateway])).toEqual([['gateway-amount-mismatch', 'o-1#refunds', 0, 100, 150]]);
  });

  it('adds the captured figure to a sale’s billing amount mismatch', () => {
    const report = reconcileDay({
      date: DAY,
      ours: { sales: [{ orderId: 'o-1', currency: 'GBP', total: 1000, tax: 100 }], refunds: [], invoiceMappings: [], creditNoteMappings: [], previousDaySaleIds: [] },
      theirs: { ...none, invoices: [invoice('o-1', 1100)] },
      theirsNextDay: none,
      gateway: { transactions: [capture('o-1', 1000)], knownOrderIds: [] },
    });
    expect(report.discrepancies.map((d) => [d.kind, d.ours, d.theirs, d.gateway])).toEqual([['amount-mismatch', 1000, 1100, 1000]]);
  });
});

// Properties: a few orders, each sold or not, invoiced or not, captured and refunded at the gateway for the right or a wrong amount.
const orderId = fc.constantFrom('o1', 'o2', 'o3', 'o4');
const money = fc.integer({ min: 1, max: 3000 });
const arbitraryTransaction: fc.Arbitrary<GatewayTransaction> = fc
  .record({
    n: fc.nat({ max: 30 }),
    kind: fc.constantFrom('capture', 'refund') as fc.Arbitrary<GatewayTransaction['kind']>,
    amount: money,
    orderId: fc.option(fc.oneof(orderId, fc.constant('o-stranger')), { nil: undefined }),
    charge: fc.constantFrom('a', 'b', 'c'),
  })
  .map(({ n, kind, amount, orderId: order, charge }) => ({
    transactionId: `txn_${n}`,
    kind,
    amount,
    currency: 'GBP',
    sourceId: kind === 'capture' ? `ch_${order ?? 'x'}_${charge}` : `re_${n}`,
    chargeId: `ch_${order ?? 'x'}_${charge}`,
    ...(order === undefined ? {} : { orderId: order }),
    createdAt: AT,
  }));
const arbitraryDay: fc.Arbitrary<ReconciliationInput> = fc.record({
  date: fc.constant(DAY),
  ours: fc.record({
    sales: fc.uniqueArray(fc.record({ orderId, currency: fc.constant('GBP'), total: money, tax: fc.constant(0) }), { selector: (s) => s.orderId, maxLength: 4 }),
    refunds: fc.uniqueArray(fc.record({ orderId, refundRef: fc.constantFrom('r1', 'r2'), currency: fc.constant('GBP'), amount: money, tax: fc.constant(0) }), {
      selector: (r) => `${r.orderId}#${r.refundRef}`,
      maxLength: 3,
    }),
    invoiceMappings: fc.constant([]),
    creditNoteMappings: fc.constant([]),
    previousDaySaleIds: fc.constant([]),
  }),
  theirs: fc.record({
    invoices: fc.uniqueArray(orderId, { maxLength: 4 }).chain((ids) => fc.tuple(...ids.map((id) => money.map((total) => invoice(id, total))))),
    creditNotes: fc.uniqueArray(fc.tuple(orderId, fc.constantFrom('r1', 'r2')), { selector: ([o, r]) => `${o}#${r}`, maxLength: 3 }).chain((refs) =>
      fc.tuple(...refs.map(([o, r]) => money.map((amount) => creditNote(o, r, amount)))),
    ),
    taxLines: fc.constant([]),
    payments: fc.constant([]),
  }),
  theirsNextDay: fc.constant(none),
  gateway: fc.record({
    transactions: fc.uniqueArray(arbitraryTransaction, { selector: (t) => t.transactionId, maxLength: 8 }),
    knownOrderIds: fc.subarray(['o1', 'o2', 'o3', 'o4']),
  }),
});

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('the gateway’s side: properties', () => {
  it('gives the same report whatever order the transactions, books and exports come in, and with a page read twice', () => {
    fc.assert(
      fc.property(arbitraryDay, fc.nat(), (day, seed) => {
        const transactions = day.gateway!.transactions;
        const reordered: ReconciliationInput = {
          ...day,
          ours: { ...day.ours, sales: shuffled(day.ours.sales, seed), refunds: shuffled(day.ours.refunds, seed + 1) },
          theirs: { ...day.theirs, invoices: shuffled(day.theirs.invoices, seed + 2), creditNotes: shuffled(day.theirs.creditNotes, seed + 3) },
          gateway: { transactions: shuffled([...transactions, ...transactions.slice(0, seed % 3)], seed + 4), knownOrderIds: shuffled(day.gateway!.knownOrderIds, seed + 5) },
        };
        expect(JSON.stringify(reconcileDay(reordered))).toBe(JSON.stringify(reconcileDay(day)));
      }),
    );
  });

  it('lists each discrepancy once (by kind and ref), sorted, with the gateway’s figure on every one of its kinds', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        const { discrepancies, counts } = reconcileDay(day);
        const ids = discrepancies.map((d) => discrepancyId(DAY, d));
        expect(new Set(ids).size).toBe(ids.length);
        expect([...discrepancies].sort(compareDiscrepancies)).toEqual(discrepancies);
        for (const kind of GATEWAY_DISCREPANCY_KINDS) expect(counts[kind]).toBe(discrepancies.filter((d) => d.kind === kind).length);
        const gatewayKinds: readonly string[] = GATEWAY_DISCREPANCY_KINDS;
        expect(discrepancies.filter((d) => gatewayKinds.includes(d.kind)).every((d) => Number.isInteger(d.gateway) && d.currency === 'GBP')).toBe(true);
      }),
    );
  });

  it('finds exactly the charges that name no order of ours, one per charge', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        const ours = new Set([...day.gateway!.knownOrderIds, ...day.ours.sales.map((s) => s.orderId)]);
        const expected = [...new Set(day.gateway!.transactions.filter((t) => t.orderId === undefined || !ours.has(t.orderId)).map((t) => t.chargeId))].sort();
        expect(reconcileDay(day).discrepancies.filter((d) => d.kind === 'unknown-charge').map((d) => d.ref)).toEqual(expected);
      }),
    );
  });

  it('adds up the gateway’s totals as the sum of its distinct transactions', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        const sum = (kind: GatewayTransaction['kind']) => day.gateway!.transactions.filter((t) => t.kind === kind).reduce((a, t) => a + t.amount, 0);
        const gbp = reconcileDay(day).totals.find((t) => t.currency === 'GBP');
        expect(gbp?.gateway.captured.amount ?? 0).toBe(sum('capture'));
        expect(gbp?.gateway.refunded.amount ?? 0).toBe(sum('refund'));
      }),
    );
  });

  it('shows every order a discrepancy names, once, with its three sides', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        const report = reconcileDay(day);
        const named = [...new Set(report.discrepancies.flatMap((d) => (d.orderId === undefined ? [] : [d.orderId])))].sort();
        expect(report.orders.map((o) => o.orderId)).toEqual(named);
      }),
    );
  });
});
