import { auditActor } from '../../shared/audit/audit-entry.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';
import { accepted } from '../../shared/http/responses.js';
import { startExport } from '../../shared/personal-data/exports.js';
import { CustomerParams, StaffPrivacyRequest } from '../../shared/personal-data/requests.js';

/**
 * POST /customers/{shopperId}/exports: customer service starts an export for a customer who asked (by phone, by
 * letter); audited with the `reason`. 202 with the export; 409 `export-in-progress` while another one runs.
 */
export const handler = httpHandler({ params: CustomerParams, body: StaffPrivacyRequest, idempotency: idempotency() })(async (input) => {
  const { shopperId } = input.params;
  const who = { ...auditActor(requirePrincipal(input), input.headers['x-correlation-id']), reason: input.body.reason };
  const view = await startExport(shopperId, who, tableDeps());
  return accepted(view, `/customers/${encodeURIComponent(shopperId)}/exports/${view.id}`);
});
