import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { billingPaymentFailedV1 } from '../../events/billing/payment-failed.v1.js';
import { config } from '../config/config.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { AppError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { logger } from '../observability/logger.js';
import { redactPans, redactPansInJson } from '../privacy/pan.js';
import { storedSecretReader } from '../config/stored-secret.js';
import { SIGNATURE_TOLERANCE_SECONDS, verifyWebhook, type Instant } from './signing.js';
import { getSubscription, subscriptionStatusUpdate, type SubscriptionStatus } from './subscriptions.js';
import { processedMarkItem } from '../events/processed.js';

/** The consumer name in `keys.processedEvent`: one mark per applied billing event id. */
export const BILLING_WEBHOOK_CONSUMER = 'billing-webhooks';

/** No `Billing-Signature`, or none of its signatures was made with a key we hold: 401. */
export class BillingWebhookSignatureError extends AppError {
  override readonly name = 'BillingWebhookSignatureError';
  constructor() {
    super('unauthenticated', 'bad-webhook-signature', 'The Billing-Signature header is missing or does not match the body with any current signing key.');
  }
}

/** A genuine signature over a timestamp older than the tolerance: a replay or a badly skewed clock, 400. */
export class StaleBillingWebhookError extends AppError {
  override readonly name = 'StaleBillingWebhookError';
  constructor() {
    super('invalid', 'stale-webhook', `The Billing-Signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s old.`);
  }
}

/** A billing event as `POST /webhooks/billing` queues it, already verified there; the object is read per type. */
export const BillingWebhookMessage = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(100),
  /** Seconds since the epoch. */
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type BillingWebhookMessage = z.infer<typeof BillingWebhookMessage>;

/** A signed body that is not a billing event at all: billing's bug, refused so it shows on their side. */
export class MalformedBillingWebhookError extends AppError {
  override readonly name = 'MalformedBillingWebhookError';
  constructor() {
    super('invalid', 'malformed-webhook', 'The webhook body is not a billing event: { id, type, created, data: { object } }.');
  }
}

/** The secret's JSON value on AWS: the current signing key and, during a rotation, the one before it. */
const StoredSecrets = z.strictObject({ current: z.string().min(1), previous: z.string().min(1).optional() });
const readStoredSecrets = storedSecretReader(StoredSecrets);

/**
 * The billing webhook signing keys to try, current first. Locally they are in the environment
 * (`BILLING_WEBHOOK_SECRET`, `BILLING_WEBHOOK_SECRET_PREVIOUS`); on AWS they are read from the `billing-webhooks`
 * secret and kept for a few minutes, so a rotation reaches warm functions without a deployment.
 */
export function billingWebhookSecrets(source = config.billingWebhookSecrets, now = Date.now()): Promise<string[]> {
  const list = (s: { current: string; previous?: string | undefined }) => (s.previous ? [s.current, s.previous] : [s.current]);
  if ('current' in source) return Promise.resolve(list(source));
  return readStoredSecrets(source.secretArn, now).then(list);
}

/**
 * Verifies a billing webhook over its raw body with every key held (two during a rotation). The signature is checked
 * before the timestamp, so a forged request is a 401 whatever its age and only a genuine old one is a 400.
 * @param now the receiving time, for tests
 * @returns the verified event
 * @throws BillingWebhookSignatureError (401), StaleBillingWebhookError (400), MalformedBillingWebhookError (400)
 */
export function verifyBillingWebhook(rawBody: string, header: string | undefined, secrets: readonly string[], now: Instant = Date.now()): BillingWebhookMessage {
  const verdict = verifyWebhook(rawBody, header, secrets, now);
  if (verdict === 'bad-signature') throw new BillingWebhookSignatureError();
  if (verdict === 'stale') throw new StaleBillingWebhookError();
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new MalformedBillingWebhookError();
  }
  const parsed = BillingWebhookMessage.safeParse(body);
  if (!parsed.success) throw new MalformedBillingWebhookError();
  return parsed.data;
}

