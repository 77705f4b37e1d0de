import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BillingCreditNote, BillingInvoice } from '../../../shared/billing/client.js';
import { GATEWAY_DISCREPANCY_KINDS, type GatewayDiscrepancyKind } from '../../../shared/billing/gateway-rules.js';
import {
  compareDiscrepancies,
  DISCREPANCY_KINDS,
  discrepancyId,
  reconcileDay,
  type BookedRefund,
  type BookedSale,
  type ExportSet,
  type InvoiceMapping,
  type ReconciliationInput,
} from '../../../shared/billing/reconciliation-rules.js';

const DAY = '2030-03-04';
const AT = `${DAY}T10:00:00.000Z`;
const none: ExportSet = { invoices: [], creditNotes: [], taxLines: [], payments: [] };

const sale = (orderId: string, total = 1000, tax = 100): BookedSale => ({ orderId, currency: 'GBP', total, tax });
const invoice = (orderId: string, overrides: Partial<BillingInvoice> = {}): BillingInvoice => ({
  invoiceReference: `inv_${orderId}`,
  externalId: orderId,
  status: 'open',
  currency: 'GBP',
  total: 1000,
  tax: 100,
  createdAt: AT,
  ...overrides,
});
const mapping = (orderId: string, status: InvoiceMapping['status'] = 'sent'): InvoiceMapping => ({ orderId, invoiceReference: `inv_${orderId}`, status });
const refund = (orderId: string, refundRef: string, amount = 300, tax = 50): BookedRefund => ({ orderId, refundRef, currency: 'GBP', amount, tax });
const creditNote = (orderId: string, refundRef: string, amount = 300, tax = 50): BillingCreditNote => ({
  creditNoteReference: `cn_${orderId}_${refundRef}`,
  invoiceReference: `inv_${orderId}`,
  externalId: `${orderId}#${refundRef}`,
  amount,
  tax,
  currency: 'GBP',
  createdAt: AT,
});

function input(overrides: { ours?: Partial<ReconciliationInput['ours']>; theirs?: Partial<ExportSet>; theirsNextDay?: Partial<ExportSet> } = {}): ReconciliationInput {
  return {
    date: DAY,
    ours: { sales: [], refunds: [], invoiceMappings: [], creditNoteMappings: [], previousDaySaleIds: [], ...overrides.ours },
    theirs: { ...none, ...overrides.theirs },
    theirsNextDay: { ...none, ...overrides.theirsNextDay },
  };
}

/** A day with exactly one discrepancy of each kind, beside a sale and a refund that agree. */
function seededDay(): ReconciliationInput {
  return input({
    ours: {
      sales: [sale('o-ok'), sale('o-missing'), sale('o-amount'), sale('o-tax'), sale('o-status')],
      refunds: [refund('o-ok', 'r1'), refund('o-ok', 'r2')],
      invoiceMappings: [mapping('o-ok', 'paid'), mapping('o-amount'), mapping('o-tax'), mapping('o-status', 'paid')],
    },
    theirs: {
      invoices: [
        invoice('o-ok', { status: 'paid' }),
        invoice('o-amount', { total: 1200 }),
        invoice('o-tax', { tax: 90 }),
        invoice('o-status'),
        invoice('o-stranger', { invoiceReference: 'inv_stranger' }),
      ],
      creditNotes: [creditNote('o-ok', 'r1')],
      taxLines: [
        { invoiceReference: 'inv_o-ok', tax: 60 },
        { invoiceReference: 'inv_o-ok', tax: 40 },
      ],
      payments: [{ invoiceReference: 'inv_o-ok', amount: 1000, currency: 'GBP', status: 'succeeded' }],
    },
  });
}

