import { configuredCourier } from '../../shared/couriers/settings.js';
import { tableDeps } from '../../shared/db/deps.js';
import { ValidationError } from '../../shared/errors.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { created } from '../../shared/http/responses.js';
import { orderActorOf } from '../../shared/orders/access.js';
import { courierBooker } from '../../shared/orders/courier-booking.js';
import { dispatchShipment, DispatchRequest, fulfilmentDeps, shipmentResult } from '../../shared/orders/fulfilment-actions.js';
import { OWN_VAN } from '../../shared/orders/shipments.js';
import { OrderIdParams } from '../../shared/orders/queries.js';

/**
 * POST /orders/{id}/shipments: goods leave the store in a new shipment (own van, or a courier, booked first); their
 * stock leaves `committed` with it. The Idempotency-Key is required, so that a retried dispatch never sends the goods
 * twice. The courier is the configured one (`courier-api`), read only when a shipment goes by courier.
 */
export const handler = httpHandler({ params: OrderIdParams, body: DispatchRequest, idempotency: idempotency() })(async (input) => {
  const who = orderActorOf(requirePrincipal(input), input.headers['x-correlation-id']);
  const key = input.headers['idempotency-key'];
  if (!key) throw new ValidationError([{ field: 'header.idempotency-key', message: 'is required: a dispatch sends goods, so a retry must be recognisable' }], 'Idempotency-Key is required.');
  const courier = input.body.carrier === OWN_VAN ? undefined : await configuredCourier();
  const table = tableDeps();
  const booker = courier && courierBooker(courier, table);
  const deps = fulfilmentDeps({ ...table, couriers: (carrier) => (carrier === courier?.id ? booker : undefined) });
  const result = await dispatchShipment(input.params.id, input.body, key, who, deps);
  return created(shipmentResult(result, who.access), `/orders/${result.order.id}`);
});
