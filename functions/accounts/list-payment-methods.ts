import { listPaymentMethods } from '../../shared/accounts/payment-methods.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /me/payment-methods: the cards saved on the caller's payment Customer (brand, last four, expiry, default), newest first. */
export const handler = httpHandler({})(async (input) => ok({ items: await listPaymentMethods(requirePrincipal(input).subject) }));