describe('reconcileDay', () => {
  it('finds each kind of discrepancy of a seeded day exactly once, and nothing about what agrees', () => {
    const report = reconcileDay(seededDay());
    expect(report.discrepancies.map((d) => [d.kind, d.ref, d.resolution])).toEqual([
      ['missing-invoice', 'o-missing', 're-enqueue'],
      ['orphan-invoice', 'inv_stranger', 'adjustment'],
      ['amount-mismatch', 'o-amount', 'adjustment'],
      ['tax-mismatch', 'o-tax', 'adjustment'],
      ['status-mismatch', 'o-status', 'adjustment'],
      ['credit-note-missing', 'o-ok#r2', 'adjustment'],
    ]);
    // Without the gateway's side, its kinds find nothing (test/unit/billing/gateway-rules.test.ts has them).
    expect(report.counts).toEqual(Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, GATEWAY_DISCREPANCY_KINDS.includes(kind as GatewayDiscrepancyKind) ? 0 : 1])));
    expect(report.discrepancies.find((d) => d.kind === 'amount-mismatch')).toMatchObject({ ours: 1000, theirs: 1200, currency: 'GBP', invoiceReference: 'inv_o-amount' });
    expect(report.discrepancies.find((d) => d.kind === 'tax-mismatch')).toMatchObject({ ours: 100, theirs: 90 });
    expect(report.discrepancies.find((d) => d.kind === 'status-mismatch')).toMatchObject({ ours: 'paid', theirs: 'open' });
  });

  it('adds up the day per currency: our sales and refunds, their live invoices and credit notes', () => {
    const report = reconcileDay(
      input({
        ours: { sales: [sale('a', 1000, 100), { orderId: 'b', currency: 'EUR', total: 500, tax: 50 }], refunds: [refund('a', 'r', 200, 20)] },
        theirs: { invoices: [invoice('a'), invoice('b', { currency: 'EUR', total: 500, tax: 50 }), invoice('x', { status: 'void' })], creditNotes: [creditNote('a', 'r', 200, 20)] },
      }),
    );
    expect(report.totals).toEqual([
      {
        currency: 'EUR',
        sales: { count: 1, total: 500, tax: 50 },
        refunds: { count: 0, amount: 0, tax: 0 },
        invoiced: { count: 1, total: 500, tax: 50 },
        credited: { count: 0, amount: 0, tax: 0 },
        gateway: { captured: { count: 0, amount: 0 }, refunded: { count: 0, amount: 0 } },
      },
      {
        currency: 'GBP',
        sales: { count: 1, total: 1000, tax: 100 },
        refunds: { count: 1, amount: 200, tax: 20 },
        invoiced: { count: 1, total: 1000, tax: 100 },
        credited: { count: 1, amount: 200, tax: 20 },
        gateway: { captured: { count: 0, amount: 0 }, refunded: { count: 0, amount: 0 } },
      },
    ]);
  });

  it('reports a sale with no invoice only as missing, to be re-enqueued', () => {
    const report = reconcileDay(input({ ours: { sales: [sale('a')] } }));
    expect(report.discrepancies).toEqual([
      { kind: 'missing-invoice', ref: 'a', orderId: 'a', currency: 'GBP', ours: 1000, resolution: 're-enqueue', reason: "sale of 1000 GBP has no invoice in billing's exports" },
    ]);
  });

  it('finds the invoice and credit note of a sale made just before midnight in the next day’s exports', () => {
    const report = reconcileDay(
      input({
        ours: { sales: [sale('late')], refunds: [refund('late', 'r')] },
        theirsNextDay: { invoices: [invoice('late', { createdAt: '2030-03-05T00:00:03.000Z' })], creditNotes: [creditNote('late', 'r')] },
      }),
    );
    expect(report.discrepancies).toEqual([]);
  });

  it('does not call the invoice of the day before’s late sale an orphan; the next day’s invoices are never orphans here', () => {
    const report = reconcileDay(
      input({
        ours: { previousDaySaleIds: ['yesterday'] },
        theirs: { invoices: [invoice('yesterday')] },
        theirsNextDay: { invoices: [invoice('tomorrow')] },
      }),
    );
    expect(report.discrepancies).toEqual([]);
  });

  it('sees a duplicate invoice as the sale invoiced twice over', () => {
    const report = reconcileDay(
      input({
        ours: { sales: [sale('a')] },
        theirs: { invoices: [invoice('a'), invoice('a', { invoiceReference: 'inv_a_again' })] },
      }),
    );
    expect(report.discrepancies.map((d) => [d.kind, d.ours, d.theirs])).toEqual([
      ['amount-mismatch', 1000, 2000],
      ['tax-mismatch', 100, 200],
    ]);
  });

  it('leaves void invoices out of what was invoiced', () => {
    const report = reconcileDay(input({ ours: { sales: [sale('a')] }, theirs: { invoices: [invoice('a', { status: 'void' })] } }));
    expect(report.discrepancies.map((d) => [d.kind, d.theirs])).toEqual([
      ['amount-mismatch', 0],
      ['tax-mismatch', 0],
    ]);
  });

  it('calls an invoice in another currency an amount mismatch even when the figures agree', () => {
    const report = reconcileDay(input({ ours: { sales: [sale('a')] }, theirs: { invoices: [invoice('a', { currency: 'EUR' })] } }));
    expect(report.discrepancies.map((d) => d.kind)).toEqual(['amount-mismatch']);
  });

  it('compares the tax lines too when the invoice’s own tax agrees', () => {
    const report = reconcileDay(
      input({ ours: { sales: [sale('a')] }, theirs: { invoices: [invoice('a')], taxLines: [{ invoiceReference: 'inv_a', tax: 99 }] } }),
    );
    expect(report.discrepancies).toMatchObject([{ kind: 'tax-mismatch', ours: 100, theirs: 99 }]);
  });

  it('compares each refund with its credit notes: the amount, the currency, the tax and the tax lines', () => {
    const refunds = [refund('a', 'ok', 300, 50), refund('a', 'amount', 300, 50), refund('a', 'tax', 300, 50), refund('a', 'lines', 300, 50), refund('a', 'eur', 300, 50)];
    const report = reconcileDay(
      input({
        ours: { sales: [sale('a')], refunds },
        theirs: {
          invoices: [invoice('a')],
          creditNotes: [
            creditNote('a', 'ok', 300, 50),
            creditNote('a', 'amount', 250, 50),
            creditNote('a', 'tax', 300, 0),
            creditNote('a', 'lines', 300, 50),
            { ...creditNote('a', 'eur', 300, 50), currency: 'EUR' },
          ],
          taxLines: [
            { invoiceReference: 'inv_a', creditNoteReference: 'cn_a_ok', tax: 30 },
            { invoiceReference: 'inv_a', creditNoteReference: 'cn_a_ok', tax: 20 },
            { invoiceReference: 'inv_a', creditNoteReference: 'cn_a_lines', tax: 49 },
          ],
        },
      }),
    );
    expect(report.discrepancies.map((d) => [d.kind, d.ref, d.ours, d.theirs])).toEqual([
      ['amount-mismatch', 'a#amount', 300, 250],
      ['amount-mismatch', 'a#eur', 300, 300],
      ['tax-mismatch', 'a#lines', 50, 49],
      ['tax-mismatch', 'a#tax', 50, 0],
    ]);
    expect(report.discrepancies[0]).toMatchObject({ orderId: 'a', refundRef: 'amount', invoiceReference: 'inv_a', resolution: 'adjustment' });
  });

  it('counts a credit note’s tax lines for the credit note, not for the invoice they name', () => {
    const report = reconcileDay(
      input({
        ours: { sales: [sale('a', 1000, 100)], refunds: [refund('a', 'r', 300, 50)] },
        theirs: {
          invoices: [invoice('a')],
          creditNotes: [creditNote('a', 'r', 300, 50)],
          taxLines: [
            { invoiceReference: 'inv_a', tax: 100 },
            { invoiceReference: 'inv_a', creditNoteReference: 'cn_a_r', tax: 50 },
          ],
        },
      }),
    );
    expect(report.discrepancies).toEqual([]);
  });

  it('does not compare the tax of a refund booked before refunds carried their tax', () => {
    const { tax: _none, ...untaxed } = refund('a', 'r');
    const report = reconcileDay(input({ ours: { refunds: [untaxed] }, theirs: { creditNotes: [creditNote('a', 'r', 300, 50)] } }));
    expect(report.discrepancies).toEqual([]);
    expect(report.totals[0]!.refunds).toEqual({ count: 1, amount: 300, tax: 0 });
  });

  it('takes a payment in the export as paid even while the invoice still reads open, and flags ours not yet paid', () => {
    const agreed = reconcileDay(
      input({
        ours: { sales: [sale('a')], invoiceMappings: [mapping('a', 'paid')] },
        theirs: { invoices: [invoice('a')], payments: [{ invoiceReference: 'inv_a', amount: 1000, currency: 'GBP', status: 'succeeded' }] },
      }),
    );
    expect(agreed.discrepancies).toEqual([]);
    const behind = reconcileDay(input({ ours: { sales: [sale('a')], invoiceMappings: [mapping('a', 'sent')] }, theirs: { invoices: [invoice('a', { status: 'paid' })] } }));
    expect(behind.discrepancies).toMatchObject([{ kind: 'status-mismatch', ours: 'sent', theirs: 'paid', resolution: 'adjustment' }]);
  });

  it('does not take a failed payment for a paid invoice', () => {
    const report = reconcileDay(
      input({
        ours: { sales: [sale('a')], invoiceMappings: [mapping('a', 'paid')] },
        theirs: { invoices: [invoice('a')], payments: [{ invoiceReference: 'inv_a', amount: 1000, currency: 'GBP', status: 'failed' }] },
      }),
    );
    expect(report.discrepancies).toMatchObject([{ kind: 'status-mismatch', ours: 'paid', theirs: 'open' }]);
  });

  it('names the invoice or credit note we hold when billing’s exports lack it, and does not re-enqueue a sale we hold an invoice for', () => {
    const report = reconcileDay(
      input({
        ours: { sales: [sale('a')], refunds: [refund('a', 'r')], invoiceMappings: [mapping('a')], creditNoteMappings: [{ orderId: 'a', refundRef: 'r', creditNoteReference: 'cn_9' }] },
      }),
    );
    expect(report.discrepancies.map((d) => [d.kind, d.resolution, d.reason])).toEqual([
      ['missing-invoice', 'adjustment', "sale of 1000 GBP has no invoice in billing's exports, though we hold invoice inv_a for it"],
      ['credit-note-missing', 'adjustment', "refund of 300 GBP has no credit note in billing's exports; we hold credit note cn_9 for it"],
    ]);
  });

  it('treats a failed payment of ours and an open invoice of theirs as agreeing', () => {
    const report = reconcileDay(input({ ours: { sales: [sale('a')], invoiceMappings: [mapping('a', 'payment-failed')] }, theirs: { invoices: [invoice('a')] } }));
    expect(report.discrepancies).toEqual([]);
  });

  it('counts a record listed twice (a page read twice) once', () => {
    const day = seededDay();
    const doubled = { ...day, theirs: { ...day.theirs, invoices: [...day.theirs.invoices, ...day.theirs.invoices] }, ours: { ...day.ours, sales: [...day.ours.sales, ...day.ours.sales] } };
    expect(reconcileDay(doubled)).toEqual(reconcileDay(day));
  });
});

