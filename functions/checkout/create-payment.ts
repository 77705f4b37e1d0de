import { z } from 'zod';
import { createPayment } from '../../shared/checkout/steps/payment.js';
import { workflowTask } from '../../shared/workflows/task.js';

/** Checkout saga, CreatePayment: the unconfirmed PaymentIntent; no money is held yet. */
export const handler = workflowTask(z.object({ orderId: z.string().min(1) }), ({ orderId }) => createPayment(orderId));
