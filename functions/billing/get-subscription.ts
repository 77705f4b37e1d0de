import { getSubscriptionFor, SubscriptionIdParams } from '../../shared/billing/subscriptions.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /subscriptions/{id}: the caller's own delivery pass; anyone else's is a 404. */
export const handler = httpHandler({ params: SubscriptionIdParams })(async (input) => ok(await getSubscriptionFor(input.params.id, requirePrincipal(input))));
