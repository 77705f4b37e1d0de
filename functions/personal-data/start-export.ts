import { auditActor } from '../../shared/audit/audit-entry.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { accepted } from '../../shared/http/responses.js';
import { tableDeps } from '../../shared/db/deps.js';
import { startExport } from '../../shared/personal-data/exports.js';

/**
 * POST /me/exports: starts an export of everything SmartShelf holds about the caller; 202 with the export `requested`
 * and where to follow it. 409 `export-in-progress` while another one runs.
 */
export const handler = httpHandler({ idempotency: idempotency() })(async (input) => {
  const principal = requirePrincipal(input);
  const view = await startExport(principal.subject, auditActor(principal, input.headers['x-correlation-id']), tableDeps());
  return accepted(view, `/me/exports/${view.id}`);
});
