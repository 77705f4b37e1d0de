import { describe, expect, inject, it } from 'vitest';
import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * The staff console's session over HTTP against the local platform (docs/console-sign-in.md): a local sign-in sets
 * the cookie with exactly the design's attributes; the cookie authenticates staff routes with its roles' scopes; a
 * change needs X-CSRF-Token and a cross-site request is refused; a refresh rotates the id and re-reads the roles; a
 * sign-out ends it; bad input to each route is a 400 naming the field, and signs nobody in. Node's fetch keeps no
 * cookies, so the test carries the cookie itself, as the browser would. Every answer is checked against the OpenAPI
 * document by the client.
 */

const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const run = Date.now().toString(36);
const HOME = 'london-bridge';

interface SessionView {
  subject: string;
  roles: string[];
  scopes: string[];
  stores: string[];
  csrfToken: string;
  expiresAt: string;
  absoluteExpiresAt: string;
}

const COOKIE = /^__Host-smartshelf-session=([A-Za-z0-9_-]{43}); Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=900$/;

/** The cookie a response sets, checked to carry exactly the design's attributes; its `name=value` to send back. */
function cookieOf(response: ApiResponse): string {
  const set = response.headers.getSetCookie();
  expect(set).toHaveLength(1);
  expect(set[0]).toMatch(COOKIE);
  return set[0]!.split(';')[0]!;
}

async function signIn(subject: string, roles: string[], stores: string[] = []): Promise<{ cookie: string; view: SessionView }> {
  const response = await api.post<SessionView>('/auth/session', { grant: 'local', subject, roles, stores });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { cookie: cookieOf(response), view: response.body };
}

const withCookie = (cookie: string, extra: Record<string, string> = {}) => ({ headers: { cookie, ...extra } });

