import type { BillingCreditNote, BillingInvoice } from './client.js';
import { compareGateway, GATEWAY_DISCREPANCY_KINDS, gatewayTotals, type GatewaySide } from './gateway-rules.js';

/**
 * The nightly comparison of our books with the billing system's exports, as a pure function: what we sold and refunded
 * on a day against what billing invoiced, credited, taxed and collected. Reading both sides and acting on the
 * result is `reconcile.ts`; everything that decides what counts as a discrepancy is here, so it is tested without I/O.
 */

/** The kinds, in the order a report lists them: billing's side first, then the gateway's (`gateway-rules.ts`). */
export const DISCREPANCY_KINDS = [
  'missing-invoice',
  'orphan-invoice',
  'amount-mismatch',
  'tax-mismatch',
  'status-mismatch',
  'credit-note-missing',
  ...GATEWAY_DISCREPANCY_KINDS,
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/**
 * What happens to a discrepancy: `re-enqueue` when sending the record again is safe and can help (a sale we never got an
 * invoice for: the billing call is idempotent by our id, so one that did get through comes back as it is), `adjustment`
 * when a person has to look, recorded with why.
 */
export type Resolution = 're-enqueue' | 'adjustment';

export interface Discrepancy {
  kind: DiscrepancyKind;
  /** The order for a sale's discrepancy, the invoice reference for an orphan, `<orderId>#<refundRef>` for a refund's. */
  ref: string;
  orderId?: string;
  refundRef?: string;
  invoiceReference?: string;
  currency?: string;
  /** Our figure (minor units) or status. */
  ours?: number | string;
  /** Billing's. */
  theirs?: number | string;
  /** The payment gateway's figure (minor units), for the gateway's kinds and for a sale's amount the gateway captured. */
  gateway?: number;
  resolution: Resolution;
  reason: string;
}

/** A `SALE#` item of the day's books. */
export interface BookedSale {
  orderId: string;
  currency: string;
  total: number;
  tax: number;
}

/** A `REFUND#` item of the day's books. */
export interface BookedRefund {
  orderId: string;
  refundRef: string;
  currency: string;
  amount: number;
  /** The tax in it; absent on refunds booked before refunds carried their tax, whose tax is then not compared. */
  tax?: number;
}

/** Our mapping of an order to its invoice, with the status billing's webhooks left on it. */
export interface InvoiceMapping {
  orderId: string;
  invoiceReference: string;
  status: 'sent' | 'paid' | 'payment-failed';
}

/**
 * One row of the tax-lines export: tax billing charged on one of an invoice's lines, or took back on one of a credit
 * note's (then `creditNoteReference` names it, and `invoiceReference` the invoice it credits).
 */
export interface ExportedTaxLine {
  invoiceReference: string;
  creditNoteReference?: string;
  tax: number;
}

/** One row of the payments export: an attempt to collect an invoice, which may have failed. */
export interface ExportedPayment {
  invoiceReference: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
}

/** Our mapping of a refund to its credit note. */
export interface CreditNoteMapping {
  orderId: string;
  refundRef: string;
  creditNoteReference: string;
}

/** One day of billing's exports, all pages read. */
export interface ExportSet {
  invoices: readonly BillingInvoice[];
  creditNotes: readonly BillingCreditNote[];
  taxLines: readonly ExportedTaxLine[];
  payments: readonly ExportedPayment[];
}

export interface ReconciliationInput {
  /** The UTC day, `YYYY-MM-DD`. */
  date: string;
  ours: {
    sales: readonly BookedSale[];
    refunds: readonly BookedRefund[];
    /** The invoice mappings of the day's sales (absent for a sale never invoiced). */
    invoiceMappings: readonly InvoiceMapping[];
    /** The credit-note mappings of the day's refunds (absent for a refund never credited). */
    creditNoteMappings: readonly CreditNoteMapping[];
    /**
     * Orders sold the day before: a sale just before midnight is invoiced just after, so its invoice is in this day's
     * export without being an orphan.
     */
    previousDaySaleIds: readonly string[];
  };
  /** The day's exports. */
  theirs: ExportSet;
  /** The next day's exports, read only to find the records of sales and refunds made late on the day. */
  theirsNextDay: ExportSet;
  /** The payment gateway's captures and refunds of the day; absent, the gateway's side is not compared. */
  gateway?: GatewaySide;
}

export interface CurrencyTotals {
  currency: string;
  sales: { count: number; total: number; tax: number };
  refunds: { count: number; amount: number; tax: number };
  /** The day's invoices in billing's export, void ones left out. */
  invoiced: { count: number; total: number; tax: number };
  credited: { count: number; amount: number; tax: number };
  /** The payment gateway's captures and refunds of the day (its balance transactions). */
  gateway: { captured: { count: number; amount: number }; refunded: { count: number; amount: number } };
}

/** One order named by a discrepancy, as each side saw it on the day (minor units). */
export interface OrderSides {
  orderId: string;
  currency: string;
  /** Our books: the sale's total, and the refunds of the day. */
  ours: { sold: number; refunded: number };
  /** Billing's exports: its live invoices' total, and its credit notes'. */
  billing: { invoiced: number; credited: number };
  /** The gateway's balance transactions of the day: captured, and refunded. */
  gateway: { captured: number; refunded: number };
}

/** The report of one day: deterministic for given inputs, so a rerun on unchanged data writes the same bytes. */
export interface ReconciliationReport {
  date: string;
  counts: Record<DiscrepancyKind, number>;
  totals: CurrencyTotals[];
  discrepancies: Discrepancy[];
  /** Every order a discrepancy names, with all three sides, by order id. */
  orders: OrderSides[];
}

const KIND_ORDER = new Map(DISCREPANCY_KINDS.map((kind, i) => [kind, i]));

/** Report order: by kind as listed in `DISCREPANCY_KINDS`, then by ref (code-unit order, independent of locale). */
export function compareDiscrepancies(a: Discrepancy, b: Discrepancy): number {
  const byKind = KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)!;
  if (byKind !== 0) return byKind;
  return a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0;
}

