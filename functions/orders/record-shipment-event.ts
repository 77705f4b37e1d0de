import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { recordShipmentEvent, ShipmentEventRequest, ShipmentParams, shipmentResult } from '../../shared/orders/fulfilment-actions.js';

/**
 * POST /orders/{id}/shipments/{shipmentId}/events: one step of a shipment (an own van's round, a failed attempt, the
 * receipt of returned goods at the store), named by the status it leads to.
 */
export const handler = httpHandler({ params: ShipmentParams, body: ShipmentEventRequest })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  return ok(shipmentResult(await recordShipmentEvent(input.params.id, input.params.shipmentId, input.body, who), who.access));
});
