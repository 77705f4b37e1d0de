import { auditActor } from '../../shared/audit/audit-entry.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ReplaceTaxRatesRequest, replaceTaxRates, taxRatesEtag } from '../../shared/tax/rates.js';

/** PUT /tax-rates: replaces the whole table under `If-Match`, audited; a stale version is a 409. */
export const handler = httpHandler({ body: ReplaceTaxRatesRequest })(async (input) => {
  const principal = requirePrincipal(input);
  const table = await replaceTaxRates(input.body, { ...auditActor(principal, input.headers['x-correlation-id']), ifMatch: input.headers['if-match'] });
  return ok(table, { etag: taxRatesEtag(table) });
});
