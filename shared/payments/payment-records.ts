import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { paymentCreatedV1 } from '../../events/payments/payment-created.v1.js';
import { paymentSucceededV1 } from '../../events/payments/payment-succeeded.v1.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { outboxEvent } from '../events/outbox.js';
import { processedMarkItem } from '../events/processed.js';

/** The consumer name in `keys.processedEvent`: one mark per applied Stripe event id. */
export const WEBHOOK_CONSUMER = 'payments-webhooks';

/**
 * How far along a PaymentIntent is. A webhook may only move the record to a higher rank, so
 * Stripe's unordered, repeated deliveries cannot take it back; succeeded and canceled are both final.
 */
export const PAYMENT_STATUS_RANK = { created: 0, requires_action: 1, requires_capture: 2, succeeded: 3, canceled: 3 } as const;
export type PaymentStatus = keyof typeof PAYMENT_STATUS_RANK;

const STATUS_OF_EVENT: Readonly<Record<string, PaymentStatus>> = {
  'payment_intent.created': 'created',
  'payment_intent.requires_action': 'requires_action',
  'payment_intent.amount_capturable_updated': 'requires_capture',
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.canceled': 'canceled',
};

/** A Stripe event as queued by `POST /webhooks/payments`, already verified there. */
export const StripeWebhookMessage = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  /** Seconds since the epoch. */
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeWebhookMessage = z.infer<typeof StripeWebhookMessage>;

const IntentObject = z.object({
  id: z.string().startsWith('pi_'),
  amount: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative(),
  currency: z.string().length(3),
  metadata: z.record(z.string(), z.string()).default({}),
});

const RefundedCharge = z.object({
  payment_intent: z.string().startsWith('pi_'),
  amount_refunded: z.number().int().nonnegative(),
});

/** The stored record of one PaymentIntent (`keys.payment`). */
export interface PaymentRecord {
  intentId: string;
  orderId?: string;
  status: PaymentStatus;
  rank: number;
  amount: number;
  amountReceived: number;
  amountRefunded: number;
  currency: string;
  /** When Stripe created the event that set `status` (ISO). */
  statusEventAt: string;
  updatedAt: string;
}

/** A refund for an intent none of whose events has arrived yet: failing makes SQS deliver it again, after them. */
export class PaymentNotYetKnownError extends Error {
  override readonly name = 'PaymentNotYetKnownError';
}

export type WebhookOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

/**
 * Applies one Stripe event to its PaymentIntent's record, in one transaction with the event's
 * processed mark and any `payment.created` / `payment.succeeded` it causes: a duplicate finds the
 * mark, a stale event fails the rank (or refund) condition, and neither changes anything.
 */
export async function applyWebhookEvent(event: StripeWebhookMessage, deps: TableDeps = tableDeps()): Promise<WebhookOutcome> {
  const status = STATUS_OF_EVENT[event.type];
  if (status) return applyStatus(event, status, deps);
  if (event.type === 'charge.refunded') return applyRefund(event, deps);
  return 'ignored';
}

function processedMark(deps: TableDeps, event: StripeWebhookMessage): TransactItem {
  return processedMarkItem(deps.tableName, WEBHOOK_CONSUMER, event.id, deps.now().toISOString(), { eventType: event.type });
}

/** The outcome of a transaction whose item 0 is the processed mark and item 1 the record, or undefined when it committed. */
async function attempt(deps: TableDeps, items: TransactItem[]): Promise<'duplicate' | 'record-condition' | undefined> {
  try {
    await transactWrite(deps, items);
    return undefined;
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    const failed = error.failedConditions();
    if (failed.includes(0)) return 'duplicate';
    if (failed.includes(1)) return 'record-condition';
    throw error;
  }
}

async function applyStatus(event: StripeWebhookMessage, status: PaymentStatus, deps: TableDeps): Promise<WebhookOutcome> {
  const intent = IntentObject.parse(event.data.object);
  const orderId = intent.metadata.orderId;
  const currency = intent.currency.toUpperCase();
  const rank = PAYMENT_STATUS_RANK[status];
  const now = deps.now().toISOString();
  const statusEventAt = new Date(event.created * 1000).toISOString();
  const succeeded =
    status === 'succeeded'
      ? [outboxEvent(deps.tableName, paymentSucceededV1, { intentId: intent.id, orderId, amountReceived: intent.amount_received, currency }, { id: `payment-succeeded-${intent.id}` }).item]
      : [];

  const record: PaymentRecord = {
    intentId: intent.id,
    ...(orderId ? { orderId } : {}),
    status,
    rank,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    amountRefunded: 0,
    currency,
    statusEventAt,
    updatedAt: now,
  };
  const first = await attempt(deps, [
    processedMark(deps, event),
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.payment(intent.id), ...(orderId ? keys.paymentsByOrder(orderId, intent.id) : {}), entityType: 'Payment', schemaVersion: 1, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    outboxEvent(deps.tableName, paymentCreatedV1, { intentId: intent.id, orderId, amount: intent.amount, currency, status }, { id: `payment-created-${intent.id}` }).item,
    ...succeeded,
  ]);
  if (first === undefined) return 'applied';
  if (first === 'duplicate') return 'duplicate';

  const advanced = await attempt(deps, [
    processedMark(deps, event),
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.payment(intent.id),
        UpdateExpression: 'SET #status = :status, #rank = :rank, amount = :amount, amountReceived = :received, statusEventAt = :at, updatedAt = :now',
        ConditionExpression: '#rank < :rank',
        ExpressionAttributeNames: { '#status': 'status', '#rank': 'rank' },
        ExpressionAttributeValues: { ':status': status, ':rank': rank, ':amount': intent.amount, ':received': intent.amount_received, ':at': statusEventAt, ':now': now },
      },
    },
    ...succeeded,
  ]);
  if (advanced === undefined) return 'applied';
  return advanced === 'duplicate' ? 'duplicate' : 'stale';
}

async function applyRefund(event: StripeWebhookMessage, deps: TableDeps): Promise<WebhookOutcome> {
  const charge = RefundedCharge.parse(event.data.object);
  const outcome = await attempt(deps, [
    processedMark(deps, event),
    {
      // charge.refunded carries the charge's running total, so the largest seen is the truth whatever the order.
      Update: {
        TableName: deps.tableName,
        Key: keys.payment(charge.payment_intent),
        UpdateExpression: 'SET amountRefunded = :refunded, updatedAt = :now',
        ConditionExpression: 'amountRefunded < :refunded',
        ExpressionAttributeValues: { ':refunded': charge.amount_refunded, ':now': deps.now().toISOString() },
      },
    },
  ]);
  if (outcome === undefined) return 'applied';
  if (outcome === 'duplicate') return 'duplicate';
  if (!(await getPayment(charge.payment_intent, deps))) {
    throw new PaymentNotYetKnownError(`charge.refunded ${event.id} is for ${charge.payment_intent}, which no event has introduced yet`);
  }
  return 'stale';
}

/** A PaymentIntent's record, as the webhooks have left it. */
export async function getPayment(intentId: string, deps: TableDeps = tableDeps()): Promise<PaymentRecord | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.payment(intentId), ConsistentRead: true }));
  if (!Item) return undefined;
  const { intentId: id, orderId, status, rank, amount, amountReceived, amountRefunded, currency, statusEventAt, updatedAt } = Item as PaymentRecord;
  return { intentId: id, ...(orderId ? { orderId } : {}), status, rank, amount, amountReceived, amountRefunded, currency, statusEventAt, updatedAt };
}
