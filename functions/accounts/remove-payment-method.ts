import { PaymentMethodParams, removePaymentMethod } from '../../shared/accounts/payment-methods.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';

/** DELETE /me/payment-methods/{id}: detaches a saved card at the provider, for good (204); another shopper's card, or one already removed, is a 404. */
export const handler = httpHandler({ params: PaymentMethodParams })(async (input) => {
  await removePaymentMethod(requirePrincipal(input).subject, input.params.id);
  return { status: 204 };
});
