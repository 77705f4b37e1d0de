import { COURIER_SIGNATURE_HEADER, signCourierWebhook } from '../../../shared/couriers/signing.js';
import { WebhookSender, type DeliveryFaults } from '../webhook-sender.js';

export interface CourierWebhookTarget {
  url: string;
  /** The keys each delivery is signed with: one, or the new and the old during a rotation. */
  secrets: string[];
}

/** The courier sandbox's deliveries, signed with `Courier-Signature` by every key of the target. */
export function courierWebhookSender(target: () => CourierWebhookTarget | undefined, faults: () => DeliveryFaults): WebhookSender<CourierWebhookTarget> {
  return new WebhookSender('courier sandbox', target, faults, (payload, to) => ({ [COURIER_SIGNATURE_HEADER]: signCourierWebhook(payload, to.secrets) }));
}
