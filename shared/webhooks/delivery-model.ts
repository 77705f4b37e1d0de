import { z } from 'zod';

/**
 * Webhook deliveries and their attempts (the delivery log), as docs/webhooks.md describes them. W1's management routes
 * read these shapes (the delivery list, one delivery with its attempts) and replay through `enqueueDelivery`.
 *
 * For W1: `payload` is stored as the exact JSON text that is signed and sent (a DynamoDB map would not keep its key
 * order, and a replay must send the same bytes); `roundStart` is how many attempts came before the current round of
 * retries (0, or the attempts made before the last replay), so a replayed delivery gets the whole schedule again.
 */

/** `pending` while attempts go on; `endpoint-disabled` when its endpoint was found disabled (kept for a replay). */
export const DeliveryStatus = z.enum(['pending', 'succeeded', 'failed', 'endpoint-disabled']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** What started an attempt: the event's fan-out, a scheduled retry, or an admin's replay. */
export const AttemptTrigger = z.enum(['event', 'retry', 'replay']);
export type AttemptTrigger = z.infer<typeof AttemptTrigger>;

/** Why an attempt got no HTTP status at all. */
export const AttemptError = z.enum(['timeout', 'connection-refused', 'connection-reset', 'dns', 'refused-address', 'tls', 'network']);
export type AttemptError = z.infer<typeof AttemptError>;

/** The response body kept with an attempt: its first 1,024 bytes, read as UTF-8. */
export const RESPONSE_EXCERPT_BYTES = 1024;

/** How long deliveries and attempts stay in the table (DynamoDB TTL). */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/** One event to one endpoint, every attempt and every replay under the same `deliveryId` (the `webhook-id`). */
export interface Delivery {
  endpointId: string;
  /** Its sort key, `DELIVERY#<eventTime>#<eventId>`: the id W1's routes and the queue messages name it by. */
  deliverySk: string;
  /** `msg_<eventId>`, sent as `webhook-id`: the same for every attempt and replay, so receivers dedupe on it. */
  deliveryId: string;
  eventId: string;
  eventType: string;
  /** The event's own time (`occurredAt` of its envelope). */
  eventTime: string;
  /** The JSON text sent as the request body. */
  payload: string;
  status: DeliveryStatus;
  /** Attempts made so far, every round included; the sender's writes are conditional on it. */
  attempts: number;
  /** Attempts made before the current round of retries (a replay starts a new round). */
  roundStart: number;
  /** When the next attempt is due, while `pending`. */
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  lastStatusCode?: number;
  lastError?: AttemptError;
  createdAt: string;
  updatedAt: string;
}

/** One attempt of one delivery: an entry of the endpoint's delivery log. */
export interface Attempt {
  endpointId: string;
  deliveryId: string;
  deliverySk: string;
  /** 1 for the first attempt of the delivery, counting across replays. */
  n: number;
  attemptedAt: string;
  trigger: AttemptTrigger;
  /** The endpoint's HTTP status, when it answered. */
  statusCode?: number;
  /** Why there was no answer, when it did not. */
  error?: AttemptError;
  durationMs: number;
  /** The first 1,024 bytes of the response body as UTF-8; no headers. */
  responseExcerpt: string;
}

/**
 * The body of a `webhooks-deliveries` message: which delivery to attempt, how many attempts it had when the message was
 * sent (a message that finds another count is stale and does nothing), and for a retry the time it is due, which a
 * message may reach early since one SQS delay is at most 15 minutes.
 */
export const DeliveryMessage = z.strictObject({
  endpointId: z.string().min(1),
  deliverySk: z.string().startsWith('DELIVERY#'),
  trigger: AttemptTrigger,
  attempts: z.number().int().nonnegative(),
  notBefore: z.iso.datetime().optional(),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

/** The `webhook-id` of an event's deliveries. */
export function deliveryIdOf(eventId: string): string {
  return `msg_${eventId}`;
}

/**
 * The request body of an event's deliveries, Standard Webhooks' `{ type, timestamp, data }`, with the event's id and
 * contract version beside them: `data` is the event's data exactly as its contract in `events/` defines it.
 */
export function webhookPayload(event: { id: string; type: string; version: number; occurredAt: string; data: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, id: event.id, version: event.version, data: event.data });
}
