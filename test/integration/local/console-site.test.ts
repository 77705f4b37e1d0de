import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, startConsoleSite } from '../../../infra/local/console-site.js';
import { startGateway, type Gateway } from '../../../infra/local/gateway/server.js';
import type { RouteSpec } from '../../../wiring/index.js';

// The wired routes under /admin/ that must keep reaching their functions beside the console's files.
const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/admin/queues', fn: 'list-queues', auth: { kind: 'public' } },
  { method: 'POST', path: '/admin/queues/{id}/redrive', fn: 'redrive', auth: { kind: 'public' } },
];

let dir: string;
let gateway: Gateway;
const invoked: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-site-'));
  const site = await startConsoleSite({ outDir: dir });
  expect(site.files.map((f) => f.path)).toEqual(expect.arrayContaining(['index.html', 'assets/main.js', 'assets/styles.css']));
  gateway = await startGateway({
    port: 0,
    routes: ROUTES,
    authorizerFn: 'authorize',
    site,
    invoke: async (fn) => {
      invoked.push(fn);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fn }) };
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A GET whose path is sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gateway.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console served by the local gateway', () => {
  it('serves the built index.html at /admin/ with the CSP, and redirects /admin there', async () => {
    const page = await fetch(`${gateway.url}/admin/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/admin/assets/main.js"></script>');
    // The CSP allows no inline script or style.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/style=|<style/);
    const redirect = await fetch(`${gateway.url}/admin`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/admin/');
  });

  it('serves the entry and the chunks it imports, hashed chunks immutable', async () => {
    const main = await fetch(`${gateway.url}/admin/assets/main.js`);
    expect(main.status).toBe(200);
    expect(main.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const chunks = [...(await main.text()).matchAll(/"\.\/([\w-]+\.js)"/g)].map((m) => m[1]!);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of new Set(chunks)) {
      const response = await fetch(`${gateway.url}/admin/assets/${chunk}`);
      expect(response.status, chunk).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    const css = await fetch(`${gateway.url}/admin/assets/styles.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('leaves the wired /admin/ routes to their functions', async () => {
    expect(await (await fetch(`${gateway.url}/admin/queues`)).json()).toEqual({ fn: 'list-queues' });
    expect(await (await fetch(`${gateway.url}/admin/queues/orders/redrive`, { method: 'POST' })).json()).toEqual({ fn: 'redrive' });
    expect(invoked).toEqual(['list-queues', 'redrive']);
  });

  it('answers 404 problems for unknown assets and for paths that climb out of the build', async () => {
    for (const path of ['/admin/assets/nope.js', '/admin/assets/../../package.json', '/admin/assets/%2e%2e/%2e%2e/package.json', '/admin/../package.json', '/admin/orders']) {
      const response = await rawGet(path);
      expect(response.status, path).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).not.toContain('"name": "smartshelf"');
    }
  });
});
