import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { StaffParams } from '../../shared/staff/directory.js';
import { getStaffMember, staffDirectory } from '../../shared/staff/staff-roles.js';

/** GET /staff/{subject}: one member of staff's roles and stores; 404 for a subject the directory does not know. */
export const handler = httpHandler({ params: StaffParams })(async (input) => ok(await getStaffMember(input.params.subject, staffDirectory())));
