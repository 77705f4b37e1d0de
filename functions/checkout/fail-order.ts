import { z } from 'zod';
import { failOrder } from '../../shared/checkout/steps/compensation.js';
import { workflowTask } from '../../shared/workflows/task.js';

const FailOrderInput = z.object({ orderId: z.string().min(1), failure: z.object({ Error: z.string(), Cause: z.string().optional() }) });

/** Checkout saga, last compensation: the order failed (or cancelled) with its reason, the cart reopened. */
export const handler = workflowTask(FailOrderInput, ({ orderId, failure }) => failOrder(orderId, failure));
