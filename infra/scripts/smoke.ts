import { parseArgs } from 'node:util';

/**
 * `npm run smoke -- --base-url <url> [--wait <seconds>]`: a few requests that show a deployment answers as it should,
 * run by the pipeline after each deploy (and by `test/e2e/smoke.test.ts` against the local platform). It reads
 * nothing and changes nothing that needs credentials, so it is safe against production:
 *
 * - `GET /health` answers 200 `ok` (the table answers and every data migration is applied), retried for up to
 *   `--wait` seconds (30 by default) while a fresh deployment's functions start;
 * - a public catalog read, `GET /products?limit=1`, answers 200 with a page;
 * - `GET /openapi.json` is an OpenAPI 3 document that describes `/health`;
 * - the authorizer refuses: `GET /orders` without credentials and with a forged bearer token are both 401 problems.
 *
 * Prints one line per check and exits 1 when any failed.
 */
const USAGE = 'usage: npm run smoke -- --base-url <url> [--wait <seconds>]';
const REQUEST_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

type Check = (get: (path: string, headers?: Record<string, string>) => Promise<Answer>) => Promise<string>;

/** Fails a check with what was wrong; its message is the line printed. */
function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const refused = (headers: Record<string, string>): Check => async (get) => {
  const answer = await get('/orders', headers);
  expectThat(answer.status === 401, `expected 401, got ${answer.status}`);
  expectThat(answer.contentType.startsWith('application/problem+json'), `expected a problem+json body, got ${answer.contentType || 'none'}`);
  return '401 problem';
};

const CHECKS: [name: string, check: Check][] = [
  [
    'GET /health',
    async (get) => {
      const answer = await get('/health');
      expectThat(answer.status === 200, `expected 200, got ${answer.status}${isObject(answer.body) && answer.body.detail ? `: ${String(answer.body.detail)}` : ''}`);
      expectThat(isObject(answer.body) && answer.body.status === 'ok', `expected status ok, got ${JSON.stringify(answer.body)}`);
      const checks = isObject(answer.body.checks) ? answer.body.checks : {};
      return `200 ok (stage ${String(answer.body.stage)}, schema ${String(checks.schema)})`;
    },
  ],
  [
    'GET /products?limit=1 (public)',
    async (get) => {
      const answer = await get('/products?limit=1');
      expectThat(answer.status === 200, `expected 200, got ${answer.status}`);
      expectThat(isObject(answer.body) && Array.isArray(answer.body.items), `expected a page with items, got ${JSON.stringify(answer.body).slice(0, 200)}`);
      return `200, ${answer.body.items.length} item(s)`;
    },
  ],
  [
    'GET /openapi.json',
    async (get) => {
      const answer = await get('/openapi.json');
      expectThat(answer.status === 200, `expected 200, got ${answer.status}`);
      const doc = answer.body;
      expectThat(isObject(doc) && typeof doc.openapi === 'string' && doc.openapi.startsWith('3.'), 'expected an OpenAPI 3 document');
      expectThat(isObject(doc.paths) && '/health' in doc.paths, 'expected the document to describe /health');
      return `200, OpenAPI ${doc.openapi}, ${Object.keys(doc.paths).length} paths`;
    },
  ],
  ['GET /orders without credentials', refused({})],
  ['GET /orders with a forged token', refused({ authorization: 'Bearer smoke-test.forged.token' })],
];

/** Runs every check against `baseUrl`; true when all passed. */
async function smoke(baseUrl: URL, waitSeconds: number, print: (line: string) => void): Promise<boolean> {
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(new URL(path.slice(1), baseUrl), { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    let body: unknown = text;
    if (/json/.test(contentType)) {
      try {
        body = JSON.parse(text);
      } catch {
        // A body that claims JSON and is not: the checks report what they expected instead.
      }
    }
    return { status: response.status, contentType, body };
  };
  let passed = true;
  for (const [index, [name, check]] of CHECKS.entries()) {
    // Only the first check waits: once the service is healthy, the rest must answer at once.
    const deadline = Date.now() + (index === 0 ? waitSeconds * 1000 : 0);
    for (;;) {
      try {
        print(`ok    ${name}: ${await check(get)}`);
        break;
      } catch (error) {
        if (Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 2000));
          continue;
        }
        print(`FAIL  ${name}: ${(error as Error).message}`);
        passed = false;
        break;
      }
    }
  }
  return passed;
}

try {
  const { values } = parseArgs({ options: { 'base-url': { type: 'string' }, wait: { type: 'string' } }, strict: true });
  if (!values['base-url']) throw new Error(USAGE);
  const raw = values['base-url'];
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new Error(`--base-url must be an http(s) URL, got ${raw}\n${USAGE}`);
  // A stage URL's path (API Gateway's /prod/) is kept: every check's path is relative to it.
  const baseUrl = new URL(raw.endsWith('/') ? raw : `${raw}/`);
  const waitSeconds = values.wait === undefined ? 30 : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new Error(`--wait must be a number of seconds, got ${values.wait}\n${USAGE}`);
  console.log(`smoke test of ${baseUrl.href}`);
  const passed = await smoke(baseUrl, waitSeconds, (line) => console.log(line));
  console.log(passed ? 'smoke test passed' : 'smoke test FAILED');
  if (!passed) process.exitCode = 1;
} catch (error) {
  console.error(`smoke: ${(error as Error).message}`);
  process.exitCode = 1;
}
