import { auditActor } from '../../shared/audit/audit-entry.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { SetStaffRolesRequest, StaffParams } from '../../shared/staff/directory.js';
import { setStaffRoles, staffDirectory } from '../../shared/staff/staff-roles.js';

/**
 * PUT /staff/{subject}/roles: gives and takes roles by setting the whole set (and the stores a picker or store manager
 * works at), audited; repeating it changes nothing more. Locally a subject not yet in the store of principals is added.
 */
export const handler = httpHandler({ params: StaffParams, body: SetStaffRolesRequest })(async (input) => {
  const who = auditActor(requirePrincipal(input), input.headers['x-correlation-id']);
  return ok(await setStaffRoles(input.params.subject, input.body, { ...who, now: () => new Date() }, staffDirectory()));
});
