import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpHandler } from '../../../shared/http/handler.js';
import { ok } from '../../../shared/http/responses.js';
import { AppError } from '../../../shared/errors.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import type { Principal } from '../../../shared/auth/principal.js';

const staff: Principal = { subject: 'u1', kind: 'user', roles: ['head-office'], scopes: ['catalog:write'], stores: ['*'] };
const shopper: Principal = { subject: 'u2', kind: 'user', roles: ['shopper'], scopes: ['cart:write'], stores: [] };

const Body = z.strictObject({ name: z.string().min(1), count: z.number().int() });
const echo = httpHandler({ body: Body })(async ({ body, principal }) => ok({ body, subject: principal?.subject }));
const failing = httpHandler({})(async () => {
  throw new Error('database password is hunter2');
});
const conflict = httpHandler({})(async () => {
  throw new AppError('conflict', 'sku-taken', 'SKU A1 already belongs to product X.');
});

const post = (body: string | null, extra: { principal?: Principal; headers?: Record<string, string> } = {}) =>
  apiEvent({
    method: 'POST',
    resource: '/categories',
    body,
    headers: { 'Content-Type': 'application/json', ...extra.headers },
    principal: 'principal' in extra ? extra.principal : staff,
  });

async function call(handler: typeof echo, event: ReturnType<typeof post>) {
  const res = await handler(event, lambdaContext());
  return { ...res, json: res.body ? JSON.parse(res.body) : undefined };
}

describe('httpHandler', () => {
  it('passes a valid request through and answers JSON with the correlation id', async () => {
    const res = await call(echo, post(JSON.stringify({ name: 'Fruit', count: 2 }), { headers: { 'X-Correlation-Id': 'abc' } }));
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ body: { name: 'Fruit', count: 2 }, subject: 'u1' });
    expect(res.headers?.['x-correlation-id']).toBe('abc');
  });

  it('marks an answer to an authenticated caller and every problem no-store, and sends HSTS and nosniff on all', async () => {
    const authenticated = await call(echo, post(JSON.stringify({ name: 'Fruit', count: 2 })));
    expect(authenticated.headers).toMatchObject({ 'cache-control': 'no-store', 'strict-transport-security': 'max-age=31536000; includeSubDomains', 'x-content-type-options': 'nosniff' });
    const browse = httpHandler({})(async () => ok({ items: [] }));
    const publicAnswer = await browse(apiEvent({ method: 'GET', resource: '/categories' }), lambdaContext());
    expect(publicAnswer.statusCode).toBe(200);
    expect(publicAnswer.headers).not.toHaveProperty('cache-control');
    expect(publicAnswer.headers).toHaveProperty('strict-transport-security');
    const refused = await call(echo, post('{', { principal: undefined }));
    expect(refused.headers).toMatchObject({ 'cache-control': 'no-store', 'strict-transport-security': 'max-age=31536000; includeSubDomains' });
  });

  it('lists every failing field, including unknown ones, as a 400 problem', async () => {
    const res = await call(echo, post(JSON.stringify({ name: '', count: 1.5, colour: 'red' })));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    const fields = res.json.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['body', 'body.count', 'body.name']);
    expect(res.json.errors.find((e: { field: string }) => e.field === 'body').message).toContain('colour');
    expect(res.json.instance).toMatch(/^urn:smartshelf:request:/);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await call(echo, post('{"name": '));
    expect(res.statusCode).toBe(400);
    expect(res.json.type).toBe('https://smartshelf.dev/problems/malformed-json');
  });

  it('rejects a body that is not JSON by media type with 415', async () => {
    const res = await call(echo, post('name=x', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }));
    expect(res.statusCode).toBe(415);
  });

  it('rejects a body above the route limit with 413', async () => {
    const res = await call(echo, post(JSON.stringify({ name: 'x'.repeat(300 * 1024), count: 1 })));
    expect(res.statusCode).toBe(413);
    expect(res.json.maxBytes).toBe(256 * 1024);
  });

  it('answers 401 when a scoped route has no principal', async () => {
    const res = await call(echo, post(JSON.stringify({ name: 'a', count: 1 }), { principal: undefined }));
    expect(res.statusCode).toBe(401);
  });

  it('answers 403 naming the scope when the principal lacks it', async () => {
    const res = await call(echo, post(JSON.stringify({ name: 'a', count: 1 }), { principal: shopper }));
    expect(res.statusCode).toBe(403);
    expect(res.json.requiredScope).toBe('catalog:write');
  });

  it('maps a domain error to its status with the exact detail', async () => {
    const res = await call(conflict, post(null));
    expect(res.statusCode).toBe(409);
    expect(res.json.detail).toBe('SKU A1 already belongs to product X.');
  });

  it('hides the detail of an unexpected failure behind a 500', async () => {
    const res = await call(failing, post(null));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
  });
});
