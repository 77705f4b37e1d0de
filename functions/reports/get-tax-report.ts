import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { getReport, ReportQuery, reportResponse } from '../../shared/reports/reports.js';

/** GET /reports/tax?storeId=&from=&to=: a store's tax per local day and in total, JSON or CSV (`Accept: text/csv`, `?format=csv`). */
export const handler = httpHandler({ query: ReportQuery })(async (input) =>
  reportResponse(await getReport('tax', requirePrincipal(input), input.query, tableDeps()), input.query, input.headers.accept),
);