/** The stable id of a discrepancy: its event id and its adjustment's key are built from it, so a rerun finds its own. */
export function discrepancyId(date: string, discrepancy: Pick<Discrepancy, 'kind' | 'ref'>): string {
  return `reconciliation-${date}-${discrepancy.kind}-${discrepancy.ref}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const byReference = (a: BillingInvoice, b: BillingInvoice) => (a.invoiceReference < b.invoiceReference ? -1 : a.invoiceReference > b.invoiceReference ? 1 : 0);

/** Billing's view of whether an invoice is paid: its status, or a payment against it that the status has not caught up with. */
function paidAtBilling(invoices: readonly BillingInvoice[], paidReferences: ReadonlySet<string>): boolean {
  return invoices.some((invoice) => invoice.status === 'paid' || paidReferences.has(invoice.invoiceReference));
}

function saleDiscrepancies(
  sale: BookedSale,
  invoices: readonly BillingInvoice[],
  mapping: InvoiceMapping | undefined,
  taxLinesByInvoice: ReadonlyMap<string, ExportedTaxLine[]>,
  paidReferences: ReadonlySet<string>,
): Discrepancy[] {
  const base = { ref: sale.orderId, orderId: sale.orderId, currency: sale.currency };
  if (invoices.length === 0) {
    const reason = `sale of ${sale.total} ${sale.currency} has no invoice in billing's exports`;
    // With a mapping, billing did answer once: the worker would see the order invoiced and send nothing, so a person looks.
    return [
      mapping
        ? {
            ...base,
            kind: 'missing-invoice',
            invoiceReference: mapping.invoiceReference,
            ours: sale.total,
            resolution: 'adjustment',
            reason: `${reason}, though we hold invoice ${mapping.invoiceReference} for it`,
          }
        : { ...base, kind: 'missing-invoice', ours: sale.total, resolution: 're-enqueue', reason },
    ];
  }
  const found: Discrepancy[] = [];
  // A duplicate invoice after a retry shows as the sale invoiced twice over; a void one bills nothing.
  const live = invoices.filter((invoice) => invoice.status !== 'void');
  const references = invoices.map((invoice) => invoice.invoiceReference).join(', ');
  const invoiceReference = (live[0] ?? invoices[0])!.invoiceReference;
  const invoicedTotal = sum(live.map((invoice) => invoice.total));
  const wrongCurrency = live.find((invoice) => invoice.currency !== sale.currency);
  if (wrongCurrency || invoicedTotal !== sale.total) {
    found.push({
      ...base,
      kind: 'amount-mismatch',
      invoiceReference,
      ours: sale.total,
      theirs: invoicedTotal,
      resolution: 'adjustment',
      reason: wrongCurrency
        ? `invoice ${wrongCurrency.invoiceReference} is in ${wrongCurrency.currency}, the sale in ${sale.currency}`
        : `${live.length} live invoice(s) (${references}) total ${invoicedTotal} ${sale.currency}, the sale ${sale.total}`,
    });
  }
  const invoicedTax = sum(live.map((invoice) => invoice.tax));
  const taxLines = live.flatMap((invoice) => taxLinesByInvoice.get(invoice.invoiceReference) ?? []);
  const lineTax = sum(taxLines.map((line) => line.tax));
  if (invoicedTax !== sale.tax || (taxLines.length > 0 && lineTax !== sale.tax)) {
    const theirs = invoicedTax !== sale.tax ? invoicedTax : lineTax;
    found.push({
      ...base,
      kind: 'tax-mismatch',
      invoiceReference,
      ours: sale.tax,
      theirs,
      resolution: 'adjustment',
      reason: `sale's tax is ${sale.tax} ${sale.currency}; billing's invoices carry ${invoicedTax}, its tax lines ${taxLines.length > 0 ? lineTax : 'none'}`,
    });
  }
  if (mapping) {
    const oursPaid = mapping.status === 'paid';
    const theirsPaid = paidAtBilling(live, paidReferences);
    if (oursPaid !== theirsPaid) {
      found.push({
        ...base,
        kind: 'status-mismatch',
        invoiceReference: mapping.invoiceReference,
        ours: mapping.status,
        theirs: theirsPaid ? 'paid' : 'open',
        resolution: 'adjustment',
        reason: oursPaid
          ? `we hold invoice ${mapping.invoiceReference} as paid, billing has no payment for it`
          : `billing has invoice ${mapping.invoiceReference} paid, we hold it as ${mapping.status}`,
      });
    }
  }
  return found;
}

