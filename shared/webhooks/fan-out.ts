import { z } from 'zod';
import { SUBSCRIBABLE_EVENTS } from '../../events/webhooks/subscribable.js';
import { keys } from '../db/keys.js';
import { deliveryIdOf, webhookPayload, type Delivery } from './delivery-model.js';
import { getDelivery, putNewDelivery, sendDeliveryMessage, type DeliveryDeps } from './deliveries.js';
import { listSubscribers } from './endpoints.js';

/**
 * The fan-out: one event from the bus (rule `events-to-webhooks`, queue `webhooks-fan-out`) becomes one delivery per
 * enabled endpoint subscribed to its type, each put once and sent to the `webhooks-deliveries` queue.
 */

/** An event as the rule delivers it: EventBridge's envelope around ours. Its data is checked against its contract below. */
export const FannedOutEvent = z.object({
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  detail: z.object({
    id: z.string().min(1),
    version: z.number().int().positive(),
    occurredAt: z.iso.datetime(),
    data: z.unknown(),
  }),
});
export type FannedOutEvent = z.infer<typeof FannedOutEvent>;

/** An event whose data is outside its contract: a bug upstream, so it fails and ends in the DLQ, where its alarm points at it. */
export class UndeliverableEventError extends Error {
  override readonly name = 'UndeliverableEventError';
}

/** What the fan-out did with one event: how many endpoints it found enabled, deliveries it put, and messages it sent. */
export interface FanOutResult {
  eventType: string;
  eventId: string;
  endpoints: number;
  created: number;
  sent: number;
}

/**
 * Puts the event's delivery for each enabled subscriber and sends it on. Idempotent: a redelivered event finds its
 * deliveries there (the put is conditional), and sends a delivery's message again only while it is `pending` with no
 * attempt, which is when the first time may have stopped between the put and the send.
 * An event that is not a subscribable contract (at its version) goes to no one.
 * @throws UndeliverableEventError when the event's data does not match its contract
 */
export async function fanOutEvent(deps: DeliveryDeps, event: FannedOutEvent): Promise<FanOutResult> {
  const type = event['detail-type'];
  const contract = SUBSCRIBABLE_EVENTS.find((c) => c.detailType === type && c.source === event.source && c.version === event.detail.version);
  // No endpoint can subscribe to it (W1 refuses the type), so there is no one to deliver it to: a pair of source and
  // detail-type the rule's pattern matches across contracts, or a contract version not (yet) offered.
  if (!contract) return { eventType: type, eventId: event.detail.id, endpoints: 0, created: 0, sent: 0 };
  const data = contract.schema.safeParse(event.detail.data);
  if (!data.success) throw new UndeliverableEventError(`${type} ${event.detail.id} does not match its contract`);
  const payload = webhookPayload({ id: event.detail.id, type, version: contract.version, occurredAt: event.detail.occurredAt, data: data.data });
  const endpointIds = await listSubscribers(type, deps);
  const now = deps.now().toISOString();
  const outcomes = await Promise.all(
    endpointIds.map(async (endpointId) => {
      const key = keys.webhookDelivery(endpointId, event.detail.occurredAt, event.detail.id);
      const delivery: Delivery = {
        endpointId,
        deliverySk: key.sk,
        deliveryId: deliveryIdOf(event.detail.id),
        eventId: event.detail.id,
        eventType: type,
        eventTime: event.detail.occurredAt,
        payload,
        status: 'pending',
        attempts: 0,
        roundStart: 0,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      };
      const created = await putNewDelivery(deps, delivery);
      if (!created) {
        const existing = await getDelivery(deps, endpointId, key.sk);
        if (existing?.status !== 'pending' || existing.attempts !== 0) return { created, sent: false };
      }
      await sendDeliveryMessage(deps, { endpointId, deliverySk: key.sk, trigger: 'event', attempts: 0 });
      return { created, sent: true };
    }),
  );
  return {
    eventType: type,
    eventId: event.detail.id,
    endpoints: endpointIds.length,
    created: outcomes.filter((o) => o.created).length,
    sent: outcomes.filter((o) => o.sent).length,
  };
}