/**
 * Hands a verified event's raw body to `billing-webhooks`, where `billing-process-webhook` applies it, so billing
 * gets its 2xx without waiting on the table.
 *
 * Anything in it that reads as a card number is redacted first (`redactPansInJson`), so the queue, its DLQ, the
 * invoice and subscription records, events and logs never hold one. Redacted, not refused, as for Stripe's events: the
 * billing system signed it and would retry a refusal for days, while a number that merely looks like a card in a field
 * we do not read changes nothing. One in a field we do read (a reference) no longer matches its record, so that event
 * fails like any unknown one and ends in the DLQ, redacted, for a person to look at.
 */
export async function enqueueBillingWebhook(rawBody: string, event: BillingWebhookMessage, deps: { sqs: SQSClient; queueUrl: string }): Promise<void> {
  const { text, paths } = redactPansInJson(rawBody);
  const id = redactPans(event.id);
  const type = redactPans(event.type);
  if (paths.length > 0) logger.warn('card-like values redacted from a billing event before queueing it', { billingEventId: id, type, paths });
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.queueUrl,
      MessageBody: text,
      MessageAttributes: { billingEventId: { DataType: 'String', StringValue: id }, billingEventType: { DataType: 'String', StringValue: type } },
    }),
  );
}

/** An order invoice's billing status; a webhook moves it only to a higher rank (a late failure cannot undo a payment). */
export const INVOICE_STATUS_RANK = { sent: 0, 'payment-failed': 1, paid: 2 } as const;
export type InvoiceStatus = keyof typeof INVOICE_STATUS_RANK;

/** The statuses an invoice may be in for a webhook to move it to `status`. */
export function invoiceStatusesBelow(status: InvoiceStatus): InvoiceStatus[] {
  return (Object.keys(INVOICE_STATUS_RANK) as InvoiceStatus[]).filter((s) => INVOICE_STATUS_RANK[s] < INVOICE_STATUS_RANK[status]);
}

const InvoiceObject = z.object({
  invoiceReference: z.string().min(1),
  externalId: z.string().min(1),
  currency: z.string().length(3),
  total: z.number().int().nonnegative(),
  /** Set on a delivery pass's invoice: our subscription id. */
  subscriptionReference: z.string().min(1).optional(),
});

