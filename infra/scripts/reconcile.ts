import { parseArgs } from 'node:util';
import type { ReconciliationSummary } from '../../shared/billing/reconcile.js';
import { ENV } from '../../shared/config/env-names.js';
import { SANDBOX_DEFAULT_SIGNING_SECRET, SANDBOX_DEFAULT_TOKEN } from '../local/billing-sandbox/server.js';
import { readLocalRuntime } from '../local/data-dir.js';
import { LOCAL_STRIPE_SECRET_KEY, platformEnv, resourceNames } from '../local/resources.js';

/**
 * `npm run reconcile -- [--date YYYY-MM-DD] [--json]`: the nightly reconciliation of one UTC day (yesterday without
 * `--date`, and it says so), the same use-case the scheduled function runs. It prints the day and its summary for a
 * person, or with `--json` the summary as one JSON document for a script. Without TABLE_NAME it targets the running local platform, found
 * through its `runtime.json`: its table, exports bucket, `billing-sync` queue, billing sandbox (or the provider
 * named by BILLING_API_BASE) and payments sandbox (or the Stripe account of STRIPE_SECRET_KEY). With TABLE_NAME it uses the environment as a function would.
 */

async function attachToLocalPlatform(): Promise<boolean> {
  const runtime = await readLocalRuntime();
  if (!runtime) return false;
  const env = platformEnv({ names: resourceNames(runtime.tableName), endpoints: runtime.endpoints, queueUrls: runtime.queueUrls });
  if (process.env[ENV.billingApiBase] === undefined) {
    if (!runtime.billingSandboxUrl) throw new Error('the local platform runs no billing sandbox and BILLING_API_BASE is not set');
    Object.assign(env, {
      [ENV.billingApiBase]: runtime.billingSandboxUrl,
      [ENV.billingApiToken]: SANDBOX_DEFAULT_TOKEN,
      [ENV.billingSigningSecret]: SANDBOX_DEFAULT_SIGNING_SECRET,
    });
  }
  if (process.env[ENV.paymentSecretKey] === undefined) {
    if (!runtime.paymentsSandboxUrl) throw new Error('the local platform runs no payments sandbox and STRIPE_SECRET_KEY is not set');
    Object.assign(env, { [ENV.paymentSecretKey]: LOCAL_STRIPE_SECRET_KEY, [ENV.paymentApiBase]: runtime.paymentsSandboxUrl });
  }
  Object.assign(process.env, env);
  return true;
}

const money = (amount: number, currency: string) =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency, currencyDisplay: 'code' }).format(amount / 100);

/** The run as a person reads it: which day, what differed, the day's totals on both sides, where the report is. */
function describeRun(summary: ReconciliationSummary, run: { recorded: number; reEnqueued: number; defaulted: boolean }): string {
  const kinds = Object.entries(summary.counts).filter(([, n]) => n > 0);
  const lines = [
    `reconciled ${summary.date} (UTC)${run.defaulted ? ', yesterday: pass --date YYYY-MM-DD for another day' : ''}`,
    `  discrepancies  ${summary.discrepancies}${kinds.length ? ` (${kinds.map(([kind, n]) => `${kind} ${n}`).join(', ')})` : ''}; first recorded by this run ${run.recorded}; invoices sent again ${run.reEnqueued}`,
  ];
  for (const t of summary.totals) {
    lines.push(
      `  ${t.currency}  ours: ${t.sales.count} sales ${money(t.sales.total, t.currency)}, ${t.refunds.count} refunds ${money(t.refunds.amount, t.currency)}` +
        ` | billing: ${t.invoiced.count} invoices ${money(t.invoiced.total, t.currency)}, ${t.credited.count} credit notes ${money(t.credited.amount, t.currency)}` +
        ` | gateway: ${t.gateway.captured.count} captures ${money(t.gateway.captured.amount, t.currency)}, ${t.gateway.refunded.count} refunds ${money(t.gateway.refunded.amount, t.currency)}`,
    );
  }
  if (summary.totals.length === 0) lines.push('  no sales, refunds, invoices, credit notes, captures or gateway refunds that day');
  lines.push(`  report         ${summary.objects.json} and ${summary.objects.csv} in the exports bucket`);
  return lines.join('\n');
}

try {
  const { values } = parseArgs({ options: { date: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  if (!process.env.TABLE_NAME && !(await attachToLocalPlatform())) {
    throw new Error('TABLE_NAME is not set and no local platform is running (start one with npm start)');
  }
  // Configuration is parsed at import, so it is loaded only once the environment is final.
  const { reconcile, reconcileDeps, yesterday } = await import('../../shared/billing/reconcile.js');
  const deps = reconcileDeps();
  const date = values.date ?? yesterday(deps.now());
  const { summary, recorded, reEnqueued } = await reconcile(date, deps);
  if (values.json) console.log(JSON.stringify({ ...summary, recorded, reEnqueued }, null, 2));
  else console.log(describeRun(summary, { recorded, reEnqueued, defaulted: values.date === undefined }));
} catch (error) {
  console.error(`reconcile: ${(error as Error).message}`);
  process.exitCode = 1;
}
