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
  const { subject } = requirePrincipal(input);
  const view = await startExport(subject, { actor: subject, correlationId: input.headers['x-correlation-id'] }, tableDeps());
  return accepted(view, `/me/exports/${view.id}`);
});
