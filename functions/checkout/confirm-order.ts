import { z } from 'zod';
import { checkoutDeps } from '../../shared/checkout/deps.js';
import { confirmOrder } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/**
 * What AuthorizePayment, or the 3-D Secure wait after it, left at `$.authorization`. Optional, for an execution started on
 * a definition from before it was passed on: the step then reads the order.
 */
const Authorization = z.object({ confirmed: z.literal(true).optional(), captureNow: z.boolean().optional() });

/** Checkout saga, ConfirmOrder: records a 3-D Secure hold, confirms, and says whether to capture now or after picking. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), authorization: Authorization.optional() }), ({ orderId, authorization }) =>
  confirmOrder(orderId, checkoutDeps(), authorization),
);
