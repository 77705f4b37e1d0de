import Stripe from 'stripe';
import { WebhookSender, type DeliveryFaults } from '../webhook-sender.js';

export interface WebhookTarget {
  url: string;
  /** The endpoint's signing secret (`whsec_...`), as Stripe shows it in the dashboard. */
  secret: string;
}

/** The payments sandbox's deliveries, signed like Stripe's: stripe-node produces the header, so `constructEvent` accepts it. */
export function stripeWebhookSender(target: () => WebhookTarget | undefined, faults: () => DeliveryFaults): WebhookSender<WebhookTarget> {
  return new WebhookSender('payments sandbox', target, faults, (payload, to) => ({
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: to.secret }),
  }));
}
