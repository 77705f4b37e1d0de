import { describe, expect, inject, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../shared/http/problem.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../wiring/index.js';

/** The local platform's gateway behaviour, over real HTTP against `npm start`. */

const baseUrl = inject('baseUrl');
const adminApiKey = inject('adminApiKey');

interface ProblemDoc {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
}

async function problemOf(response: Response, status: number): Promise<ProblemDoc> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const doc = (await response.json()) as ProblemDoc;
  expect(doc).toMatchObject({ status, type: expect.stringMatching(new RegExp(`^${PROBLEM_TYPE_BASE}`)) });
  expect(doc.title).toEqual(expect.any(String));
  expect(doc.detail).toEqual(expect.any(String));
  expect(doc.instance).toMatch(/^urn:smartshelf:request:/);
  return doc;
}

async function mint(body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/local/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function tokenFor(roles: string[]): Promise<string> {
  const response = await mint({ subject: `e2e-${roles.join('-') || 'nobody'}`, roles });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

function createCategory(headers: Record<string, string>, slug = `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`) {
  return fetch(`${baseUrl}/categories`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: `E2E ${slug}`, slug }),
  });
}

describe('local gateway', () => {
  it('answers an unknown path with a 404 problem', async () => {
    const doc = await problemOf(await fetch(`${baseUrl}/no/such/thing`), 404);
    expect(doc.type).toBe(`${PROBLEM_TYPE_BASE}no-such-route`);
  });

  it('answers a known path with an unrouted method with a 405 problem and Allow', async () => {
    const response = await fetch(`${baseUrl}/categories`, { method: 'DELETE' });
    expect(response.headers.get('allow')).toBe('GET, POST');
    const doc = await problemOf(response, 405);
    expect(doc.type).toBe(`${PROBLEM_TYPE_BASE}method-not-allowed`);
  });

  it('prefers a literal resource over a path parameter when choosing the 405', async () => {
    const response = await fetch(`${baseUrl}/products/import`);
    expect(response.headers.get('allow')).toBe('POST');
    await problemOf(response, 405);
  });

  it('rejects a body over the route limit with a 413 problem before the handler runs', async () => {
    const response = await fetch(`${baseUrl}/categories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminApiKey },
      body: JSON.stringify({ name: 'x'.repeat(DEFAULT_MAX_BODY_BYTES), slug: 'too-large' }),
    });
    const doc = await problemOf(response, 413);
    expect(doc.type).toBe(`${PROBLEM_TYPE_BASE}too-large`);
  });

  it('answers a scoped route without credentials with a 401 problem', async () => {
    await problemOf(await createCategory({}), 401);
  });

  it('answers a scoped route with a bad token with a 401 problem', async () => {
    await problemOf(await createCategory({ authorization: 'Bearer not-a-jwt' }), 401);
  });

  it('serves public routes without any credentials', async () => {
    const response = await fetch(`${baseUrl}/categories`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('local identity', () => {
  it('mints a token that a scoped route accepts', async () => {
    const response = await createCategory({ authorization: `Bearer ${await tokenFor(['admin'])}` });
    expect(response.status).toBe(201);
  });

  it('mints tokens whose roles decide the scopes: a shopper may not write the catalog', async () => {
    const doc = await problemOf(await createCategory({ authorization: `Bearer ${await tokenFor(['shopper'])}` }), 403);
    expect(doc.type).toBe(`${PROBLEM_TYPE_BASE}insufficient-scope`);
  });

  it('serves the public key set the tokens are signed with', async () => {
    const response = await fetch(`${baseUrl}/local/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: { kty: string; alg: string; kid: string; d?: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('refuses to mint a token for an unknown role', async () => {
    const doc = await problemOf(await mint({ subject: 'x', roles: ['overlord'] }), 400);
    expect(doc.detail).toContain('roles');
  });

  it('accepts the admin API key printed in the banner', async () => {
    const response = await createCategory({ 'x-api-key': adminApiKey });
    expect(response.status).toBe(201);
  });
});
