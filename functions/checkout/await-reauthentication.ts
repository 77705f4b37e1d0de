import { z } from 'zod';
import { awaitReauthentication } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/**
 * Checkout saga, AwaitReauthentication (waitForTaskToken): the bank wants the shopper to authenticate the
 * re-authorization of a heavier pick; keeps the token for the payment webhook that settles it.
 */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), taskToken: z.string().min(1) }), (input) => awaitReauthentication(input));