describe('discrepancyId', () => {
  it('is built from the day, the kind and the ref', () => {
    expect(discrepancyId(DAY, { kind: 'credit-note-missing', ref: 'o-1#r-1' })).toBe('reconciliation-2030-03-04-credit-note-missing-o-1#r-1');
  });
});

// Properties over arbitrary days: a few orders, each sold or not, invoiced or not (right, wrong, twice), paid or not, refunded.
const orderId = fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6');
const money = fc.integer({ min: 0, max: 5000 });
const arbitrarySale = fc.record({ orderId, currency: fc.constantFrom('GBP', 'EUR'), total: money, tax: money });
const arbitraryInvoice = fc.record({
  invoiceReference: fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7'),
  externalId: fc.oneof(orderId, fc.constant('stranger')),
  status: fc.constantFrom('open', 'paid', 'void') as fc.Arbitrary<BillingInvoice['status']>,
  currency: fc.constantFrom('GBP', 'EUR'),
  total: money,
  tax: money,
  createdAt: fc.constant(AT),
});
const arbitraryRefund = fc.record({ orderId, refundRef: fc.constantFrom('r1', 'r2'), currency: fc.constant('GBP'), amount: money, tax: money }, { requiredKeys: ['orderId', 'refundRef', 'currency', 'amount'] });
const arbitraryCreditNote = fc.record({
  creditNoteReference: fc.constantFrom('c1', 'c2', 'c3'),
  invoiceReference: fc.constantFrom('i1', 'i2'),
  externalId: fc.constantFrom('o1#r1', 'o2#r2', 'o3#r1'),
  amount: money,
  tax: money,
  currency: fc.constant('GBP'),
  createdAt: fc.constant(AT),
});
const arbitraryMapping = fc.record({
  orderId,
  invoiceReference: fc.constantFrom('i1', 'i2', 'i3'),
  status: fc.constantFrom('sent', 'paid', 'payment-failed') as fc.Arbitrary<InvoiceMapping['status']>,
});
const arbitraryExports = fc.record({
  invoices: fc.array(arbitraryInvoice, { maxLength: 8 }),
  creditNotes: fc.array(arbitraryCreditNote, { maxLength: 3 }),
  taxLines: fc.array(
    fc.record({ invoiceReference: fc.constantFrom('i1', 'i2', 'i3'), creditNoteReference: fc.constantFrom('c1', 'c2', 'c3'), tax: money }, { requiredKeys: ['invoiceReference', 'tax'] }),
    { maxLength: 4 },
  ),
  payments: fc.array(
    fc.record({
      invoiceReference: fc.constantFrom('i1', 'i2', 'i3'),
      amount: money,
      currency: fc.constant('GBP'),
      status: fc.constantFrom('succeeded', 'failed') as fc.Arbitrary<'succeeded' | 'failed'>,
    }),
    { maxLength: 3 },
  ),
});
const arbitraryDay: fc.Arbitrary<ReconciliationInput> = fc.record({
  date: fc.constant(DAY),
  ours: fc.record({
    sales: fc.uniqueArray(arbitrarySale, { selector: (s) => s.orderId, maxLength: 6 }),
    refunds: fc.uniqueArray(arbitraryRefund, { selector: (r) => `${r.orderId}#${r.refundRef}`, maxLength: 4 }),
    invoiceMappings: fc.uniqueArray(arbitraryMapping, { selector: (m) => m.orderId, maxLength: 6 }),
    creditNoteMappings: fc.constant([]),
    previousDaySaleIds: fc.array(orderId, { maxLength: 2 }),
  }),
  theirs: arbitraryExports.map((set) => ({
    ...set,
    invoices: uniqueBy(set.invoices, (i) => i.invoiceReference),
    creditNotes: uniqueBy(set.creditNotes, (n) => n.creditNoteReference),
  })),
  theirsNextDay: fc.constant(none),
});

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

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

