import { z } from 'zod';
import { completeOrder } from '../../shared/checkout/steps/fulfilment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, CompleteOrder: completed, with order.completed and checkout.complete in the same transaction. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => completeOrder(orderId));
