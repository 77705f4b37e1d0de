import { ListAuditQuery, listAudit } from '../../shared/audit/queries.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/**
 * GET /audit: the audit trail, newest first, filtered by entity and id, actor, action and time range, cursor-paginated.
 * Read-only: no route changes or deletes an entry.
 */
export const handler = httpHandler({ query: ListAuditQuery })(async (input) => ok(await listAudit(input.query)));
