import { randomBytes } from 'node:crypto';
import {
  BillingPermanentError,
  BillingTransientError,
  type BillingClient,
  type BillingCreditNote,
  type BillingInvoice,
  type CancelledSubscription,
  type CreditNoteRequest,
  type InvoiceRequest,
} from '../../shared/billing/client.js';

/** The end of every subscription's paid period in the fake billing system. */
export const FAKE_PERIOD_END = '2027-01-01T00:00:00.000Z';

/** What the fake does to the next call: fail before doing anything, or do it and lose the answer. */
export type FakeFault = { kind: 'transient'; retryAfterSeconds?: number } | { kind: 'ack-lost' } | { kind: 'permanent'; status: number };

/**
 * An in-memory billing system behind the {@link BillingClient} port, for unit and integration tests: idempotent by key
 * as the contract requires (a repeated key returns the first record), counting calls, with faults queued per call.
 */
export class FakeBilling implements BillingClient {
  readonly invoices = new Map<string, { request: InvoiceRequest; invoice: BillingInvoice }>();
  readonly creditNotes = new Map<string, { request: CreditNoteRequest; note: BillingCreditNote }>();
  readonly calls: { method: string; idempotencyKey: string }[] = [];
  private readonly faults: FakeFault[] = [];
  private readonly customers = new Map<string, string>();
  private readonly subscriptions = new Map<string, string>();
  private sequence = 0;
  /** References stay unique across fakes, as they are in one billing system: tests share a table. */
  private readonly instance = randomBytes(4).toString('hex');

  /** Queues faults for the next calls, one each, in order. */
  failNext(...faults: FakeFault[]): this {
    this.faults.push(...faults);
    return this;
  }

  private next(prefix: string): string {
    this.sequence += 1;
    return `${prefix}_${this.instance}${String(this.sequence).padStart(4, '0')}`;
  }

  private async run<T>(method: string, idempotencyKey: string, effect: () => T): Promise<T> {
    this.calls.push({ method, idempotencyKey });
    const fault = this.faults.shift();
    if (fault?.kind === 'transient') throw new BillingTransientError(`fake ${method} answered 503`, fault.retryAfterSeconds, 503);
    if (fault?.kind === 'permanent') throw new BillingPermanentError(`fake ${method} answered ${fault.status}`, fault.status);
    const result = effect();
    if (fault?.kind === 'ack-lost') throw new BillingTransientError(`fake ${method}: connection reset after the call took effect`);
    return Promise.resolve(result);
  }

  createCustomer(req: { customerReference: string }, idempotencyKey: string): Promise<{ billingCustomerId: string }> {
    return this.run('createCustomer', idempotencyKey, () => {
      const id = this.customers.get(idempotencyKey) ?? this.next('cus');
      this.customers.set(idempotencyKey, id);
      return { billingCustomerId: id };
    });
  }

  /** Customers anonymised, by billing customer id, with when. */
  readonly anonymised = new Map<string, string>();

  anonymiseCustomer(billingCustomerId: string, idempotencyKey: string): Promise<{ billingCustomerId: string; anonymisedAt: string }> {
    return this.run('anonymiseCustomer', idempotencyKey, () => {
      const anonymisedAt = this.anonymised.get(billingCustomerId) ?? new Date().toISOString();
      this.anonymised.set(billingCustomerId, anonymisedAt);
      return { billingCustomerId, anonymisedAt };
    });
  }

  createSubscription(_req: { billingCustomerId: string; plan: string; subscriptionReference: string }, idempotencyKey: string) {
    return this.run('createSubscription', idempotencyKey, () => {
      const id = this.subscriptions.get(idempotencyKey) ?? this.next('sub');
      this.subscriptions.set(idempotencyKey, id);
      return { billingSubscriptionId: id, status: 'active' as const };
    });
  }

  /** Cancellations asked for, by billing subscription id: at period end or not. */
  readonly cancellations = new Map<string, { atPeriodEnd: boolean }>();

  cancelSubscription(billingSubscriptionId: string, req: { atPeriodEnd: boolean }, idempotencyKey: string): Promise<CancelledSubscription> {
    return this.run('cancelSubscription', idempotencyKey, () => {
      const asked = this.cancellations.get(billingSubscriptionId) ?? req;
      this.cancellations.set(billingSubscriptionId, asked);
      return {
        billingSubscriptionId,
        status: asked.atPeriodEnd ? ('active' as const) : ('cancelled' as const),
        cancelAtPeriodEnd: asked.atPeriodEnd,
        currentPeriodEnd: FAKE_PERIOD_END,
      };
    });
  }

  createInvoice(request: InvoiceRequest, idempotencyKey: string): Promise<BillingInvoice> {
    return this.run('createInvoice', idempotencyKey, () => {
      const existing = this.invoices.get(idempotencyKey);
      if (existing) return existing.invoice;
      const invoice: BillingInvoice = {
        invoiceReference: this.next('inv'),
        externalId: request.orderId,
        status: 'open',
        currency: request.currency,
        total: request.total,
        tax: request.tax,
        createdAt: new Date().toISOString(),
      };
      this.invoices.set(idempotencyKey, { request, invoice });
      return invoice;
    });
  }

  createCreditNote(request: CreditNoteRequest, idempotencyKey: string): Promise<BillingCreditNote> {
    return this.run('createCreditNote', idempotencyKey, () => {
      const existing = this.creditNotes.get(idempotencyKey);
      if (existing) return existing.note;
      const note: BillingCreditNote = {
        creditNoteReference: this.next('cn'),
        invoiceReference: request.invoiceReference,
        externalId: `${request.orderId}#${request.refundRef}`,
        amount: request.amount,
        tax: request.tax,
        currency: request.currency,
        createdAt: new Date().toISOString(),
      };
      this.creditNotes.set(idempotencyKey, { request, note });
      return note;
    });
  }

  exportPage(): Promise<{ items: unknown[]; nextCursor?: string }> {
    return Promise.resolve({ items: [] });
  }

  /** Calls of one method. */
  count(method: keyof BillingClient): number {
    return this.calls.filter((c) => c.method === method).length;
  }
}