/** A refund's credit notes against it: the amount and currency, and the tax of the notes and of their tax lines. */
function refundDiscrepancies(refund: BookedRefund, notes: readonly BillingCreditNote[], taxLinesByNote: ReadonlyMap<string, ExportedTaxLine[]>): Discrepancy[] {
  const ref = `${refund.orderId}#${refund.refundRef}`;
  const base = { ref, orderId: refund.orderId, refundRef: refund.refundRef, currency: refund.currency, invoiceReference: notes[0]!.invoiceReference };
  const references = notes.map((note) => note.creditNoteReference).join(', ');
  const found: Discrepancy[] = [];
  const credited = sum(notes.map((note) => note.amount));
  const wrongCurrency = notes.find((note) => note.currency !== refund.currency);
  if (wrongCurrency || credited !== refund.amount) {
    found.push({
      ...base,
      kind: 'amount-mismatch',
      ours: refund.amount,
      theirs: credited,
      resolution: 'adjustment',
      reason: wrongCurrency
        ? `credit note ${wrongCurrency.creditNoteReference} is in ${wrongCurrency.currency}, the refund in ${refund.currency}`
        : `${notes.length} credit note(s) (${references}) credit ${credited} ${refund.currency}, the refund ${refund.amount}`,
    });
  }
  if (refund.tax !== undefined) {
    const noteTax = sum(notes.map((note) => note.tax));
    const taxLines = notes.flatMap((note) => taxLinesByNote.get(note.creditNoteReference) ?? []);
    const lineTax = sum(taxLines.map((line) => line.tax));
    if (noteTax !== refund.tax || (taxLines.length > 0 && lineTax !== refund.tax)) {
      found.push({
        ...base,
        kind: 'tax-mismatch',
        ours: refund.tax,
        theirs: noteTax !== refund.tax ? noteTax : lineTax,
        resolution: 'adjustment',
        reason: `refund's tax is ${refund.tax} ${refund.currency}; billing's credit notes carry ${noteTax}, their tax lines ${taxLines.length > 0 ? lineTax : 'none'}`,
      });
    }
  }
  return found;
}