const CreditNoteObject = z.object({
  creditNoteReference: z.string().min(1),
  invoiceReference: z.string().min(1),
  /** `<orderId>#<refundRef>`. */
  externalId: z.string().regex(/^[^#]+#.+$/),
  amount: z.number().int().nonnegative(),
  currency: z.string().length(3),
});

const SubscriptionObject = z.object({
  billingSubscriptionId: z.string().min(1),
  subscriptionReference: z.string().min(1),
  status: z.enum(['active', 'past_due', 'cancelled', 'incomplete']),
});

/** What one billing event does to our records: pure, so the mapping is tested without a table. */
export type BillingEffect =
  | { kind: 'invoice'; orderId: string; invoiceReference: string; status: 'paid' | 'payment-failed'; total: number; currency: string; at: string }
  | { kind: 'subscription'; subscriptionId: string; status: SubscriptionStatus; at: string; failedInvoice?: string }
  | { kind: 'credit-note'; orderId: string; refundRef: string; creditNoteReference: string; amount: number; currency: string; at: string }
  | { kind: 'ignored' };

/**
 * Maps a billing event to its effect: an invoice paid or failed moves the order's invoice, or for a delivery pass's
 * invoice the subscription (paid → active, failed → past_due); a credit note confirms the refund's; a subscription
 * update sets the subscription's status. Other types are ignored. `at` is the event's creation time, which orders a
 * subscription's moves within a rank.
 * @throws ZodError when a known type's object is malformed (the message fails and ends in the DLQ)
 */
export function billingEffect(event: BillingWebhookMessage): BillingEffect {
  const at = new Date(event.created * 1000).toISOString();
  switch (event.type) {
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = InvoiceObject.parse(event.data.object);
      const paid = event.type === 'invoice.paid';
      if (invoice.subscriptionReference) {
        return {
          kind: 'subscription',
          subscriptionId: invoice.subscriptionReference,
          status: paid ? 'active' : 'past_due',
          at,
          ...(paid ? {} : { failedInvoice: invoice.invoiceReference }),
        };
      }
      return {
        kind: 'invoice',
        orderId: invoice.externalId,
        invoiceReference: invoice.invoiceReference,
        status: paid ? 'paid' : 'payment-failed',
        total: invoice.total,
        currency: invoice.currency.toUpperCase(),
        at,
      };
    }
    case 'credit_note.created': {
      const note = CreditNoteObject.parse(event.data.object);
      const split = note.externalId.indexOf('#');
      return {
        kind: 'credit-note',
        orderId: note.externalId.slice(0, split),
        refundRef: note.externalId.slice(split + 1),
        creditNoteReference: note.creditNoteReference,
        amount: note.amount,
        currency: note.currency.toUpperCase(),
        at,
      };
    }
    case 'subscription.updated': {
      const subscription = SubscriptionObject.parse(event.data.object);
      return { kind: 'subscription', subscriptionId: subscription.subscriptionReference, status: subscription.status, at };
    }
    default:
      return { kind: 'ignored' };
  }
}

/**
 * An event for a record we do not hold yet (an invoice paid before the worker stored its mapping, a credit note or
 * subscription not yet stored): failing makes SQS deliver it again later, up to the queue's `maxReceiveCount`.
 */
export class BillingRecordNotYetKnownError extends Error {
  override readonly name = 'BillingRecordNotYetKnownError';
}

export type BillingWebhookOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

function processedMark(deps: TableDeps, event: BillingWebhookMessage): TransactItem {
  return processedMarkItem(deps.tableName, BILLING_WEBHOOK_CONSUMER, event.id, deps.now().toISOString(), { eventType: event.type });
}

/** Runs a transaction whose item 0 is the processed mark and item 1 the record's change. */
async function attempt(deps: TableDeps, items: TransactItem[]): Promise<'applied' | 'duplicate' | 'record-condition'> {
  try {
    await transactWrite(deps, items);
    return 'applied';
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions();
    if (failed.includes(0)) return 'duplicate';
    if (failed.includes(1)) return 'record-condition';
    throw error;
  }
}

async function exists(deps: TableDeps, key: { pk: string; sk: string }): Promise<boolean> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true, ProjectionExpression: 'pk' }));
  return Item !== undefined;
}

/**
 * Applies one verified billing event, in one transaction with its processed mark (so a duplicate changes nothing)
 * and, for a payment failure that moved a record, a `billing.payment-failed` event. A status only moves forward, so an
 * event overtaken by a later one is `stale`.
 * @throws BillingRecordNotYetKnownError when the record it concerns does not exist yet
 */
export async function applyBillingEvent(event: BillingWebhookMessage, deps: TableDeps = tableDeps()): Promise<BillingWebhookOutcome> {
  const effect = billingEffect(event);
  switch (effect.kind) {
    case 'ignored':
      return 'ignored';
    case 'invoice':
      return applyInvoice(event, effect, deps);
    case 'subscription':
      return applySubscription(event, effect, deps);
    case 'credit-note':
      return applyCreditNote(event, effect, deps);
  }
}

