import { createHash } from 'node:crypto';
import { PermanentPaymentError, type PaymentGateway } from '../../shared/payments/gateway.js';

/**
 * A payment provider for tests of `POST /checkout` that stop before the saga: it makes each shopper's Customer (one
 * per shopper, as the provider's idempotency would) and knows every `pm_...` as a new method saved on nobody, which is
 * all checking out asks of it. Anything the saga would do fails loudly.
 */
export function checkoutOnlyGateway(): PaymentGateway {
  const refuse = (): never => {
    throw new PermanentPaymentError('not_in_test', 'checking out asks the provider only for the Customer and the payment method');
  };
  return {
    createCustomer: async ({ shopperId }) => ({ customerId: `cus_${createHash('sha256').update(shopperId).digest('hex').slice(0, 16)}` }),
    retrievePaymentMethod: async (paymentMethodId) => ({ paymentMethodId, type: 'card', isDefault: false }),
    createIntent: refuse,
    confirm: refuse,
    capture: refuse,
    cancel: refuse,
    refund: refuse,
    retrieve: refuse,
    createSetupIntent: refuse,
    listPaymentMethods: refuse,
    detachPaymentMethod: refuse,
    deleteCustomer: refuse,
    listBalanceTransactions: refuse,
  };
}
