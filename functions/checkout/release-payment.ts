import { z } from 'zod';
import { releasePayment } from '../../shared/checkout/steps/compensation.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga compensation: voids the hold or refunds the capture, as the provider reports each intent. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), intentId: z.string().min(1).optional() }), ({ orderId, intentId }) => releasePayment(orderId, intentId));