async function applyInvoice(event: BillingWebhookMessage, effect: Extract<BillingEffect, { kind: 'invoice' }>, deps: TableDeps): Promise<BillingWebhookOutcome> {
  const below = invoiceStatusesBelow(effect.status);
  const failed = effect.status === 'payment-failed';
  const outcome = await attempt(deps, [
    processedMark(deps, event),
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.invoiceByOrder(effect.orderId),
        UpdateExpression: `SET #status = :status, statusEventAt = :at, updatedAt = :now, ${failed ? 'failedAt' : 'paidAt'} = :at`,
        ConditionExpression: `attribute_exists(pk) AND invoiceReference = :ref AND #status IN (${below.map((_, i) => `:below${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': effect.status,
          ':at': effect.at,
          ':now': deps.now().toISOString(),
          ':ref': effect.invoiceReference,
          ...Object.fromEntries(below.map((s, i) => [`:below${i}`, s])),
        },
      },
    },
    ...(failed
      ? [
          outboxEvent(
            deps.tableName,
            billingPaymentFailedV1,
            {
              kind: 'invoice',
              orderId: effect.orderId,
              invoiceReference: effect.invoiceReference,
              total: effect.total,
              currency: effect.currency,
              billingEventId: event.id,
              failedAt: effect.at,
            },
            { id: `billing-payment-failed-${event.id}`, now: deps.now() },
          ).item,
        ]
      : []),
  ]);
  if (outcome !== 'record-condition') return outcome;
  if (!(await exists(deps, keys.invoiceByOrder(effect.orderId)))) {
    throw new BillingRecordNotYetKnownError(`${event.type} ${event.id} is for order ${effect.orderId}, whose invoice is not stored yet`);
  }
  return 'stale';
}

async function applySubscription(
  event: BillingWebhookMessage,
  effect: Extract<BillingEffect, { kind: 'subscription' }>,
  deps: TableDeps,
): Promise<BillingWebhookOutcome> {
  const subscription = await getSubscription(effect.subscriptionId, deps);
  if (!subscription) throw new BillingRecordNotYetKnownError(`${event.type} ${event.id} is for subscription ${effect.subscriptionId}, which is not stored`);
  const update = subscriptionStatusUpdate({ status: effect.status, statusEventAt: effect.at });
  const outcome = await attempt(deps, [
    processedMark(deps, event),
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.subscription(effect.subscriptionId),
        UpdateExpression: `SET ${update.set}, updatedAt = :now`,
        ConditionExpression: update.condition,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: { ...update.values, ':now': deps.now().toISOString() },
      },
    },
    ...(effect.failedInvoice
      ? [
          outboxEvent(
            deps.tableName,
            billingPaymentFailedV1,
            {
              kind: 'subscription',
              subscriptionId: subscription.id,
              shopperId: subscription.shopperId,
              plan: subscription.plan,
              invoiceReference: effect.failedInvoice,
              billingEventId: event.id,
              failedAt: effect.at,
            },
            { id: `billing-payment-failed-${event.id}`, now: deps.now() },
          ).item,
        ]
      : []),
  ]);
  return outcome === 'record-condition' ? 'stale' : outcome;
}

async function applyCreditNote(event: BillingWebhookMessage, effect: Extract<BillingEffect, { kind: 'credit-note' }>, deps: TableDeps): Promise<BillingWebhookOutcome> {
  const key = keys.creditNoteByRefund(effect.orderId, effect.refundRef);
  const outcome = await attempt(deps, [
    processedMark(deps, event),
    {
      Update: {
        TableName: deps.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :confirmed, confirmedAt = :at, updatedAt = :now, creditNoteReference = if_not_exists(creditNoteReference, :ref)',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#status) OR #status <> :confirmed)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':confirmed': 'confirmed', ':at': effect.at, ':now': deps.now().toISOString(), ':ref': effect.creditNoteReference },
      },
    },
  ]);
  if (outcome !== 'record-condition') return outcome;
  if (!(await exists(deps, key))) {
    throw new BillingRecordNotYetKnownError(`credit_note.created ${event.id} is for refund ${effect.orderId}#${effect.refundRef}, whose credit note is not stored yet`);
  }
  return 'stale';
}
