import { stockReleasedV1 } from '../../events/inventory/stock-released.v1.js';
import { reopenExpiredHold } from '../../shared/carts/hold.js';
import { eventConsumer } from '../../shared/events/consumer.js';
import { logger } from '../../shared/observability/logger.js';

/** inventory.released (expired) of a cart's hold → the cart reopened and its slot given back, once however often the event arrives. */
export const handler = eventConsumer(stockReleasedV1, async (released, { eventId }) => {
  const reopened = await reopenExpiredHold(released);
  if (reopened) logger.info('cart reopened after its hold expired', { reservationId: released.reservationId, ownerRef: released.ownerRef, eventId });
});