function addTotals(totals: Map<string, CurrencyTotals>, currency: string, add: (t: CurrencyTotals) => void): void {
  let entry = totals.get(currency);
  if (!entry) {
    entry = {
      currency,
      sales: { count: 0, total: 0, tax: 0 },
      refunds: { count: 0, amount: 0, tax: 0 },
      invoiced: { count: 0, total: 0, tax: 0 },
      credited: { count: 0, amount: 0, tax: 0 },
      gateway: { captured: { count: 0, amount: 0 }, refunded: { count: 0, amount: 0 } },
    };
    totals.set(currency, entry);
  }
  add(entry);
}

function dayTotals(day: {
  sales: readonly BookedSale[];
  refunds: readonly BookedRefund[];
  invoices: readonly BillingInvoice[];
  creditNotes: readonly BillingCreditNote[];
  gateway: GatewaySide | undefined;
}): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  for (const [currency, gateway] of gatewayTotals(day.gateway?.transactions ?? [])) {
    addTotals(totals, currency, (t) => {
      t.gateway = gateway;
    });
  }
  for (const sale of day.sales) {
    addTotals(totals, sale.currency, (t) => {
      t.sales.count += 1;
      t.sales.total += sale.total;
      t.sales.tax += sale.tax;
    });
  }
  for (const refund of day.refunds) {
    addTotals(totals, refund.currency, (t) => {
      t.refunds.count += 1;
      t.refunds.amount += refund.amount;
      t.refunds.tax += refund.tax ?? 0;
    });
  }
  for (const invoice of day.invoices) {
    if (invoice.status === 'void') continue;
    addTotals(totals, invoice.currency, (t) => {
      t.invoiced.count += 1;
      t.invoiced.total += invoice.total;
      t.invoiced.tax += invoice.tax;
    });
  }
  for (const note of day.creditNotes) {
    addTotals(totals, note.currency, (t) => {
      t.credited.count += 1;
      t.credited.amount += note.amount;
      t.credited.tax += note.tax;
    });
  }
  return [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** Keeps the first of each id: an export page read twice (a retried page) must not make a record count twice. */
function unique<T>(items: readonly T[], id: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = id(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Compares one day of our books with billing's exports and lists every discrepancy once:
 * - `missing-invoice`: a sale no invoice in the day's (or the next day's) exports names as its `externalId`; re-enqueued
 *   unless we hold an invoice mapping for it (then re-sending would change nothing);
 * - `orphan-invoice`: an invoice of the day whose `externalId` is no sale of this day or the day before;
 * - `amount-mismatch`: the sale's invoices (void ones left out) do not add up to its total, or are in another currency;
 *   or a refund's credit notes do not add up to its amount, or are in another currency;
 * - `tax-mismatch`: their tax, or their tax lines', differs from the sale's tax; or a refund's credit notes' tax, or
 *   their tax lines', differs from the refund's;
 * - `status-mismatch`: our mapping holds the invoice paid and billing does not, or the reverse;
 * - `credit-note-missing`: a refund no credit note names as `<orderId>#<refundRef>`.
 * A sale with no invoice is reported only as missing, since there is nothing to compare it with.
 *
 * The result depends only on the input's content, not its order, and discrepancies come sorted by kind then ref.
 */
export function reconcileDay(input: ReconciliationInput): ReconciliationReport {
  const invoices = unique([...input.theirs.invoices, ...input.theirsNextDay.invoices], (i) => i.invoiceReference).sort(byReference);
  const creditNotes = unique([...input.theirs.creditNotes, ...input.theirsNextDay.creditNotes], (n) => n.creditNoteReference).sort((a, b) =>
    a.creditNoteReference < b.creditNoteReference ? -1 : a.creditNoteReference > b.creditNoteReference ? 1 : 0,
  );
  const invoicesByOrder = groupBy(invoices, (invoice) => invoice.externalId);
  const taxLines = [...input.theirs.taxLines, ...input.theirsNextDay.taxLines];
  // An invoice's tax lines are its own; a credit note's lines name the invoice they credit but count for the credit note.
  const taxLinesByInvoice = groupBy(
    taxLines.filter((line) => line.creditNoteReference === undefined),
    (line) => line.invoiceReference,
  );
  const taxLinesByNote = groupBy(
    taxLines.filter((line) => line.creditNoteReference !== undefined),
    (line) => line.creditNoteReference!,
  );
  const paidReferences = new Set(
    [...input.theirs.payments, ...input.theirsNextDay.payments].filter((payment) => payment.status === 'succeeded').map((payment) => payment.invoiceReference),
  );
  const mappings = new Map(input.ours.invoiceMappings.map((mapping) => [mapping.orderId, mapping]));
  const sales = unique(input.ours.sales, (sale) => sale.orderId);
  const refunds = unique(input.ours.refunds, (refund) => `${refund.orderId}#${refund.refundRef}`);

  const discrepancies: Discrepancy[] = sales.flatMap((sale) =>
    saleDiscrepancies(sale, invoicesByOrder.get(sale.orderId) ?? [], mappings.get(sale.orderId), taxLinesByInvoice, paidReferences),
  );

  const dayInvoices = unique(input.theirs.invoices, (i) => i.invoiceReference);
  const ourOrders = new Set([...sales.map((sale) => sale.orderId), ...input.ours.previousDaySaleIds]);
  for (const invoice of dayInvoices) {
    if (ourOrders.has(invoice.externalId)) continue;
    discrepancies.push({
      kind: 'orphan-invoice',
      ref: invoice.invoiceReference,
      orderId: invoice.externalId,
      invoiceReference: invoice.invoiceReference,
      currency: invoice.currency,
      theirs: invoice.total,
      resolution: 'adjustment',
      reason: `invoice ${invoice.invoiceReference} (${invoice.status}, ${invoice.total} ${invoice.currency}) names ${invoice.externalId}, which is no sale of ours on ${input.date} or the day before`,
    });
  }

  const notesByRefund = groupBy(creditNotes, (note) => note.externalId);
  const creditNoteMappings = new Map(input.ours.creditNoteMappings.map((m) => [`${m.orderId}#${m.refundRef}`, m]));
  for (const refund of refunds) {
    const ref = `${refund.orderId}#${refund.refundRef}`;
    const notes = notesByRefund.get(ref);
    if (notes) {
      discrepancies.push(...refundDiscrepancies(refund, notes, taxLinesByNote));
      continue;
    }
    const held = creditNoteMappings.get(ref);
    discrepancies.push({
      kind: 'credit-note-missing',
      ref,
      orderId: refund.orderId,
      refundRef: refund.refundRef,
      currency: refund.currency,
      ours: refund.amount,
      resolution: 'adjustment',
      reason: `refund of ${refund.amount} ${refund.currency} has no credit note in billing's exports${held ? `; we hold credit note ${held.creditNoteReference} for it` : ''}`,
    });
  }

  const gatewayFound = input.gateway ? gatewayDiscrepancies(input.gateway, { sales, refunds, mappings, invoicesByOrder, creditNotes }) : [];
  // A gateway finding says what billing's side said of the same order, with the gateway's figure: reported once, as it.
  const capturedOrders = new Set(gatewayFound.filter((d) => d.kind === 'captured-not-invoiced').map((d) => d.orderId));
  const refundedOrders = new Set(gatewayFound.filter((d) => d.kind === 'refunded-not-credited').map((d) => d.orderId));
  const kept = discrepancies.filter(
    (d) => !(d.kind === 'missing-invoice' && capturedOrders.has(d.orderId)) && !(d.kind === 'credit-note-missing' && refundedOrders.has(d.orderId)),
  );
  discrepancies.length = 0;
  discrepancies.push(...kept, ...gatewayFound);
  if (input.gateway) addCapturedFigure(discrepancies, input.gateway);

  discrepancies.sort(compareDiscrepancies);
  const counts = Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, discrepancies.filter((d) => d.kind === kind).length])) as Record<DiscrepancyKind, number>;
  const dayCreditNotes = unique(input.theirs.creditNotes, (n) => n.creditNoteReference);
  return {
    date: input.date,
    counts,
    totals: dayTotals({ sales, refunds, invoices: dayInvoices, creditNotes: dayCreditNotes, gateway: input.gateway }),
    discrepancies,
    orders: orderSides(discrepancies, { sales, refunds, invoicesByOrder, creditNotes, gateway: input.gateway }),
  };
}

