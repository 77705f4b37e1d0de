import { z } from 'zod';
import { awaitPick } from '../../shared/checkout/steps/fulfilment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, AwaitPick (waitForTaskToken): the order joins the pick list; POST /orders/{id}/pick completes the token. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), taskToken: z.string().min(1) }), (input) => awaitPick(input));
