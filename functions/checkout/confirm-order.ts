import { z } from 'zod';
import { confirmOrder } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, ConfirmOrder: records a 3-D Secure hold, confirms, and says whether to capture now or after picking. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => confirmOrder(orderId));
