import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconciliationSummary } from '../../shared/billing/reconcile.js';
import type { Order } from '../../shared/orders/model.js';
import { ApiClient } from '../support/api-client.js';
import { npmStart, REPO_ROOT, userEnv, type NpmStartedPlatform } from '../support/npm-start.js';

/**
 * README.md's five-minute tour, run the way a reader runs it on a fresh clone, so that the README cannot drift from
 * the product: `npm start -- --fresh` in a process group of its own (PORT a free port, SMARTSHELF_DATA_DIR a new
 * temporary directory), waited on through `GET /health` alone, then every block of the tour pasted, in order, into one
 * `bash -euo pipefail` session with the same PORT and SMARTSHELF_DATA_DIR. The session must end with 0; the outcome
 * is then checked through the API, and the platform stopped with Ctrl-C (SIGINT to its group).
 *
 * Which blocks are the tour: in README.md, the tour lies between an HTML comment starting `<!-- tour:start` and the
 * comment `<!-- tour:end -->`. Every fenced block opened with exactly three backticks and `sh` between them is a step,
 * run in document order; prose between them is not run, and example output belongs in `text` blocks, which are not
 * run either. Everything outside the markers (the `npm start` / `npm test` quick start, other examples) is never run.
 */

const TOUR_START = '<!-- tour:start';
const TOUR_END = '<!-- tour:end -->';

