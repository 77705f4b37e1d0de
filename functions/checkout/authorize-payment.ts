import { z } from 'zod';
import { authorizePayment } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, AuthorizePayment: confirms the intent; a decline fails the task with PaymentDeclined. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1), intentId: z.string().min(1) }), ({ orderId, intentId }) => authorizePayment(orderId, intentId));
