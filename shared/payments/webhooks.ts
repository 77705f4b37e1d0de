import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import { AppError } from '../errors.js';
import { logger } from '../observability/logger.js';
import { redactPans, redactPansInJson } from '../privacy/pan.js';

/** Stripe's own default: a signed event older than this is refused, so a captured request cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** No `Stripe-Signature`, or none of its signatures was made with a secret we hold: 401. */
export class WebhookSignatureError extends AppError {
  override readonly name = 'WebhookSignatureError';
  constructor() {
    super('unauthenticated', 'bad-webhook-signature', 'The Stripe-Signature header is missing or does not match the body with any current signing secret.');
  }
}

/** A genuine signature over a timestamp older than the tolerance: a replay or a badly skewed clock, 400. */
export class StaleWebhookError extends AppError {
  override readonly name = 'StaleWebhookError';
  constructor() {
    super('invalid', 'stale-webhook', `The Stripe-Signature timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} s old.`);
  }
}

/**
 * Verifies a Stripe webhook over its raw body with stripe-node, trying each secret in turn (two
 * during a rotation). The signature is checked before the timestamp, so a forged request is a 401
 * whatever its age and only a genuine old one is a 400.
 * @param nowSeconds the receiving time, for tests
 * @returns the verified event
 */
export function verifyWebhook(rawBody: string, signature: string | undefined, secrets: readonly string[], nowSeconds?: number): Stripe.Event {
  if (!signature) throw new WebhookSignatureError();
  for (const secret of secrets) {
    try {
      // Tolerance 0 checks the signature alone.
      Stripe.webhooks.constructEvent(rawBody, signature, secret, 0);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) continue;
      throw error;
    }
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS, undefined, nowSeconds === undefined ? undefined : nowSeconds * 1000);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new StaleWebhookError();
      throw error;
    }
  }
  throw new WebhookSignatureError();
}

/**
 * Hands a verified event's raw body to the payments queue, where `payments-process-webhook` applies it,
 * so Stripe gets its 2xx without waiting on the table.
 *
 * Anything in it that reads as a card number is redacted first (`redactPansInJson`), so neither the
 * queue, its DLQ, the payment records, events nor logs downstream can hold one. Redacted, not
 * refused: Stripe signed the event, never sends a full card number, and would retry a refusal for
 * days, so a number that merely looks like one (in metadata, a description) must not stop it; the
 * fields the processor reads (ids, amounts, status) are never card-shaped.
 */
export async function enqueueWebhook(rawBody: string, event: Stripe.Event, deps: { sqs: SQSClient; queueUrl: string }): Promise<void> {
  const { text, paths } = redactPansInJson(rawBody);
  const id = redactPans(event.id);
  const type = redactPans(event.type);
  if (paths.length > 0) logger.warn('card-like values redacted from a Stripe event before queueing it', { stripeEventId: id, type, paths });
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.queueUrl,
      MessageBody: text,
      MessageAttributes: { stripeEventId: { DataType: 'String', StringValue: id }, stripeEventType: { DataType: 'String', StringValue: type } },
    }),
  );
}
