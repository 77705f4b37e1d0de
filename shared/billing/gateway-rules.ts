import type { GatewayTransaction } from '../payments/gateway.js';
import type { BillingCreditNote, BillingInvoice } from './client.js';

/**
 * The third side of the nightly reconciliation: the payment gateway's captures and refunds of the day (Stripe's balance
 * transactions) against our books and billing's exports, as a pure function. `reconciliation-rules.ts` calls it and
 * folds what it finds into the day's report; `reconcile.ts` reads the three sides.
 */

/** The kinds only the gateway's side can find, in the order a report lists them. */
export const GATEWAY_DISCREPANCY_KINDS = ['captured-not-invoiced', 'refunded-not-credited', 'unknown-charge', 'gateway-amount-mismatch'] as const;
export type GatewayDiscrepancyKind = (typeof GATEWAY_DISCREPANCY_KINDS)[number];

/** The gateway's captures and refunds of the day, and which of the orders they name are ours. */
export interface GatewaySide {
  transactions: readonly GatewayTransaction[];
  /**
   * The orders named by the day's transactions that exist in our table: a capture naming any other order (or none) is a
   * charge we do not know.
   */
  knownOrderIds: readonly string[];
}

/** One order's money as one side saw it on the day, in minor units. */
export interface OrderSide {
  sold: number;
  refunded: number;
}

/** What a gateway discrepancy carries besides its kind and ref: the order and the three sides' figures. */
export interface GatewayFinding {
  kind: GatewayDiscrepancyKind;
  ref: string;
  orderId?: string;
  currency: string;
  /** Our figure: the sale's total, or the order's refunds of the day. */
  ours?: number;
  /** Billing's: the live invoices' total, or the credit notes'. */
  theirs?: number;
  /** The gateway's: captured, or refunded. */
  gateway: number;
  /** Only a capture of a sale we hold no invoice mapping for is sent to billing again. */
  resolution: 're-enqueue' | 'adjustment';
  reason: string;
}

/** What the comparison reads from the other two sides, already made unique and grouped. */
export interface GatewayComparisonInput {
  gateway: GatewaySide;
  /** The day's sales by order. */
  sales: ReadonlyMap<string, { currency: string; total: number }>;
  /** The day's refunds, summed by order. */
  refunds: ReadonlyMap<string, { currency: string; amount: number }>;
  /** Orders we hold an invoice mapping for (a re-enqueue would send nothing). */
  mappedOrderIds: ReadonlySet<string>;
  /** Billing's invoices (the day's and the next day's) by order, void ones included. */
  invoicesByOrder: ReadonlyMap<string, readonly BillingInvoice[]>;
  /** Billing's credit notes (the day's and the next day's). */
  creditNotes: readonly BillingCreditNote[];
}

