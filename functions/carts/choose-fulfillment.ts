import { cartActor } from '../../shared/carts/deps.js';
import { chooseFulfillment } from '../../shared/carts/fulfillment.js';
import { CartIdParams, FulfillmentRequest } from '../../shared/carts/requests.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** PUT /carts/{id}/fulfillment: delivery to an address or pickup, in a bookable slot of the cart's store. */
export const handler = httpHandler({ params: CartIdParams, body: FulfillmentRequest })(async (input) => {
  const cart = await chooseFulfillment(input.params.id, input.body, cartActor(requirePrincipal(input), input.headers));
  return ok(cart);
});
