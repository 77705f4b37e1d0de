import { z } from 'zod';
import { checkoutDeps } from '../../shared/checkout/deps.js';
import { commitStock } from '../../shared/checkout/steps/fulfilment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/**
 * What CapturePayment left at `$.capture`: the reservation and the picked stock it read of the order. Optional, for an
 * execution started on a definition from before it was passed on: the step then reads the order.
 */
const Capture = z.object({
  reservationId: z.string().min(1),
  picked: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().nonnegative() })).optional(),
});

/** Checkout saga, CommitStock: picked stock becomes committed, the rest goes back on sale. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), capture: Capture.optional() }), ({ orderId, capture }) => commitStock(orderId, checkoutDeps(), capture));
