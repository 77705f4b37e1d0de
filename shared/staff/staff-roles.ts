import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { AuditedBy } from '../audit/audit-entry.js';
import { config } from '../config/config.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { cognitoStaffDirectory } from './cognito-directory.js';
import { checkStaffGrant, type ListStaffQuery, type SetStaffRolesRequest, type StaffDirectory, type StaffMember } from './directory.js';
import { tableStaffDirectory } from './table-directory.js';

let cognito: CognitoIdentityProviderClient | undefined;

/**
 * The staff directory as configured: the staff pool's groups when the function was given the pool
 * (`STAFF_USER_POOL_ID`, from the wiring's `access.staffIdentities`), the table's store of principals otherwise (locally).
 */
export function staffDirectory(userPoolId: string | undefined = config.staffUserPoolId, deps: TableDeps = tableDeps()): StaffDirectory {
  if (userPoolId === undefined) return tableStaffDirectory(deps);
  cognito ??= new CognitoIdentityProviderClient({});
  return cognitoStaffDirectory(userPoolId, cognito, deps);
}

/**
 * Gives and takes roles: sets someone's roles and stores to exactly those asked, audited. An admin cannot take the
 * admin role from themselves, so the last admin cannot lock the chain out by a slip of the mouse.
 * @throws AppError `invalid` for stores that do not fit the roles; ConflictError `own-admin-role`
 */
export async function setStaffRoles(
  subject: string,
  request: SetStaffRolesRequest,
  ctx: AuditedBy & { now: () => Date },
  directory: StaffDirectory,
): Promise<StaffMember> {
  checkStaffGrant(request);
  if (subject === ctx.actor && !request.roles.includes('admin')) {
    throw new ConflictError('own-admin-role', 'You cannot take the admin role from yourself; ask another admin.');
  }
  const { now, ...who } = ctx;
  const { after } = await directory.setRoles({ ...who, subject, roles: request.roles, stores: request.stores, at: now().toISOString() });
  return after;
}

/** One member of staff. @throws NotFoundError when the directory does not know them */
export async function getStaffMember(subject: string, directory: StaffDirectory): Promise<StaffMember> {
  const found = await directory.get(subject);
  if (!found) throw new NotFoundError('staff', subject);
  return found;
}

/** A page of staff with their roles and stores. */
export function listStaff(query: ListStaffQuery, directory: StaffDirectory): Promise<{ items: StaffMember[]; nextCursor: string | null }> {
  return directory.list(query);
}
