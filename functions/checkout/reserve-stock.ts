import { z } from 'zod';
import { reserveForOrder } from '../../shared/checkout/steps/reservation.js';
import { workflowTask } from '../../shared/workflows/task.js';

/**
 * Checkout saga, Reserve: the order's stock and slot, with its move to reserved, in one transaction; made already when
 * the saga's input names the reservation (absent from an execution started on a definition from before it did).
 */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), reservationId: z.string().min(1).nullable().optional() }), ({ orderId, reservationId }) => reserveForOrder(orderId, reservationId ?? null));