describe('the console session', () => {
  it('signs in locally, and the cookie works as the roles allow, CSRF-protected, until refreshed away or signed out', async () => {
    const options = await api.get<{ mode: string; roles: string[] }>('/auth/sign-in-options');
    expect(options.status).toBe(200);
    expect(options.body).toEqual({ mode: 'local', roles: ['picker', 'store-manager', 'head-office', 'customer-service', 'admin'] });

    const subject = `console-manager-${run}`;
    const { cookie, view } = await signIn(subject, ['store-manager'], [HOME]);
    expect(view).toMatchObject({ subject, roles: ['store-manager'], stores: [HOME] });
    expect(view.scopes).toEqual(expect.arrayContaining(['orders:read', 'inventory:write']));
    expect(view.scopes).not.toContain('admin');
    expect(Date.parse(view.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(view.absoluteExpiresAt) - Date.parse(view.expiresAt)).toBeGreaterThan(7 * 3_600_000);

    const current = await api.get<SessionView>('/auth/session', withCookie(cookie));
    expect(current.status).toBe(200);
    expect(current.body).toEqual(view);
    expect(current.headers.get('cache-control')).toBe('no-store');

    // A staff route: the role's scopes, and a 403 beyond them.
    expect((await api.get(`/orders?store=${HOME}&date=2030-01-01`, withCookie(cookie))).status).toBe(200);
    await problem(api.get('/tax-rates', withCookie(cookie)), 403, 'insufficient-scope');
    await problem(api.get(`/orders?store=${HOME}&date=2030-01-01`, withCookie(cookie, { 'sec-fetch-site': 'cross-site' })), 401);
    expect((await api.get(`/orders?store=${HOME}&date=2030-01-01`, withCookie(cookie, { 'sec-fetch-site': 'same-origin' }))).status).toBe(200);

    // The role taken away in the directory: the next refresh carries the new one, and the old cookie stops working.
    expect((await admin.request('PUT', `/staff/${subject}/roles`, { body: { roles: ['picker'], stores: [HOME] } })).status).toBe(200);
    await problem(api.post('/auth/session/refresh', undefined, withCookie(cookie)), 401);
    await problem(api.post('/auth/session/refresh', undefined, withCookie(cookie, { 'x-csrf-token': 'x'.repeat(43) })), 401);
    const refreshed = await api.post<SessionView>('/auth/session/refresh', undefined, withCookie(cookie, { 'x-csrf-token': view.csrfToken }));
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const rotated = cookieOf(refreshed);
    expect(rotated).not.toBe(cookie);
    expect(refreshed.body).toMatchObject({ subject, roles: ['picker'], stores: [HOME], absoluteExpiresAt: view.absoluteExpiresAt });
    expect(refreshed.body.csrfToken).not.toBe(view.csrfToken);
    await problem(api.get('/auth/session', withCookie(cookie)), 401, 'no-session');
    await problem(api.get(`/orders?store=${HOME}&date=2030-01-01`, withCookie(cookie)), 401);
    expect((await api.get<SessionView>('/auth/session', withCookie(rotated))).body.roles).toEqual(['picker']);

    const signedOut = await api.request('DELETE', '/auth/session', withCookie(rotated, { 'x-csrf-token': refreshed.body.csrfToken }));
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.getSetCookie()).toEqual(['__Host-smartshelf-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0']);
    await problem(api.get('/auth/session', withCookie(rotated)), 401, 'no-session');
    await problem(api.get(`/orders?store=${HOME}&date=2030-01-01`, withCookie(rotated)), 401);
    await problem(api.request('DELETE', '/auth/session', withCookie(rotated, { 'x-csrf-token': refreshed.body.csrfToken })), 401);
  });

  it('lets a change through only with the session’s X-CSRF-Token, and never from another site', async () => {
    const { cookie, view } = await signIn(`console-admin-${run}`, ['admin']);
    expect(view.stores).toEqual(['*']);
    const key = (n: string) => ({ 'idempotency-key': `console-${run}-${n}` });
    const body = { name: `Console CSRF ${run}`, roles: ['catalog-feed'] };
    await problem(api.post('/api-keys', body, withCookie(cookie, key('none'))), 401);
    await problem(api.post('/api-keys', body, withCookie(cookie, { ...key('wrong'), 'x-csrf-token': 'A'.repeat(43) })), 401);
    await problem(api.post('/api-keys', body, withCookie(cookie, { ...key('cross'), 'x-csrf-token': view.csrfToken, 'sec-fetch-site': 'cross-site' })), 401);
    await problem(api.post('/api-keys', body, withCookie(cookie, { ...key('site'), 'x-csrf-token': view.csrfToken, 'sec-fetch-site': 'same-site' })), 401);
    const listed = async () => (await admin.get<{ items: { name: string }[] }>('/api-keys?limit=60')).body.items.filter((k) => k.name === body.name).length;
    expect(await listed()).toBe(0);
    const made = await api.post<{ id: string; apiKey: string }>('/api-keys', body, withCookie(cookie, { ...key('right'), 'x-csrf-token': view.csrfToken, 'sec-fetch-site': 'same-origin' }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(await listed()).toBe(1);
    // A bearer token or API key sent beside the cookie wins: the cookie's CSRF rule does not apply to them.
    expect((await admin.post(`/api-keys/${made.body.id}/revoke`, undefined, withCookie(cookie))).status).toBe(200);
  });

  it('refuses bad input to every session route with a 400 naming the field, and signs nobody in', async () => {
    const refused = async (body: unknown, field: string) => {
      const response = await api.post('/auth/session', body);
      const p = await problem(Promise.resolve(response), 400);
      expect(JSON.stringify(p)).toContain(field);
      if (p.errors) expect(fieldsOf(p).every((f) => f.startsWith('body')), JSON.stringify(p)).toBe(true);
      expect(response.headers.getSetCookie()).toEqual([]);
    };
    await refused({ subject: 'x', roles: ['admin'] }, 'grant');
    await refused({ grant: 'password', subject: 'x', roles: ['admin'] }, 'grant');
    await refused({ grant: 'local', roles: ['admin'] }, 'subject');
    await refused({ grant: 'local', subject: 'has spaces', roles: ['admin'] }, 'subject');
    await refused({ grant: 'local', subject: 'x', roles: [] }, 'roles');
    await refused({ grant: 'local', subject: 'x', roles: ['shopper'] }, 'roles');
    await refused({ grant: 'local', subject: 'x', roles: ['picker'] }, 'stores');
    await refused({ grant: 'local', subject: 'x', roles: ['picker'], stores: ['Not A Store'] }, 'stores');
    await refused({ grant: 'local', subject: 'x', roles: ['admin'], token: 'x' }, 'token');
    // The code grant is AWS's: locally it is refused by name, and its own fields are checked first.
    await refused({ grant: 'authorization_code', code: 'abc', redirectUri: 'https://shop.example/admin/' }, 'codeVerifier');
    await refused({ grant: 'authorization_code', code: 'abc', codeVerifier: 'v'.repeat(43), redirectUri: 'https://shop.example/admin/' }, 'grant');
    await problem(api.post('/auth/session', 'not json', { contentType: 'application/json' }), 400);

    // The cookie routes take no body or query of their own to get wrong: what they refuse is a missing or bad cookie.
    await problem(api.get('/auth/session'), 401, 'no-session');
    await problem(api.get('/auth/session', withCookie('__Host-smartshelf-session=not-a-session')), 401, 'no-session');
    await problem(api.post('/auth/session/refresh', undefined), 401, 'no-session');
    await problem(api.request('DELETE', '/auth/session'), 401, 'no-session');
  });
});
