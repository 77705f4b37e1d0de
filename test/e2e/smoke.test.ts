import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, userEnv } from '../support/npm-start.js';

/**
 * `npm run smoke`, the pipeline's check after each deploy, run for real: against the e2e project's local platform it
 * passes every check and exits 0; against a server that answers 200 `{}` to everything (a deployment whose functions
 * are wired wrong, or whose authorizer lets everyone in) it names each failing check and exits 1.
 */

const run = promisify(execFile);

async function smoke(baseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'smoke', '--', '--base-url', baseUrl, ...args], { cwd: REPO_ROOT, env: userEnv(), timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

let yesMan: Server;
let yesManUrl: string;

beforeAll(async () => {
  yesMan = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  yesMan.listen(0, '127.0.0.1');
  await once(yesMan, 'listening');
  yesManUrl = `http://127.0.0.1:${(yesMan.address() as AddressInfo).port}/prod`;
});
afterAll(() => new Promise<void>((resolve) => yesMan.close(() => resolve())));

describe('npm run smoke', () => {
  it('passes against the running platform: health, a public catalog read, the OpenAPI document and two authorizer refusals', async () => {
    const result = await smoke(inject('baseUrl'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('ok    ')).map((line) => line.slice(6, line.indexOf(':')))).toEqual([
      'GET /health',
      'GET /products?limit=1 (public)',
      'GET /openapi.json',
      'GET /orders without credentials',
      'GET /orders with a forged token',
    ]);
    expect(result.stdout).not.toContain('FAIL');
    expect(lines.at(-1)).toBe('smoke test passed');
  });

  it('fails, naming each failed check, against a server that answers 200 to everything', async () => {
    const result = await smoke(yesManUrl, '--wait', '0');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`smoke test of ${yesManUrl}/`);
    expect(result.stdout).toMatch(/^FAIL {2}GET \/health: expected status ok, got \{\}$/m);
    expect(result.stdout).toMatch(/^FAIL {2}GET \/products\?limit=1 \(public\): expected a page with items/m);
    expect(result.stdout).toMatch(/^FAIL {2}GET \/openapi\.json: expected an OpenAPI 3 document$/m);
    expect(result.stdout).toMatch(/^FAIL {2}GET \/orders without credentials: expected 401, got 200$/m);
    expect(result.stdout).toMatch(/^FAIL {2}GET \/orders with a forged token: expected 401, got 200$/m);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('smoke test FAILED');
  });

  it('refuses a base URL that is not http(s), exiting 1 with the usage', async () => {
    const result = await smoke('ftp://example.com');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('smoke: --base-url must be an http(s) URL, got ftp://example.com');
    expect(result.stderr).toContain('usage: npm run smoke -- --base-url <url> [--wait <seconds>]');
  });
});
