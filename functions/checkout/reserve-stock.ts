import { z } from 'zod';
import { reserveForOrder } from '../../shared/checkout/steps/reservation.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, Reserve: the order's stock and slot, with its move to reserved, in one transaction. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => reserveForOrder(orderId));
