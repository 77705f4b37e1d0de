import { z } from 'zod';
import { awaitAuthentication } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, AwaitAuthentication (waitForTaskToken): keeps the token for the payment webhook that settles 3-D Secure. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), intentId: z.string().min(1), taskToken: z.string().min(1) }), (input) => awaitAuthentication(input));