/** Per currency: what the gateway captured and refunded on the day. */
export interface GatewayTotals {
  captured: { count: number; amount: number };
  refunded: { count: number; amount: number };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** The order a credit note credits: its `externalId` is `<orderId>#<refundRef>`. */
function orderOfNote(note: BillingCreditNote): string {
  const at = note.externalId.lastIndexOf('#');
  return at < 0 ? note.externalId : note.externalId.slice(0, at);
}

/** Unique by transaction id: a page read twice must not count a capture twice. */
function uniqueTransactions(transactions: readonly GatewayTransaction[]): GatewayTransaction[] {
  const seen = new Map<string, GatewayTransaction>();
  for (const t of transactions) if (!seen.has(t.transactionId)) seen.set(t.transactionId, t);
  return [...seen.values()];
}

/**
 * Compares the gateway's day with ours and billing's, and lists each finding once:
 * - `unknown-charge`: a charge captured or refunded on the day that names no order of ours (ref: the charge);
 * - `captured-not-invoiced`: an order of ours captured on the day that no live invoice of billing's names (ref: the order);
 *   it says what `missing-invoice` would, with the gateway's figure, so the caller drops that one for the order;
 * - `refunded-not-credited`: an order of ours refunded at the gateway on the day with no credit note at billing (ref: the
 *   order); the caller drops the order's `credit-note-missing`;
 * - `gateway-amount-mismatch`: an order captured on the day whose capture is not the day's sale of it (ref: the order), or
 *   whose refunds at the gateway are not our refunds of it on the day (ref: `<orderId>#refunds`).
 * Captures of ours not sold on the day (a sale booked on another day) are compared with billing only; a sale of the
 * day the gateway has no capture for (a till sale, paid in the shop) is not the gateway's business.
 *
 * The result depends only on the input's content, never on the order of the transactions.
 */
export function compareGateway(input: GatewayComparisonInput): GatewayFinding[] {
  const transactions = uniqueTransactions(input.gateway.transactions);
  const known = new Set(input.gateway.knownOrderIds);
  const ours = (orderId: string | undefined): orderId is string => orderId !== undefined && (known.has(orderId) || input.sales.has(orderId));
  const findings: GatewayFinding[] = [];

  const strangers = new Map<string, GatewayTransaction[]>();
  const byOrder = new Map<string, GatewayTransaction[]>();
  for (const t of transactions) {
    const groups = ours(t.orderId) ? byOrder : strangers;
    const key = ours(t.orderId) ? t.orderId : t.chargeId;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }

  for (const [chargeId, list] of strangers) {
    const captured = sum(list.filter((t) => t.kind === 'capture').map((t) => t.amount));
    const refunded = sum(list.filter((t) => t.kind === 'refund').map((t) => t.amount));
    const orderId = list[0]!.orderId;
    findings.push({
      kind: 'unknown-charge',
      ref: chargeId,
      ...(orderId === undefined ? {} : { orderId }),
      currency: list[0]!.currency,
      gateway: captured > 0 ? captured : refunded,
      resolution: 'adjustment',
      reason: `charge ${chargeId} ${captured > 0 ? `captured ${captured}` : `refunded ${refunded}`} ${list[0]!.currency} on the day and names ${orderId === undefined ? 'no order' : `order ${orderId}, which is not ours`}`,
    });
  }

  for (const [orderId, list] of byOrder) {
    const currency = list[0]!.currency;
    const captures = list.filter((t) => t.kind === 'capture');
    const refunds = list.filter((t) => t.kind === 'refund');
    const sale = input.sales.get(orderId);
    const live = (input.invoicesByOrder.get(orderId) ?? []).filter((invoice) => invoice.status !== 'void');
    const invoiced = sum(live.map((invoice) => invoice.total));
    if (captures.length > 0) {
      const captured = sum(captures.map((t) => t.amount));
      if (live.length === 0) {
        const reEnqueue = sale !== undefined && !input.mappedOrderIds.has(orderId);
        findings.push({
          kind: 'captured-not-invoiced',
          ref: orderId,
          orderId,
          currency,
          ...(sale === undefined ? {} : { ours: sale.total }),
          gateway: captured,
          resolution: reEnqueue ? 're-enqueue' : 'adjustment',
          reason: `the gateway captured ${captured} ${currency} for the order and billing's exports hold no invoice for it${sale === undefined ? '; it is no sale of ours on the day' : ''}`,
        });
      }
      if (sale !== undefined && (sale.total !== captured || sale.currency !== currency)) {
        findings.push({
          kind: 'gateway-amount-mismatch',
          ref: orderId,
          orderId,
          currency,
          ours: sale.total,
          ...(live.length === 0 ? {} : { theirs: invoiced }),
          gateway: captured,
          resolution: 'adjustment',
          reason: `the gateway captured ${captured} ${currency}, the sale is ${sale.total} ${sale.currency}${live.length === 0 ? '' : `, billing invoiced ${invoiced}`}`,
        });
      }
    }
    if (refunds.length > 0) {
      const refunded = sum(refunds.map((t) => t.amount));
      const notes = input.creditNotes.filter((note) => orderOfNote(note) === orderId);
      const credited = sum(notes.map((note) => note.amount));
      const ourRefunds = input.refunds.get(orderId);
      if (notes.length === 0) {
        findings.push({
          kind: 'refunded-not-credited',
          ref: orderId,
          orderId,
          currency,
          ...(ourRefunds === undefined ? {} : { ours: ourRefunds.amount }),
          gateway: refunded,
          resolution: 'adjustment',
          reason: `the gateway refunded ${refunded} ${currency} of the order and billing's exports hold no credit note for it`,
        });
      }
      if ((ourRefunds?.amount ?? 0) !== refunded) {
        findings.push({
          kind: 'gateway-amount-mismatch',
          ref: `${orderId}#refunds`,
          orderId,
          currency,
          ours: ourRefunds?.amount ?? 0,
          ...(notes.length === 0 ? {} : { theirs: credited }),
          gateway: refunded,
          resolution: 'adjustment',
          reason: `the gateway refunded ${refunded} ${currency} of the order on the day, our books ${ourRefunds?.amount ?? 0}${notes.length === 0 ? '' : `, billing credited ${credited}`}`,
        });
      }
    }
  }
  return findings;
}

/** The gateway's captures and refunds of the day, per currency. */
export function gatewayTotals(transactions: readonly GatewayTransaction[]): Map<string, GatewayTotals> {
  const totals = new Map<string, GatewayTotals>();
  for (const t of uniqueTransactions(transactions)) {
    const entry = totals.get(t.currency) ?? { captured: { count: 0, amount: 0 }, refunded: { count: 0, amount: 0 } };
    const side = t.kind === 'capture' ? entry.captured : entry.refunded;
    side.count += 1;
    side.amount += t.amount;
    totals.set(t.currency, entry);
  }
  return totals;
}
