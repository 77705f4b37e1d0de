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
const { multipartBody } = await import('../../../shared/http/multipart.js');
const { ok } = await import('../../../shared/http/responses.js');
const { logger } = await import('../../../shared/observability/logger.js');
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

const staff = { subject: 'u1', kind: 'user', roles: ['head-office'], scopes: ['catalog:write'], stores: ['*'] } as const;

const post = (body: string | null, query?: Record<string, string>, headers: Record<string, string> = {}) =>
  apiEvent({
    method: 'POST',
    resource: '/categories',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(query ? { query } : {}),
    principal: { ...staff, roles: [...staff.roles], scopes: [...staff.scopes], stores: [...staff.stores] },
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
  return { ...res, json: JSON.parse(res.body) as { type: string; detail: string; errors?: { field: string }[]; [member: string]: unknown } };
}

/** Everything the chain wrote to stdout and stderr, which must never hold the number. */
const output = () => logged.join('');

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

const BOUNDARY = 'card-numbers-boundary';

/** A multipart/form-data body with a text field and a file part, base64-encoded as API Gateway hands it over. */
function form(field: { name: string; value: string }, filename: string): string {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field.name}"\r\n\r\n${field.value}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n` +
      `\x89PNG not really\r\n--${BOUNDARY}--\r\n`,
  ).toString('base64');
}

const upload = httpHandler({ multipart: multipartBody() })(async ({ body }) => ok({ parts: Object.keys(body as object) }));
const uploadEvent = (body: string) =>
  apiEvent({
    method: 'POST',
    resource: '/products/{id}/images',
    pathParameters: { id: '01JD8Z4Q7W5X3N2M1K0H9G8F7E' },
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    isBase64Encoded: true,
    principal: { ...staff, roles: [...staff.roles], scopes: [...staff.scopes], stores: [...staff.stores] },
  });

describe('card numbers in every other way into a request', () => {
  it('refuses one in a path parameter, naming the parameter', async () => {
    const getProduct = httpHandler({})(async () => ok({ reached: true }));
    const res = await call(getProduct, apiEvent({ method: 'GET', resource: '/products/{id}', pathParameters: { id: '4242-4242-4242-4242' } }));
    expect(res.statusCode).toBe(400);
    expect(res.json.errors?.map((e) => e.field)).toEqual(['path.id']);
    expect(res.body).not.toContain('4242-4242');
    expect(output()).not.toContain('4242-4242');
  });

  it('refuses one in the Idempotency-Key or If-Match header, naming the header', async () => {
    const res = await call(echo, post(JSON.stringify(clean), undefined, { 'Idempotency-Key': `retry ${GROUPED_PAN}`, 'If-Match': PAN }));
    expect(res.statusCode).toBe(400);
    expect(res.json.type).toBe('https://smartshelf.dev/problems/card-number-refused');
    expect(res.json.errors?.map((e) => e.field)).toEqual(['header.idempotency-key', 'header.if-match']);
    expect(res.body).not.toContain(GROUPED_PAN);
    expect(output()).not.toContain(GROUPED_PAN);
    expect(output()).not.toContain(PAN);
  });

  it('refuses one in a multipart field or a file name, naming the part', async () => {
    const inField = await call(upload, uploadEvent(form({ name: 'caption', value: `card ${GROUPED_PAN}` }, 'photo.png')));
    expect(inField.statusCode).toBe(400);
    expect(inField.json.errors?.map((e) => e.field)).toEqual(['body.caption']);
    const inName = await call(upload, uploadEvent(form({ name: 'caption', value: 'oranges' }, `${PAN}.png`)));
    expect(inName.statusCode).toBe(400);
    expect(inName.json.errors?.map((e) => e.field)).toEqual(['body.file.filename']);
    const fine = await call(upload, uploadEvent(form({ name: 'caption', value: 'blood oranges, 1 kg, EAN 5901234123457' }, 'oranges.png')));
    expect(fine.statusCode).toBe(200);
    for (const text of [inField.body, inName.body, output()]) {
      expect(text).not.toContain(GROUPED_PAN);
      expect(text).not.toContain(PAN);
    }
  });

  it('replaces a card-like or unsafe correlation id by the request id, in the answer and in every log entry', async () => {
    const logging = httpHandler({ body: Order })(async ({ body, headers }) => {
      logger.info('handled', { correlationSeen: headers['x-correlation-id'] });
      return ok(body);
    });
    for (const given of [PAN, GROUPED_PAN, 'a b', 'x'.repeat(65), '{"level":"ERROR"}']) {
      logged = [];
      const event = post(JSON.stringify(clean), undefined, { 'X-Correlation-Id': given });
      const res = await call(logging, event);
      expect(res.statusCode).toBe(200);
      expect(res.headers?.['x-correlation-id']).toBe(event.requestContext.requestId);
      const entries = output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { correlationId?: string; correlationSeen?: string; message: string });
      expect(entries.find((e) => e.message === 'handled')).toMatchObject({ correlationId: event.requestContext.requestId, correlationSeen: event.requestContext.requestId });
      expect(output()).not.toContain(given);
    }
  });
});

describe('bodies the scan must not choke on, and problems that must not echo', () => {
  it('refuses a body nested thousands of levels deep with 400 body-too-deep, not a 500, whatever it hides', async () => {
    for (const depth of [65, 5_000, 100_000]) {
      const res = await call(echo, post(`${'['.repeat(depth)}"${PAN}"${']'.repeat(depth)}`));
      expect(res.statusCode).toBe(400);
      expect(res.json.type).toBe('https://smartshelf.dev/problems/body-too-deep');
      expect(res.json.maxDepth).toBe(64);
      expect(res.body).not.toContain(PAN);
    }
    expect(output()).not.toContain(PAN);
    const atLimit = await call(echo, post(JSON.stringify({ ...clean, payment: JSON.parse(`${'['.repeat(62)}1${']'.repeat(62)}`) as unknown })));
    expect(atLimit.statusCode).toBe(200);
  });

  it('says where malformed JSON breaks, never what it holds', async () => {
    const res = await call(echo, post(`{"card": "${GROUPED_PAN}", oops}`));
    expect(res.statusCode).toBe(400);
    expect(res.json.type).toBe('https://smartshelf.dev/problems/malformed-json');
    expect(res.json.detail).toBe('The body is not valid JSON: the syntax breaks at line 1, column 33.');
    const bare = await call(echo, post(PAN.slice(0, 8) + 'x' + PAN));
    expect(bare.json.detail).toMatch(/^The body is not valid JSON: the syntax breaks at line 1, column \d+\.$/);
    for (const text of [res.body, bare.body, output()]) expect(text).not.toMatch(/4242|4000 0025/);
  });

  it('does not repeat the Content-Type it refuses', async () => {
    const res = await call(echo, post(JSON.stringify(clean), undefined, { 'Content-Type': `text/${PAN}` }));
    expect(res.statusCode).toBe(415);
    expect(res.body).not.toContain(PAN);
  });
});
