import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { orderCompletedV1 } from '../../events/orders/order-completed.v1.js';
import { orderStatusChangedV1 } from '../../events/orders/order-status-changed.v1.js';
import type { EventContract } from '../../events/contract.js';

/**
 * What arrives on the `billing-sync` queue: events an EventBridge rule routes there (`order.completed` for invoices,
 * `order.status-changed` for refunds), and direct messages that other parts of SmartShelf send to have one thing
 * (re)synchronised: the reconciliation re-enqueues a missing invoice, subscriptions are created through the queue.
 */

/** `{ kind: 'invoice', orderId }`: invoice this completed order unless it already is. */
export const InvoiceSyncMessage = z.strictObject({ kind: z.literal('invoice'), orderId: z.string().min(1).max(64) });
/** `{ kind: 'subscription', subscriptionId }`: create this subscription's billing customer and subscription. */
export const SubscriptionSyncMessage = z.strictObject({ kind: z.literal('subscription'), subscriptionId: z.string().min(1).max(64) });

/** A direct message on `billing-sync`; send it with {@link enqueueBillingSync}. */
export const BillingSyncDirectMessage = z.discriminatedUnion('kind', [InvoiceSyncMessage, SubscriptionSyncMessage]);
export type BillingSyncDirectMessage = z.infer<typeof BillingSyncDirectMessage>;

/** EventBridge's envelope around one of our events, as a rule delivers it to a queue. */
function delivered<S extends z.ZodType>(contract: EventContract<S>) {
  return z.object({
    'detail-type': z.literal(contract.detailType),
    source: z.literal(contract.source),
    detail: z.object({ id: z.string(), version: z.literal(contract.version), data: contract.schema }),
  });
}

export const DeliveredOrderCompleted = delivered(orderCompletedV1);
export const DeliveredOrderStatusChanged = delivered(orderStatusChangedV1);

/** Any body the `billing-sync` consumer accepts; anything else is a poison message and ends in the DLQ. */
export const BillingSyncMessage = z.union([BillingSyncDirectMessage, DeliveredOrderCompleted, DeliveredOrderStatusChanged]);
export type BillingSyncMessage = z.infer<typeof BillingSyncMessage>;

/**
 * Puts a direct message on `billing-sync`, validated first so that a malformed one fails its sender rather than the
 * queue's consumer. The caller needs `sendTo: ['billing-sync']` and passes `config.queueUrl('billing-sync')`.
 */
export async function enqueueBillingSync(message: BillingSyncDirectMessage, deps: { sqs: SQSClient; queueUrl: string }): Promise<void> {
  const body = BillingSyncDirectMessage.parse(message);
  await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify(body) }));
}
