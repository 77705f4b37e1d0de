import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ENV } from '../../shared/config/env-names.js';
import { SANDBOX_DEFAULT_SIGNING_SECRET, SANDBOX_DEFAULT_TOKEN } from '../local/billing-sandbox/server.js';
import { platformEnv, resourceNames, type Endpoints } from '../local/resources.js';

/**
 * `npm run reconcile -- --date YYYY-MM-DD`: the nightly reconciliation of one UTC day (yesterday without `--date`),
 * the same use-case the scheduled function runs. Without TABLE_NAME it targets the running local platform, found
 * through its `runtime.json`: its table, exports bucket, `billing-sync` queue and billing sandbox (or the provider
 * named by BILLING_API_BASE). With TABLE_NAME it uses the environment as a function would.
 */

interface Runtime {
  tableName: string;
  endpoints: Endpoints;
  queueUrls: Record<string, string>;
  billingSandboxUrl?: string;
}

async function attachToLocalPlatform(): Promise<boolean> {
  const dataDir = process.env.SMARTSHELF_DATA_DIR ?? fileURLToPath(new URL('../../.smartshelf', import.meta.url));
  let runtime: Runtime;
  try {
    runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as Runtime;
  } catch {
    return false;
  }
  const env = platformEnv({ names: resourceNames(runtime.tableName), endpoints: runtime.endpoints, queueUrls: runtime.queueUrls });
  if (process.env[ENV.billingApiBase] === undefined) {
    if (!runtime.billingSandboxUrl) throw new Error('the local platform runs no billing sandbox and BILLING_API_BASE is not set');
    Object.assign(env, {
      [ENV.billingApiBase]: runtime.billingSandboxUrl,
      [ENV.billingApiToken]: SANDBOX_DEFAULT_TOKEN,
      [ENV.billingSigningSecret]: SANDBOX_DEFAULT_SIGNING_SECRET,
    });
  }
  Object.assign(process.env, env);
  return true;
}

try {
  const { values } = parseArgs({ options: { date: { type: 'string' } }, strict: true });
  if (!process.env.TABLE_NAME && !(await attachToLocalPlatform())) {
    throw new Error('TABLE_NAME is not set and no local platform is running (start one with npm start)');
  }
  // Configuration is parsed at import, so it is loaded only once the environment is final.
  const { reconcile, reconcileDeps, yesterday } = await import('../../shared/billing/reconcile.js');
  const deps = reconcileDeps();
  const date = values.date ?? yesterday(deps.now());
  const { summary, recorded, reEnqueued } = await reconcile(date, deps);
  console.log(JSON.stringify({ ...summary, recorded, reEnqueued }, null, 2));
} catch (error) {
  console.error(`reconcile: ${(error as Error).message}`);
  process.exitCode = 1;
}