/** The gateway's findings as discrepancies, from the day's records made unique. */
function gatewayDiscrepancies(
  gateway: GatewaySide,
  day: {
    sales: readonly BookedSale[];
    refunds: readonly BookedRefund[];
    mappings: ReadonlyMap<string, InvoiceMapping>;
    invoicesByOrder: ReadonlyMap<string, BillingInvoice[]>;
    creditNotes: readonly BillingCreditNote[];
  },
): Discrepancy[] {
  const refunds = new Map<string, { currency: string; amount: number }>();
  for (const refund of day.refunds) {
    const entry = refunds.get(refund.orderId) ?? { currency: refund.currency, amount: 0 };
    entry.amount += refund.amount;
    refunds.set(refund.orderId, entry);
  }
  return compareGateway({
    gateway,
    sales: new Map(day.sales.map((sale) => [sale.orderId, sale])),
    refunds,
    mappedOrderIds: new Set(day.mappings.keys()),
    invoicesByOrder: day.invoicesByOrder,
    creditNotes: day.creditNotes,
  });
}

/** A sale's billing discrepancy carries what the gateway captured for the order too, when it captured any that day. */
function addCapturedFigure(discrepancies: Discrepancy[], gateway: GatewaySide): void {
  const captured = new Map<string, number>();
  const seen = new Set<string>();
  for (const t of gateway.transactions) {
    if (t.kind !== 'capture' || t.orderId === undefined || seen.has(t.transactionId)) continue;
    seen.add(t.transactionId);
    captured.set(t.orderId, (captured.get(t.orderId) ?? 0) + t.amount);
  }
  for (const d of discrepancies) {
    if (d.gateway !== undefined || d.orderId === undefined || d.ref !== d.orderId) continue;
    const amount = captured.get(d.orderId);
    if (amount !== undefined && ['missing-invoice', 'amount-mismatch'].includes(d.kind)) d.gateway = amount;
  }
}