describe('reconcileDay properties', () => {
  it('gives the same report when run twice on the same day', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        expect(JSON.stringify(reconcileDay(day))).toBe(JSON.stringify(reconcileDay(structuredClone(day))));
      }),
    );
  });

  it('gives the same report whatever order the books and the export pages come in', () => {
    fc.assert(
      fc.property(arbitraryDay, fc.nat(), (day, seed) => {
        const reordered: ReconciliationInput = {
          ...day,
          ours: { ...day.ours, sales: shuffled(day.ours.sales, seed), refunds: shuffled(day.ours.refunds, seed + 1), invoiceMappings: shuffled(day.ours.invoiceMappings, seed + 2) },
          theirs: {
            invoices: shuffled(day.theirs.invoices, seed + 3),
            creditNotes: shuffled(day.theirs.creditNotes, seed + 4),
            taxLines: shuffled(day.theirs.taxLines, seed + 5),
            payments: shuffled(day.theirs.payments, seed + 6),
          },
        };
        expect(JSON.stringify(reconcileDay(reordered))).toBe(JSON.stringify(reconcileDay(day)));
      }),
    );
  });

  it('lists discrepancies sorted by kind then ref, each (kind, ref) once, with counts that match', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        const { discrepancies, counts } = reconcileDay(day);
        expect([...discrepancies].sort(compareDiscrepancies)).toEqual(discrepancies);
        const ids = discrepancies.map((d) => discrepancyId(DAY, d));
        expect(new Set(ids).size).toBe(ids.length);
        for (const kind of DISCREPANCY_KINDS) expect(counts[kind]).toBe(discrepancies.filter((d) => d.kind === kind).length);
      }),
    );
  });

  it('re-enqueues exactly the sales billing has no invoice for and we hold no invoice mapping for', () => {
    fc.assert(
      fc.property(arbitraryDay, (day) => {
        const invoiced = new Set(day.theirs.invoices.map((i) => i.externalId));
        const mapped = new Set(day.ours.invoiceMappings.map((m) => m.orderId));
        const expected = day.ours.sales.filter((s) => !invoiced.has(s.orderId) && !mapped.has(s.orderId)).map((s) => s.orderId).sort();
        const reEnqueued = reconcileDay(day).discrepancies.filter((d) => d.resolution === 're-enqueue');
        expect(reEnqueued.every((d) => d.kind === 'missing-invoice')).toBe(true);
        expect(reEnqueued.map((d) => d.ref)).toEqual(expected);
      }),
    );
  });
});
