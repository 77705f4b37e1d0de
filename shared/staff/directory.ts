import { z } from 'zod';
import { STORE_BOUND_ROLES } from '../auth/api-key-rules.js';
import { CHAIN_WIDE_ROLES, STAFF_ROLES, type Role } from '../auth/roles.js';
import type { AuditedBy } from '../audit/audit-entry.js';
import { AppError } from '../errors.js';
import { StoreId } from '../stores/model.js';

/**
 * A member of staff's subject: the `sub` of their tokens (a UUID in Cognito, any name locally). Not an email: a path
 * reaches logs, and an email is personal data.
 */
export const StaffSubject = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be a subject (letters, digits, . _ : -, at most 128)');

export const StaffParams = z.strictObject({ subject: StaffSubject });

/** PUT /staff/{subject}/roles: the whole set, replacing what they had; an empty list takes every role away. */
export const SetStaffRolesRequest = z.strictObject({
  roles: z.array(z.enum(STAFF_ROLES as [Role, ...Role[]])).max(STAFF_ROLES.length),
  /** The stores a picker or store manager works at; none for chain-wide and desk roles. */
  stores: z.array(StoreId).max(50).default([]),
});
export type SetStaffRolesRequest = z.infer<typeof SetStaffRolesRequest>;

/** GET /staff: a page of staff, optionally only those holding one role. */
export const ListStaffQuery = z.strictObject({
  role: z.enum(STAFF_ROLES as [Role, ...Role[]]).optional(),
  limit: z.coerce.number().int().min(1).max(60).default(50),
  cursor: z.string().min(1).max(4096).optional(),
});
export type ListStaffQuery = z.infer<typeof ListStaffQuery>;

/** A member of staff as the directory knows them: their roles and the stores they work at. */
export const StaffMember = z.strictObject({
  subject: z.string(),
  roles: z.array(z.enum(STAFF_ROLES as [Role, ...Role[]])),
  stores: z.array(z.string()),
});
export type StaffMember = z.infer<typeof StaffMember>;

/** A page of staff. */
export const StaffPage = z.strictObject({ items: z.array(StaffMember), nextCursor: z.string().nullable() });

/** A change of someone's roles, with who made it and when (for its audit entry). */
export interface StaffChange extends AuditedBy {
  subject: string;
  roles: readonly Role[];
  stores: readonly string[];
  at: string;
}

/**
 * Where staff roles live: Cognito groups in the staff pool on AWS, the local store of principals in the table
 * locally. Either way `setRoles` writes the change's audit entry (see each adapter for when).
 */
export interface StaffDirectory {
  /** Their roles and stores; undefined for a subject the directory does not know. */
  get(subject: string): Promise<StaffMember | undefined>;
  list(query: ListStaffQuery): Promise<{ items: StaffMember[]; nextCursor: string | null }>;
  /** Sets their roles and stores to exactly these; answers before and after. */
  setRoles(change: StaffChange): Promise<{ before: StaffMember; after: StaffMember }>;
}

/**
 * Checks a set of staff roles: stores named exactly when a store-bound role (picker, store manager) without a
 * chain-wide one needs them.
 * @throws AppError `invalid` naming the field
 */
export function checkStaffGrant(grant: { roles: readonly Role[]; stores: readonly string[] }): void {
  const storeBound = !grant.roles.some((r) => CHAIN_WIDE_ROLES.includes(r)) && grant.roles.some((r) => STORE_BOUND_ROLES.includes(r));
  if (storeBound && grant.stores.length === 0) {
    throw new AppError('invalid', 'stores-required', `The roles ${grant.roles.join(', ')} work at stores: name them in stores.`, { extensions: { field: 'stores' } });
  }
  if (!storeBound && grant.stores.length > 0) {
    throw new AppError('invalid', 'stores-not-applicable', 'Stores apply only to pickers and store managers without a chain-wide role.', {
      extensions: { field: 'stores' },
    });
  }
}

/** A member's roles and stores in one order, so that equal sets compare equal and audit entries read the same. */
export function normalised(member: StaffMember): StaffMember {
  return { subject: member.subject, roles: [...new Set(member.roles)].sort(), stores: [...new Set(member.stores)].sort() };
}
