import { z } from 'zod';
import { capturePayment } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, CapturePayment: the final amount, never above the hold (re-authorizing first when the pick exceeds it). */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => capturePayment(orderId));