/** The three sides of each order a discrepancy names (an orphan invoice's order and an unknown charge's included). */
function orderSides(
  discrepancies: readonly Discrepancy[],
  day: {
    sales: readonly BookedSale[];
    refunds: readonly BookedRefund[];
    invoicesByOrder: ReadonlyMap<string, BillingInvoice[]>;
    creditNotes: readonly BillingCreditNote[];
    gateway: GatewaySide | undefined;
  },
): OrderSides[] {
  const orderIds = [...new Set(discrepancies.flatMap((d) => (d.orderId === undefined ? [] : [d.orderId])))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const seen = new Set<string>();
  const transactions = (day.gateway?.transactions ?? []).filter((t) => !seen.has(t.transactionId) && seen.add(t.transactionId));
  return orderIds.map((orderId) => {
    const sale = day.sales.find((s) => s.orderId === orderId);
    const refunds = day.refunds.filter((r) => r.orderId === orderId);
    const invoices = (day.invoicesByOrder.get(orderId) ?? []).filter((invoice) => invoice.status !== 'void');
    const notes = day.creditNotes.filter((note) => note.externalId.startsWith(`${orderId}#`));
    const moves = transactions.filter((t) => t.orderId === orderId);
    const currency = sale?.currency ?? refunds[0]?.currency ?? invoices[0]?.currency ?? notes[0]?.currency ?? moves[0]?.currency ?? 'XXX';
    return {
      orderId,
      currency,
      ours: { sold: sale?.total ?? 0, refunded: sum(refunds.map((r) => r.amount)) },
      billing: { invoiced: sum(invoices.map((i) => i.total)), credited: sum(notes.map((n) => n.amount)) },
      gateway: { captured: sum(moves.filter((t) => t.kind === 'capture').map((t) => t.amount)), refunded: sum(moves.filter((t) => t.kind === 'refund').map((t) => t.amount)) },
    };
  });
}
