import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListStaffQuery } from '../../shared/staff/directory.js';
import { listStaff, staffDirectory } from '../../shared/staff/staff-roles.js';

/** GET /staff: staff with their roles and stores, a page at a time, `role` to keep the holders of one. */
export const handler = httpHandler({ query: ListStaffQuery })(async (input) => ok(await listStaff(input.query, staffDirectory())));
