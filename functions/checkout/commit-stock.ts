import { z } from 'zod';
import { commitStock } from '../../shared/checkout/steps/fulfilment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, CommitStock: picked stock becomes committed, the rest goes back on sale. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => commitStock(orderId));
