import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * SmartShelf disabled a webhook endpoint: every attempt to reach it failed for the whole retry window (about three
 * days), so its deliveries stop and wait, `endpoint-disabled`, for its owner to re-enable it and replay them. Written
 * once per disabling, in the transaction that disables it. An operational webhook, as Svix has them: subscribable like
 * any other type, so an integrator hears of it at another endpoint; carries the endpoint's id and never its URL (which
 * may hold a token) nor anything of its secrets.
 */
export const webhookEndpointDisabledV1 = defineEvent({
  source: 'smartshelf.webhooks',
  detailType: 'webhook-endpoint.disabled',
  version: 1,
  schema: z.strictObject({
    endpointId: z.string().min(1),
    reason: z.enum(['failing']),
    /** The first failed attempt after the endpoint's last success. */
    failingSince: z.iso.datetime(),
    disabledAt: z.iso.datetime(),
    /** The delivery whose failed attempt disabled it (`msg_<eventId>`, its `webhook-id`). */
    lastDeliveryId: z.string().min(1),
  }),
});
