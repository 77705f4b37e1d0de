import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { readTaxRates, taxRatesEtag } from '../../shared/tax/rates.js';

/** GET /tax-rates: the table in force with its version; the ETag feeds `If-Match` on PUT. */
export const handler = httpHandler({})(async () => {
  const table = await readTaxRates();
  return ok(table, { etag: taxRatesEtag(table) });
});
