import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from '../../../shared/billing/signing.js';
import { WebhookSender, type DeliveryFaults } from '../webhook-sender.js';

export interface BillingWebhookTarget {
  url: string;
  /** The keys each delivery is signed with: one, or the new and the old during a rotation. */
  secrets: string[];
}

/** The billing sandbox's deliveries, signed with `Billing-Signature` by every key of the target. */
export function billingWebhookSender(target: () => BillingWebhookTarget | undefined, faults: () => DeliveryFaults): WebhookSender<BillingWebhookTarget> {
  return new WebhookSender('billing sandbox', target, faults, (payload, to) => ({ [WEBHOOK_SIGNATURE_HEADER]: signWebhook(payload, to.secrets) }));
}