/** The tour's `sh` blocks, in document order. */
function tourBlocks(markdown: string): string[] {
  const start = markdown.indexOf(TOUR_START);
  const end = markdown.indexOf(TOUR_END);
  if (start < 0 || end < start) throw new Error(`README.md has no tour: expected ${TOUR_START} ... ${TOUR_END}`);
  return [...markdown.slice(start, end).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

interface Session {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a script with `bash -euo pipefail` in its own process group; past `timeoutMs` the whole group is killed. */
async function runBash(scriptFile: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Session> {
  const started = Date.now();
  const child = spawn('bash', ['-euo', 'pipefail', scriptFile], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    stderr += `\n[the session ran past ${timeoutMs} ms and was killed]`;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr, ms: Date.now() - started };
}

const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = tourBlocks(readme);

describe('the README quick start', () => {
  let workDir: string;
  let dataDir: string;
  let platform: NpmStartedPlatform;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'smartshelf-readme-'));
    dataDir = join(workDir, 'data');
    await mkdir(dataDir);
    platform = await npmStart({ dataDir, args: ['--fresh'], timeoutMs: 180_000 });
  }, 200_000);

  afterAll(async () => {
    if (platform) {
      const { killed } = await platform.stop();
      if (killed) console.error(`npm start outlived Ctrl-C and was killed:\n${platform.output().slice(-4000)}`);
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  it('marks a tour of sh blocks, apart from the npm start / npm test block', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const quickStart = /^```sh\n([\s\S]*?)^```$/m.exec(readme)?.[1] ?? '';
    expect(quickStart).toMatch(/^npm start\b/m);
    expect(quickStart).toMatch(/^npm test\b/m);
    expect(readme.indexOf(quickStart)).toBeLessThan(readme.indexOf(TOUR_START));
  });

  it('runs, pasted block after block into one bash session, from import to reconciliation', async () => {
    const script = join(workDir, 'tour.sh');
    await writeFile(script, blocks.map((block, i) => `# --- README tour, block ${i + 1} of ${blocks.length}\n${block}`).join('\n'));
    const session = await runBash(script, userEnv({ PORT: String(platform.port), SMARTSHELF_DATA_DIR: dataDir }), 150_000);
    const transcript = `exit ${session.code ?? session.signal} after ${session.ms} ms\n--- stdout\n${session.stdout}\n--- stderr\n${session.stderr}`;
    expect(session.code, `${transcript}\n--- npm start (last lines)\n${platform.output().slice(-6000)}`).toBe(0);

    // What the reader saw: each step's line, and the day the reconciliation names.
    expect(session.stdout).toMatch(/^platform ok/m);
    expect(session.stdout).toContain('completed: {"total":21,"created":21,"updated":0,"unchanged":0,"failed":0}');
    expect(session.stdout).toMatch(/^Blood Oranges: .*in stock$/m);
    expect(session.stdout).toMatch(/^ {2}picking$/m);
    expect(session.stdout).toMatch(/^invoice \w+ \(paid\)/m);
    expect(session.stdout).toMatch(/^partially-refunded: £3\.20 of £\d+\.\d\d refunded$/m);
    expect(session.stdout).toMatch(/^credit note \w+: £3\.20 against \w+$/m);
    expect(session.stdout).toMatch(/^payment-declined: /m);
    expect(session.stdout).toMatch(/^3-D Secure approved/m);
    const day = /^reconciled (\d{4}-\d{2}-\d{2}) \(UTC\)$/m.exec(session.stdout)?.[1];
    expect(day, transcript).toBeDefined();

    // The outcome, through the API: alice's three orders as the tour left them.
    const api = new ApiClient(platform.baseUrl);
    const alice = api.as({ token: await api.mintToken('alice', ['shopper']) });
    const { body: page } = await alice.get<{ items: Order[] }>('/orders?limit=10');
    const byCard = new Map(page.items.map((order) => [order.payment.method, order]));
    expect(page.items).toHaveLength(3);

    const visa = byCard.get('pm_card_visa')!;
    expect(visa.status).toBe('partially-refunded');
    expect(visa.payment).toMatchObject({ refunded: 320, status: 'partially-refunded' });
    expect(visa.payment.captured).toBeGreaterThan(visa.totals.total); // 1,310 g of oranges picked for 1,200 g ordered
    expect(visa.payment.captured).toBeLessThanOrEqual(visa.payment.authorized);
    expect(visa.statusHistory.map((change) => change.to)).toEqual(
      expect.arrayContaining(['reserved', 'picking', 'picked', 'captured', 'completed', 'partially-refunded']),
    );
    expect(visa.statusHistory.find((change) => change.to === 'completed')!.at.slice(0, 10)).toBe(day);

    const declined = byCard.get('pm_card_chargeDeclined')!;
    expect(declined).toMatchObject({ status: 'failed', failureCode: 'payment-declined' });
    expect(declined.payment.captured).toBe(0);

    const secure = byCard.get('pm_card_threeDSecure2Required')!;
    expect(secure.status).toBe('completed');
    expect(secure.statusHistory.map((change) => change.to)).toContain('payment-pending');

    // The day the tour reconciled holds that one sale, invoiced, and its refund, credited (unless the refund fell on
    // the next UTC day, the tour having run across midnight).
    const refundedOnTheDay = visa.statusHistory.find((change) => change.to === 'partially-refunded')!.at.slice(0, 10) === day;
    const refunds = refundedOnTheDay ? { count: 1, amount: 320, tax: expect.any(Number) as number } : { count: 0, amount: 0, tax: 0 };
    const key = (await readFile(join(dataDir, 'keys', 'admin-api-key'), 'utf8')).trim();
    const { status, body: summary } = await api.as({ apiKey: key }).get<ReconciliationSummary>(`/reports/reconciliation?date=${day}`);
    expect(status).toBe(200);
    expect(summary.counts).toMatchObject({ 'missing-invoice': 0, 'credit-note-missing': 0, 'amount-mismatch': 0, 'tax-mismatch': 0 });
    expect(summary.totals).toEqual([
      expect.objectContaining({
        currency: 'GBP',
        sales: expect.objectContaining({ count: 1, total: visa.payment.captured }),
        refunds,
        invoiced: expect.objectContaining({ count: 1, total: visa.payment.captured }),
        credited: refunds,
      }),
    ]);
    // Tax agrees both ways: the sale's with its invoice's (the fee's included), the refund's with its credit note's.
    const [totals] = summary.totals;
    expect(totals!.invoiced.tax).toBe(totals!.sales.tax);
    expect(totals!.credited.tax).toBe(totals!.refunds.tax);
  }, 180_000);
});
