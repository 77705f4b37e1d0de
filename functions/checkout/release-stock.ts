import { z } from 'zod';
import { releaseOrderStock } from '../../shared/checkout/steps/compensation.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga compensation: the order's stock (held or already picked) and slot go back, once. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => releaseOrderStock(orderId));
