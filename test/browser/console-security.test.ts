import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSOLE_CSP } from '../../infra/local/console-site.js';
import type { CategoryView, ProductView } from '../../shared/catalog/views.js';
import type { SkuInventory, StockAtStore } from '../../shared/inventory/requests.js';
import { SAMPLE_STORES } from '../../shared/stores/seed.js';
import { ApiClient } from '../support/api-client.js';
import { ConsoleSession, launchBrowser, localhostUrl, SESSION_COOKIE } from '../support/browser.js';

/**
 * The console's session in a real browser: the cookie the sign-in sets and what script can see of it, a page of
 * another site that posts to the API with the victim's browser (refused, nothing changed), the server's own refusal of
 * a cookie sent cross-site or without the CSRF token, and sign-out.
 */

const run = Date.now().toString(36);
const STORE = SAMPLE_STORES.find((store) => store.id === 'london-bridge')!;
const baseUrl = inject('baseUrl');
const origin = localhostUrl(baseUrl);
/** The API on the console's origin, with no credentials of its own: each call sends the cookie it is given. */
const byCookie = new ApiClient(origin);
const admin = new ApiClient(baseUrl).as({ apiKey: inject('adminApiKey') });
const sku = `E2E-BROWSER-SEC-${run.toUpperCase()}`;

let browser: Browser;
let session: ConsoleSession;
let evil: Server;
let evilOrigin: string;

interface SessionView {
  subject: string;
  roles: string[];
  stores: string[];
  csrfToken: string;
  expiresAt: string;
}

const cookieHeader = (value: string) => ({ cookie: `${SESSION_COOKIE}=${value}` });

async function available(): Promise<number> {
  const { body } = await admin.get<SkuInventory>(`/inventory/${sku}`);
  return (body.stores.find((s) => s.storeId === STORE.id) as StockAtStore).available;
}

/** An adjustment of +1 sent by hand with the cookie and whatever else a test gives. */
const adjustByCookie = (cookie: string, headers: Record<string, string>) =>
  byCookie.post('/inventory/adjustments', { sku, storeId: STORE.id, delta: 1, reason: 'correction' }, { headers: { ...cookieHeader(cookie), ...headers } });

/**
 * A page of another site (127.0.0.1 is a different site from localhost) that, once opened, attacks the API the way a
 * forged request can: a form POST (no preflight) and a no-cors `fetch` with the browser's credentials, both to add stock
 * and to refresh the session.
 */
function evilPage(): string {
  const adjustment = JSON.stringify({ sku, storeId: STORE.id, delta: 50, reason: 'correction' });
  // A text/plain form sends `name=value`: the name carries the JSON and the value closes it, as a CSRF attack would.
  const name = adjustment.slice(0, -1) + ',"pad":"';
  return `<!doctype html><html><body>
<form id="forge" method="post" enctype="text/plain" action="${origin}/inventory/adjustments"><input type="hidden" name='${name}' value='"}'></form>
<script>
  Promise.all([
    fetch('${origin}/inventory/adjustments', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(adjustment)} }),
    fetch('${origin}/auth/session/refresh', { method: 'POST', mode: 'no-cors', credentials: 'include' }),
  ]).finally(() => document.getElementById('forge').submit());
</script></body></html>`;
}

beforeAll(async () => {
  const category = (await admin.get<{ items: CategoryView[] }>('/categories')).body.items.find((c) => c.path === 'pantry')!;
  const made = await admin.post<ProductView>('/products', {
    name: `Browser security test ${run}`,
    categoryId: category.id,
    taxCategory: 'food',
    variants: [{ sku, name: 'Each', soldBy: 'each', price: { amount: 100, currency: 'GBP' } }],
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const stocked = await admin.post('/inventory/adjustments', { sku, storeId: STORE.id, setTo: 10, reason: 'stock-take' });
  expect(stocked.status, JSON.stringify(stocked.body)).toBe(201);

  evil = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(evilPage());
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;

  browser = await launchBrowser();
  session = await ConsoleSession.open(browser, baseUrl);
});

afterAll(async () => {
  await browser?.close();
  if (evil) {
    evil.closeAllConnections();
    await new Promise((resolve) => evil.close(resolve));
  }
});

describe('the console in a browser', () => {
  it('is served under its Content-Security-Policy: an inline script is refused, and the harness reports the violation', async () => {
    const probe = await ConsoleSession.open(browser, baseUrl);
    try {
      const document = await probe.page.goto(`${origin}/admin/#/sign-in`);
      expect(document!.headers()['content-security-policy']).toBe(CONSOLE_CSP);
      await probe.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      expect(probe.problems).toEqual([]);
      await probe.page.addScriptTag({ content: 'window.inlineRan = true;' }).catch(() => undefined);
      expect(await probe.page.evaluate('window.inlineRan')).toBeUndefined();
      await expect.poll(() => probe.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^console error: CSP violation: script-src/)]));
    } finally {
      await probe.close();
    }
  });
});

