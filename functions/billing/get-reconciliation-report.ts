import { getReconciliationSummary, ReconciliationReportQuery } from '../../shared/billing/reconcile.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /reports/reconciliation?date=: the day's latest reconciliation summary (counts, totals, report files); 404 before it ran. */
export const handler = httpHandler({ query: ReconciliationReportQuery })(async (input) => ok(await getReconciliationSummary(input.query.date, tableDeps())));
