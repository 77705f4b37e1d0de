import { z } from 'zod';
import { Id } from '../catalog/model.js';

/** A shopper's id as the identity provider issues it (a Cognito `sub`, or a local subject). */
export const ShopperId = z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/, 'must be a shopper id: letters, digits, _ . : @ -');

/** `/me/exports/{id}`. */
export const ExportParams = z.strictObject({ id: Id });

/** `/customers/{shopperId}/...`. */
export const CustomerParams = z.strictObject({ shopperId: ShopperId });

/** `/customers/{shopperId}/exports/{id}`. */
export const CustomerExportParams = z.strictObject({ shopperId: ShopperId, id: Id });

/** What staff acting for a customer must say: why, kept in the audit entry (a ticket, "asked by phone"). */
export const StaffPrivacyRequest = z.strictObject({
  reason: z.string().trim().min(5, 'must say why, in at least 5 characters (a ticket number, how the customer asked)').max(500),
});
export type StaffPrivacyRequest = z.infer<typeof StaffPrivacyRequest>;
