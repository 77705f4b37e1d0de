import { detachAllPaymentMethods } from '../accounts/payment-methods.js';
import { billingClient } from '../billing/client.js';
import { presigningClient } from '../catalog/import/create-import-upload.js';
import { config } from '../config/config.js';
import { tableDeps } from '../db/deps.js';
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

/**
 * The outside systems an erasure tells. The sign-in identity is a no-op here: locally there is no user pool (the
 * runtime mints tokens for any subject), and on AWS deleting the Cognito user needs the Cognito Identity Provider SDK
 * client, which is not yet a dependency (see docs/accounts.md, "Privacy and retention").
 */
export const erasurePorts: ErasurePorts = {
  eraseBillingCustomer: async (billingCustomerId, idempotencyKey) => {
    await (await billingClient()).anonymiseCustomer(billingCustomerId, idempotencyKey);
  },
  detachPaymentMethods: async (shopperId) => {
    await detachAllPaymentMethods(shopperId);
  },
  deleteIdentity: () => Promise.resolve(),
};

/** The production dependencies of erasures, with any of them replaced. */
export function erasureDeps(overrides: Partial<ErasureDeps> = {}): ErasureDeps {
  return { ...tableDeps(overrides), ports: overrides.ports ?? erasurePorts, s3: overrides.s3 ?? s3, bucket: overrides.bucket ?? config.exportsBucket };
}
