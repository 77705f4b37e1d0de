import { parseArgs } from 'node:util';
import { readLocalRuntime } from '../local/data-dir.js';
import { platformEnv, resourceNames } from '../local/resources.js';

/**
 * `npx tsx infra/scripts/backfill-report-totals.ts --from YYYY-MM-DD [--to YYYY-MM-DD]`: builds the report totals for
 * the sales and refunds in the books of those UTC days (to today without `--to`), once an upgrade has deployed the
 * totals' consumer. Safe to rerun and to run while orders complete: each sale and refund is counted once. Without
 * TABLE_NAME it targets the running local platform, found through its `runtime.json`.
 */

const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true });
const DAY = /^\d{4}-\d{2}-\d{2}$/;
if (!values.from || !DAY.test(values.from) || (values.to !== undefined && !DAY.test(values.to))) {
  console.error('usage: backfill-report-totals --from YYYY-MM-DD [--to YYYY-MM-DD]');
  process.exit(2);
}
if (!process.env.TABLE_NAME) {
  const runtime = await readLocalRuntime();
  if (!runtime) throw new Error('no TABLE_NAME and no running local platform');
  Object.assign(process.env, platformEnv({ names: resourceNames(runtime.tableName), endpoints: runtime.endpoints, queueUrls: runtime.queueUrls }));
}
// Configuration is parsed at import, so it is loaded only once the environment is final.
const { tableDeps } = await import('../../shared/db/deps.js');
const { backfillReportTotals } = await import('../../shared/reports/backfill.js');
const to = values.to ?? new Date().toISOString().slice(0, 10);
const outcome = await backfillReportTotals(tableDeps(), values.from, to, (day, o) => {
  if (o.read > 0) console.log(`${day}: ${o.read} read, ${o.counted} counted, ${o.alreadyCounted} already counted, ${o.orderGone} order gone`);
});
console.log(`backfilled ${values.from} to ${to}: ${JSON.stringify(outcome)}`);
