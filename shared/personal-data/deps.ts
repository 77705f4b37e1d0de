import { shopperIdentities } from '../accounts/identity.js';
import { detachAllPaymentMethods } from '../accounts/payment-methods.js';
import { billingClient } from '../billing/client.js';
import { presigningClient } from '../catalog/import/create-import-upload.js';
import { config } from '../config/config.js';
import { tableDeps } from '../db/deps.js';
import { PermanentPaymentError } from '../payments/gateway.js';
import { paymentGateway } from '../payments/gateway-config.js';
import { s3 } from '../storage/s3.js';
import type { ErasureDeps, ErasurePorts } from './erasure.js';
import type { ExportDeps } from './exports.js';

/** The production dependencies of exports, with any of them replaced. */
export function exportDeps(overrides: Partial<ExportDeps> = {}): ExportDeps {
  return {
    ...tableDeps(overrides),
    s3: overrides.s3 ?? s3,
    presigner: overrides.presigner ?? presigningClient(),
    bucket: overrides.bucket ?? config.exportsBucket,
  };
}

/** The provider has no such customer: deleted by an earlier run of the same erasure, so nothing is saved on it. */
const customerGone = (error: unknown) => error instanceof PermanentPaymentError && error.code === 'resource_missing';

/**
 * The outside systems an erasure tells: billing (delivery passes, customer), the payment provider (saved methods,
 * customer) and sign-in (the Cognito user on AWS; locally there is no user pool, the runtime mints tokens for any
 * subject, so nothing is deleted there).
 */
export const erasurePorts: ErasurePorts = {
  cancelDeliveryPass: async (billingSubscriptionId, idempotencyKey) => {
    await (await billingClient()).cancelSubscription(billingSubscriptionId, { atPeriodEnd: false }, idempotencyKey);
  },
  eraseBillingCustomer: async (billingCustomerId, idempotencyKey) => {
    await (await billingClient()).anonymiseCustomer(billingCustomerId, idempotencyKey);
  },
  detachPaymentMethods: async (shopperId) => {
    try {
      await detachAllPaymentMethods(shopperId);
    } catch (error) {
      // A rerun after the customer was deleted: deleting it detached whatever was left.
      if (!customerGone(error)) throw error;
    }
  },
  deletePaymentCustomer: async (customerId, idempotencyKey) => {
    await (await paymentGateway()).deleteCustomer(customerId, idempotencyKey);
  },
  deleteIdentity: (shopperId) => shopperIdentities().deleteIdentity(shopperId),
};

/** The production dependencies of erasures, with any of them replaced. */
export function erasureDeps(overrides: Partial<ErasureDeps> = {}): ErasureDeps {
  return { ...tableDeps(overrides), ports: overrides.ports ?? erasurePorts, s3: overrides.s3 ?? s3, bucket: overrides.bucket ?? config.exportsBucket };
}
