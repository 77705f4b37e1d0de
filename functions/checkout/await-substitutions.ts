import { z } from 'zod';
import { awaitSubstitutions } from '../../shared/checkout/steps/fulfilment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/**
 * Checkout saga, AwaitSubstitutions (waitForTaskToken): the capture waits for the shopper's answers to the proposed
 * substitutes; POST /orders/{id}/substitutions/{lineId} completes the token with the last one, the state's timeout is the cut-off.
 */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), taskToken: z.string().min(1) }), (input) => awaitSubstitutions(input));
