import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

// Set before the logger is built: event logging on and every level printed, so the test sees
// whatever the chain could ever log about a refused request.
const savedEnv = vi.hoisted(() => {
  const saved = { logEvent: process.env.POWERTOOLS_LOGGER_LOG_EVENT, level: process.env.POWERTOOLS_LOG_LEVEL };
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  return saved;
});

const { httpHandler } = await import('../../../shared/http/handler.js');
const { ok } = await import('../../../shared/http/responses.js');
const { apiEvent, lambdaContext } = await import('../../support/lambda.js');

const PAN = '4242424242424242';
const GROUPED_PAN = '4000 0025 0000 3155';

const Order = z.strictObject({
  id: z.string(),
  gtin: z.string(),
  barcode: z.number().int(),
  phone: z.string(),
  price: z.strictObject({ amount: z.number().int(), currency: z.string() }),
  payment: z.unknown().optional(),
});
const echo = httpHandler({ body: Order })(async ({ body }) => ok(body));
const bodiless = httpHandler({})(async () => ok({ reached: true }));

const clean = {
  id: '01JD8Z4Q7W5X3N2M1K0H9G8F7E',
  gtin: '4006381333931',
  barcode: 5901234123457,
  phone: '+4915112345678',
  price: { amount: 129900, currency: 'EUR' },
};

const post = (body: string | null, query?: Record<string, string>) =>
  apiEvent({
    method: 'POST',
    resource: '/categories',
    body,
    headers: { 'Content-Type': 'application/json' },
    ...(query ? { query } : {}),
    principal: { subject: 'u1', kind: 'user', roles: ['head-office'], scopes: ['catalog:write'], stores: ['*'] },
  });

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  const capture = (chunk: unknown): boolean => {
    logged.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => {
  for (const [name, value] of [
    ['POWERTOOLS_LOGGER_LOG_EVENT', savedEnv.logEvent],
    ['POWERTOOLS_LOG_LEVEL', savedEnv.level],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function call(handler: typeof echo, event: ReturnType<typeof post>) {
  const res = await handler(event, lambdaContext());
  return { ...res, json: JSON.parse(res.body) as { type: string; detail: string; errors?: { field: string }[] } };
}

describe('card numbers in requests', () => {
  it('refuses a PAN in a nested body field with 400 naming the path, and neither answers nor logs the number', async () => {
    const res = await call(echo, post(JSON.stringify({ ...clean, payment: { cards: [{ number: PAN }] } })));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(res.json.type).toBe('https://smartshelf.dev/problems/card-number-refused');
    expect(res.json.detail).toMatch(/tokenize the card with the payment provider/i);
    expect(res.json.errors?.map((e) => e.field)).toEqual(['body.payment.cards.0.number']);
    expect(res.body).not.toContain(PAN);
    const output = logged.join('');
    expect(output).toContain('card-number-refused');
    expect(output).not.toContain(PAN);
  });

  it('masks a card number used as a member name in the reported path', async () => {
    const res = await call(echo, post(JSON.stringify({ ...clean, payment: { [GROUPED_PAN]: 'x' } })));
    expect(res.statusCode).toBe(400);
    expect(res.json.errors?.map((e) => e.field)).toEqual(['body.payment.*']);
    expect(res.body).not.toContain(GROUPED_PAN);
    expect(logged.join('')).not.toContain(GROUPED_PAN);
  });

  it('lets ULIDs, GTINs, phone numbers and prices through', async () => {
    const res = await call(echo, post(JSON.stringify(clean)));
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual(clean);
  });

  it('refuses a PAN in a query parameter with 400 naming it, before anything else runs', async () => {
    const res = await call(bodiless, post(null, { card: GROUPED_PAN, page: '2' }));
    expect(res.statusCode).toBe(400);
    expect(res.json.type).toBe('https://smartshelf.dev/problems/card-number-refused');
    expect(res.json.errors?.map((e) => e.field)).toEqual(['query.card']);
    expect(res.body).not.toContain(GROUPED_PAN);
    expect(logged.join('')).not.toContain(GROUPED_PAN);
  });
});