describe('the console session in a browser', () => {
  let signedIn: Response;
  let cookie: string;

  it('signs in through the sign-in page into a __Host- cookie: HttpOnly, Secure, SameSite=Strict, Path=/, no Domain, at most 15 minutes, hidden from script', async () => {
    const before = Date.now();
    signedIn = await session.signIn({ subject: `browser-security-${run}`, role: 'store-manager', stores: [STORE] });
    expect(signedIn.status()).toBe(201);

    const setCookie = (await signedIn.headerValue('set-cookie')) ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    const attributes = setCookie.split(';').slice(1).map((part) => part.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['path=/', 'secure', 'httponly', 'samesite=strict']));
    // 15 minutes, to the second the answer was made.
    const maxAge = Number(attributes.find((attribute) => attribute.startsWith('max-age='))?.slice('max-age='.length));
    expect(maxAge).toBeGreaterThan(890);
    expect(maxAge).toBeLessThanOrEqual(900);
    expect(attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);

    const held = (await session.context.cookies(origin)).find((c) => c.name === SESSION_COOKIE)!;
    expect(held).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/', domain: 'localhost' });
    expect(held.expires * 1000).toBeGreaterThan(before);
    expect(held.expires * 1000).toBeLessThanOrEqual(Date.now() + 900_000 + 1_000);
    cookie = held.value;

    expect(await session.page.evaluate('document.cookie')).not.toContain(SESSION_COOKIE);
    const view = await byCookie.get<SessionView>('/auth/session', { headers: cookieHeader(cookie) });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ subject: `browser-security-${run}`, roles: ['store-manager'], stores: [STORE.id] });
    session.expectNoProblems();
  });

  it('refuses a form POST and a credentialed fetch from a page of another site: sent without the cookie, 401, nothing changed', async () => {
    const stockBefore = await available();
    const attacker = await session.context.newPage();
    const reached: { url: string; status: number; cookie: string | undefined }[] = [];
    attacker.on('response', async (response) => {
      // Only the attack's own requests: the browser may also ask the API's origin for a favicon once it shows the answer.
      if (!['/inventory/adjustments', '/auth/session/refresh'].includes(new URL(response.url()).pathname)) return;
      const headers = await response.request().allHeaders();
      reached.push({ url: new URL(response.url()).pathname, status: response.status(), cookie: headers.cookie });
    });
    await attacker.goto(`${evilOrigin}/evil`);
    // The form's submission navigates the attacker's tab to the API's answer.
    await attacker.waitForURL(`${origin}/inventory/adjustments`);
    await expect.poll(() => reached.length).toBe(3);
    await attacker.close();

    expect(reached.map((r) => [r.url, r.status]).sort()).toEqual([
      ['/auth/session/refresh', 401],
      ['/inventory/adjustments', 401],
      ['/inventory/adjustments', 401],
    ]);
    // SameSite=Strict: the browser sent the session with none of them.
    for (const request of reached) expect(request.cookie ?? '').not.toContain(SESSION_COOKIE);
    expect(await available()).toBe(stockBefore);
    // Not refreshed either: a refresh would have rotated the id, and the old one would stop working.
    expect((await byCookie.get('/auth/session', { headers: cookieHeader(cookie) })).status).toBe(200);
  });

  it('refuses the cookie itself when the request says it comes from another site or lacks the CSRF token, whatever its method', async () => {
    const { csrfToken } = (await byCookie.get<SessionView>('/auth/session', { headers: cookieHeader(cookie) })).body;
    const stockBefore = await available();

    expect((await adjustByCookie(cookie, { 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrfToken })).status).toBe(401);
    expect((await adjustByCookie(cookie, { 'sec-fetch-site': 'same-site', 'x-csrf-token': csrfToken })).status).toBe(401);
    expect((await adjustByCookie(cookie, { 'sec-fetch-site': 'same-origin' })).status).toBe(401);
    // Another last character, always: replacing it with a fixed one left the token unchanged whenever it already ended so (1 in 64).
    const wrongToken = `${csrfToken.slice(0, -1)}${csrfToken.endsWith('A') ? 'B' : 'A'}`;
    expect(wrongToken).not.toBe(csrfToken);
    expect((await adjustByCookie(cookie, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': wrongToken })).status).toBe(401);
    expect((await byCookie.get(`/inventory/${sku}`, { headers: { ...cookieHeader(cookie), 'sec-fetch-site': 'cross-site' } })).status).toBe(401);
    expect(await available()).toBe(stockBefore);

    // The same request with the token from the same origin is the console's own, and works once.
    const made = await adjustByCookie(cookie, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrfToken });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(await available()).toBe(stockBefore + 1);
  });

  it('ends the session on sign-out: the cookie is gone and its old value sent by hand is a 401', async () => {
    await session.page.getByRole('button', { name: 'Sign out' }).click();
    await session.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect((await session.context.cookies(origin)).some((c) => c.name === SESSION_COOKIE)).toBe(false);

    expect((await byCookie.get('/auth/session', { headers: cookieHeader(cookie) })).status).toBe(401);
    expect((await byCookie.get(`/inventory/${sku}`, { headers: cookieHeader(cookie) })).status).toBe(401);
    session.expectNoProblems();
  });
});
