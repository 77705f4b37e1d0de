import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { config } from '../config/config.js';
import { storedSecretReader } from '../config/stored-secret.js';
import { AppError } from '../errors.js';
import { businessMetrics } from '../observability/business-metrics.js';
import { logger } from '../observability/logger.js';
import { redactPans, redactPansInJson } from '../privacy/pan.js';
import { CourierWebhookEvent, TRACKING_UPDATED } from './model.js';
import { COURIER_SIGNATURE_HEADER, COURIER_SIGNATURE_TOLERANCE_SECONDS, verifyCourierSignature, type Instant } from './signing.js';

/**
 * The way in of the courier's webhooks, `POST /webhooks/orders`: the signature checked over the raw body with every
 * key we hold, the event read, and its body handed to the `courier-webhooks` queue (card-like values redacted) so the
 * courier gets its 2xx without waiting on the table. `shared/orders/courier-tracking.ts` applies it behind the queue.
 */

/** No `Courier-Signature`, or none of its signatures made with a key we hold: 401. */
export class CourierWebhookSignatureError extends AppError {
  override readonly name = 'CourierWebhookSignatureError';
  constructor() {
    super('unauthenticated', 'bad-webhook-signature', `The ${COURIER_SIGNATURE_HEADER} header is missing or does not match the body with any current signing key.`);
  }
}

/** A genuine signature over a timestamp too far from our clock, either way: a replay or a badly skewed clock, 400. */
export class StaleCourierWebhookError extends AppError {
  override readonly name = 'StaleCourierWebhookError';
  constructor() {
    super('invalid', 'stale-webhook', `The ${COURIER_SIGNATURE_HEADER} timestamp is more than ${COURIER_SIGNATURE_TOLERANCE_SECONDS} s from our clock.`);
  }
}

/** A signed body that is not a courier event, or a `tracking.updated` outside the contract: the courier's bug, 400. */
export class MalformedCourierWebhookError extends AppError {
  override readonly name = 'MalformedCourierWebhookError';
  constructor(detail: string) {
    super('invalid', 'malformed-webhook', `The webhook body is not a courier event as integration-files/couriers/openapi.json describes it: ${detail}.`);
  }
}

/** Any courier event: `tracking.updated` is the only type we act on; another is accepted and left alone. */
const Envelope = z.object({ id: z.string().min(1).max(255), type: z.string().min(1).max(100), created: z.number().int().nonnegative(), data: z.object({ object: z.record(z.string(), z.unknown()) }) });

/** What a verified webhook is: a tracking event to queue, or a type we do not act on (answered 2xx, so it is not resent). */
export type VerifiedCourierWebhook = { kind: 'tracking'; event: CourierWebhookEvent } | { kind: 'ignored'; id: string; type: string };

/**
 * Verifies a courier webhook over its raw body with every key held (two during a rotation), then reads it. The
 * signature is checked before the timestamp, so a forged request is a 401 whatever its age and only a genuine one
 * dated too far away is a 400.
 * @param now the receiving time, for tests
 * @throws CourierWebhookSignatureError (401), StaleCourierWebhookError (400), MalformedCourierWebhookError (400)
 */
export function verifyCourierWebhook(rawBody: string, header: string | undefined, secrets: readonly string[], now: Instant = Date.now()): VerifiedCourierWebhook {
  const verdict = verifyCourierSignature(rawBody, header, secrets, now);
  if (verdict === 'bad-signature') throw new CourierWebhookSignatureError();
  if (verdict === 'stale') throw new StaleCourierWebhookError();
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new MalformedCourierWebhookError('not JSON');
  }
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) throw new MalformedCourierWebhookError('{ id, type, created, data: { object } } expected');
  if (envelope.data.type !== TRACKING_UPDATED) return { kind: 'ignored', id: envelope.data.id, type: envelope.data.type };
  const event = CourierWebhookEvent.safeParse(body);
  if (!event.success) {
    const issue = event.error.issues[0]!;
    throw new MalformedCourierWebhookError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  if (event.data.id !== event.data.data.object.eventId) throw new MalformedCourierWebhookError('id and data.object.eventId differ');
  return { kind: 'tracking', event: event.data };
}

/** The secret's JSON value on AWS: the current signing key and, during a rotation, the one before it. */
const StoredSecrets = z.strictObject({ current: z.string().min(1), previous: z.string().min(1).optional() });
const readStoredSecrets = storedSecretReader(StoredSecrets);

/**
 * The courier's webhook signing keys to try, current first: the environment (`COURIER_WEBHOOK_SECRET`,
 * `COURIER_WEBHOOK_SECRET_PREVIOUS`) locally, the `courier-webhooks` secret on AWS (kept a few minutes, so a rotation
 * reaches warm functions without a deployment).
 */
export async function courierWebhookSecrets(source = config.courierWebhookSecrets, now = Date.now()): Promise<string[]> {
  const held = 'current' in source ? source : await readStoredSecrets(source.secretArn, now);
  return held.previous ? [held.current, held.previous] : [held.current];
}

/**
 * The event's body without the name of whoever signed for the parcels (`proofOfDelivery.recipientName`): personal
 * data we gave the courier for the delivery and do not read back, so it stays out of the queue and its DLQ.
 */
function withoutRecipientName(text: string): string {
  const body = JSON.parse(text) as { data?: { object?: { proofOfDelivery?: Record<string, unknown> } } };
  const proof = body.data?.object?.proofOfDelivery;
  if (proof === undefined || !('recipientName' in proof)) return text;
  delete proof.recipientName;
  return JSON.stringify(body);
}

/**
 * Hands a verified tracking event's raw body to `courier-webhooks`. Anything in it that reads as a card number is
 * redacted first (`redactPansInJson`), so the queue, its DLQ, the shipment, events and logs never hold one: redacted,
 * not refused, since the courier signed it and would retry a refusal, while a number that merely looks like a card in
 * a field we do not read (a recipient's note) changes nothing. The recipient's name on a proof of delivery is dropped
 * too. The event id travels as an attribute, for the DLQ's reader. The lag from the courier's event time to its receipt
 * (`now`, the clock by default) goes to the `CourierWebhookLagSeconds` business metric.
 */
export async function enqueueCourierWebhook(
  rawBody: string,
  event: CourierWebhookEvent,
  deps: { sqs: SQSClient; queueUrl: string; now?: () => Date },
): Promise<void> {
  const receivedAt = (deps.now ?? (() => new Date()))();
  const { text, paths } = redactPansInJson(rawBody);
  const id = redactPans(event.id);
  if (paths.length > 0) logger.warn('card-like values redacted from a courier event before queueing it', { courierEventId: id, paths });
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.queueUrl,
      MessageBody: withoutRecipientName(text),
      MessageAttributes: {
        courierEventId: { DataType: 'String', StringValue: id },
        courierStatus: { DataType: 'String', StringValue: event.data.object.status },
      },
    }),
  );
  // Measured once queued: a delivery we fail, which the courier sends again, is measured when it finally lands.
  businessMetrics.courierEventReceived(event.data.object.occurredAt, receivedAt);
}
