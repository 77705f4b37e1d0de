import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, Context, SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as processBillingWebhook } from '../../../functions/billing/process-webhook.js';
import { handler as receiveBillingWebhook } from '../../../functions/billing/receive-webhook.js';
import { handler as createCategory } from '../../../functions/catalog/create-category.js';
import { handler as getImport } from '../../../functions/catalog/get-import.js';
import { handler as getProduct } from '../../../functions/catalog/get-product.js';
import { handler as listProducts } from '../../../functions/catalog/list-products.js';
import { handler as processImport } from '../../../functions/catalog/process-import.js';
import { handler as startImport } from '../../../functions/catalog/start-import.js';
import { handler as uploadImage } from '../../../functions/catalog/upload-product-image.js';
import { handler as processPaymentWebhook } from '../../../functions/payments/process-webhook.js';
import { handler as receivePaymentWebhook } from '../../../functions/payments/receive-webhook.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { signWebhook } from '../../../shared/billing/signing.js';
import { COLUMNS } from '../../../shared/catalog/import/columns.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { findPans, findPanSpans, REDACTED_PAN } from '../../../shared/privacy/pan.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext, type EventInput } from '../../support/lambda.js';
import { itemAt } from '../catalog/fixtures.js';

/**
 * A card number sent through each way into the platform, into the real handlers on DynamoDB Local, SQS and S3:
 * a JSON body, a query string, a path parameter, the correlation id, an Idempotency-Key, a multipart field and file
 * name, an import row, and a Stripe and a billing webhook. Each is refused, replaced or redacted; afterwards no table
 * item (outbox events included), no queued message and no line the handlers logged holds any of them.
 */

// Before any import builds the logger or reads the secrets: every level printed and events logged whole, so the
// check sees whatever the handlers could ever log.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  process.env.STRIPE_WEBHOOK_SECRET = 'whsec_it_cards_0123456789';
  process.env.BILLING_WEBHOOK_SECRET = 'billing_it_cards_0123456789';
  delete process.env.STRIPE_WEBHOOK_SECRET_PREVIOUS;
  delete process.env.BILLING_WEBHOOK_SECRET_PREVIOUS;
});

/** One card per way in, each in another spelling, so a leak says which way it came. */
const CARDS = {
  body: '4242 4242 4242 4242',
  bodyNumber: 5555555555554444,
  query: '5555-5555-5555-4444',
  path: '4000002760003184',
  correlation: '378282246310005',
  idempotency: '6011.1111.1111.1117',
  multipartField: '3056 930902 5904',
  fileName: '4000_0000_0000_0002',
  importRow: '4000/0000/0000/9995',
  stripe: '4000 0025 0000 3155',
  billing: '4000-0000-0000-0069',
} as const;
const digitsOf = (card: string | number) => String(card).replace(/\D/g, '');
const CARD_DIGITS = Object.values(CARDS).map(digitsOf);

/** Whether a value holds one of the cards above in any spelling: the digits of a string or number, separators dropped. */
const holdsOurCard = (leaf: string) => CARD_DIGITS.some((d) => leaf.replace(/\D/g, '').includes(d));

/** Whether an item holds anything card-like, JSON kept as text (an outbox item's envelope) read as the JSON it is. */
function cardLike(item: Record<string, unknown>): boolean {
  const expanded = JSON.parse(JSON.stringify(item), (_, value: unknown) => {
    if (typeof value !== 'string' || !/^[[{]/.test(value)) return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }) as unknown;
  return findPans(expanded).length > 0;
}

/** Every string and number in a value, and every member name: each checked on its own, so digits of unrelated fields never run together. */
function leaves(value: unknown): string[] {
  const out: string[] = [];
  JSON.stringify(value, (key, member: unknown) => {
    if (key !== '') out.push(key);
    if (typeof member === 'string' || typeof member === 'number') out.push(String(member));
    return member;
  });
  return out;
}

const run = randomBytes(4).toString('hex');
const manager: Principal = { subject: 'user-cards', kind: 'user', roles: ['head-office'], scopes: ['catalog:write', 'catalog:import'], stores: ['*'] };

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

async function call(handler: unknown, input: EventInput) {
  const event = apiEvent(input);
  const response = await (handler as Handler)(event, lambdaContext());
  return { event, status: response.statusCode, headers: response.headers ?? {}, body: response.body, json: JSON.parse(response.body || 'null') as Record<string, unknown> };
}

function sqsRecord(body: string): SQSRecord {
  return {
    messageId: `m-${randomBytes(4).toString('hex')}`,
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:queue',
    awsRegion: 'eu-west-2',
  };
}

const longContext = (): Context => ({ ...lambdaContext('catalog-process-import'), getRemainingTimeInMillis: () => 900_000 });
const json = { 'Content-Type': 'application/json' };
const fieldsOf = (problem: Record<string, unknown>) => ((problem.errors ?? []) as { field: string }[]).map((e) => e.field);

const logged: string[] = [];
beforeAll(() => {
  const capture = (chunk: unknown): boolean => {
    logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** Every item of the table (other files' included, so anything written by any way in is seen). */
async function allItems(): Promise<Record<string, unknown>[]> {
  const segments = 4;
  const pages = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await dynamo.send(new ScanCommand({ TableName: engines().tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    }),
  );
  return pages.flat();
}

describe('card numbers through every way in', () => {
  let categoryId = '';
  let categoryPath = '';

  it('refuses one in a JSON body, as text or as a number, and creates nothing', async () => {
    const inName = await call(createCategory, { method: 'POST', resource: '/categories', headers: json, principal: manager, body: JSON.stringify({ slug: `cards-${run}`, name: `Cards ${CARDS.body}` }) });
    expect(inName.status).toBe(400);
    expect(inName.json.type).toBe('https://smartshelf.dev/problems/card-number-refused');
    expect(fieldsOf(inName.json)).toEqual(['body.name']);
    const asNumber = await call(createCategory, { method: 'POST', resource: '/categories', headers: json, principal: manager, body: `{"slug":"cards-${run}","name":"Cards","tags":[${CARDS.bodyNumber}]}` });
    expect(fieldsOf(asNumber.json)).toEqual(['body.tags.0']);
  });

  it('replaces a card-like correlation id by the request id, in the answer, the log and the outbox event', async () => {
    const res = await call(createCategory, {
      method: 'POST',
      resource: '/categories',
      headers: { ...json, 'X-Correlation-Id': CARDS.correlation },
      principal: manager,
      body: JSON.stringify({ slug: `cards-${run}`, name: 'Cards' }),
    });
    expect(res.status).toBe(201);
    categoryId = res.json.id as string;
    categoryPath = res.json.path as string;
    expect(res.headers['x-correlation-id']).toBe(res.event.requestContext.requestId);
    const outbox = await allItems().then((items) => items.filter((item) => item.entityType === 'OutboxEvent' && String(item.detail).includes(categoryId)));
    expect(outbox.length).toBeGreaterThan(0);
    for (const item of outbox) expect(JSON.parse(item.detail as string)).toMatchObject({ correlationId: res.event.requestContext.requestId });
  });

  it('refuses one in the query string or a path parameter', async () => {
    const inQuery = await call(listProducts, { method: 'GET', resource: '/products', query: { q: CARDS.query } });
    expect(inQuery.status).toBe(400);
    expect(fieldsOf(inQuery.json)).toEqual(['query.q']);
    const inPath = await call(getProduct, { method: 'GET', resource: '/products/{id}', pathParameters: { id: CARDS.path } });
    expect(inPath.status).toBe(400);
    expect(fieldsOf(inPath.json)).toEqual(['path.id']);
  });

  it('refuses one as the Idempotency-Key before any idempotency record or import exists', async () => {
    const res = await call(startImport, {
      method: 'POST',
      resource: '/products/import',
      headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': CARDS.idempotency },
      principal: manager,
      body: `${COLUMNS.join(',')}\n`,
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.json)).toEqual(['header.idempotency-key']);
  });

  it('refuses one in a multipart field or file name', async () => {
    const boundary = `cards-${run}`;
    const form = (field: string, filename: string) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n${field}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\nnot a png\r\n--${boundary}--\r\n`,
      ).toString('base64');
    const upload = (body: string) =>
      call(uploadImage, {
        method: 'POST',
        resource: '/products/{id}/images',
        pathParameters: { id: '01JD8Z4Q7W5X3N2M1K0H9G8F7E' },
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body,
        isBase64Encoded: true,
        principal: manager,
      });
    expect(fieldsOf((await upload(form(`my card ${CARDS.multipartField}`, 'a.png'))).json)).toEqual(['body.caption']);
    expect(fieldsOf((await upload(form('oranges', `${CARDS.fileName}.png`))).json)).toEqual(['body.file.filename']);
  });

  it('imports the clean rows of a file and reports the row with a card number by its column alone, storing nothing of it', async () => {
    const row = (sku: string, description: string, barcode: string) => {
      const cells: Record<string, string> = {
        product_slug: `cards-${sku.toLowerCase()}`,
        product_name: 'Oranges',
        description,
        category_path: categoryPath,
        tax_category: 'food',
        sku,
        variant_name: '1 kg',
        sold_by: 'each',
        price: '250',
        currency: 'GBP',
        barcode,
      };
      return COLUMNS.map((column) => cells[column] ?? '').join(',');
    };
    const good = `CARDS-${run}-OK`.toUpperCase();
    const bad = `CARDS-${run}-BAD`.toUpperCase();
    // 4000000000006 passes Luhn too: a barcode that must not be taken for a 13-digit card.
    const csv = `${COLUMNS.join(',')}\n${row(good, 'Sweet', '4000000000006')}\n${row(bad, `call me: card ${CARDS.importRow}`, '4006381333931')}\n`;
    const started = await call(startImport, { method: 'POST', resource: '/products/import', headers: { 'Content-Type': 'text/csv' }, principal: manager, body: csv });
    expect(started.status).toBe(202);
    const jobId = started.json.id as string;
    const message = await takeMessage('catalog-import', (body) => (body as { jobId?: string }).jobId === jobId);
    expect(await processImport({ Records: [sqsRecord(JSON.stringify(message))] }, longContext())).toEqual({ batchItemFailures: [] });
    const view = await call(getImport, { method: 'GET', resource: '/imports/{id}', pathParameters: { id: jobId }, principal: manager });
    expect(view.json).toMatchObject({ status: 'completed', counts: { total: 2, created: 1, failed: 1 } });
    expect(view.json.errors).toEqual([{ row: 3, sku: bad, field: 'description', message: expect.stringMatching(/card number/) }]);
    expect(await itemAt(keys.sku(bad))).toBeUndefined();
    expect(await itemAt(keys.sku(good))).toBeDefined();
  });

  it('redacts one in a Stripe webhook before it is queued, and applies the event', async () => {
    const intentId = `pi_cards${run}`;
    const event = {
      id: `evt_cards${run}`,
      object: 'event',
      type: 'payment_intent.created',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: intentId,
          object: 'payment_intent',
          status: 'requires_payment_method',
          amount: 1250,
          amount_received: 0,
          currency: 'gbp',
          description: `typed by the shopper: ${CARDS.stripe}`,
          metadata: { orderId: `order-cards-${run}`, note: CARDS.stripe },
        },
      },
    };
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_it_cards_0123456789' });
    const res = await call(receivePaymentWebhook, { method: 'POST', resource: '/webhooks/payments', headers: { 'content-type': 'application/json', 'Stripe-Signature': signature }, body: payload });
    expect(res.status).toBe(200);
    const queued = (await takeMessage('payments-webhooks', (body) => (body as { id?: string }).id === event.id)) as typeof event;
    expect(queued.data.object.metadata).toEqual({ orderId: `order-cards-${run}`, note: REDACTED_PAN });
    expect(await processPaymentWebhook({ Records: [sqsRecord(JSON.stringify(queued))] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await itemAt(keys.payment(intentId))).toMatchObject({ status: 'created', orderId: `order-cards-${run}` });
  });

  it('redacts one in a billing webhook before it is queued, and applies the event', async () => {
    const event = { id: `evt_cards_${run}`, type: 'customer.note_added', created: Math.floor(Date.now() / 1000), data: { object: { note: `card ${CARDS.billing}` } } };
    const body = JSON.stringify(event);
    const res = await call(receiveBillingWebhook, {
      method: 'POST',
      resource: '/webhooks/billing',
      headers: { 'content-type': 'application/json', 'Billing-Signature': signWebhook(body, 'billing_it_cards_0123456789') },
      body,
    });
    expect(res.status).toBe(200);
    const queued = (await takeMessage('billing-webhooks', (message) => (message as { id?: string }).id === event.id)) as typeof event;
    expect(queued.data.object.note).toBe(`card ${REDACTED_PAN}`);
    expect(await processBillingWebhook({ Records: [sqsRecord(JSON.stringify(queued))] }, lambdaContext())).toEqual({ batchItemFailures: [] });
  });

  it('leaves no card number in any table item, outbox event or log line', async () => {
    expect(categoryId).not.toBe('');
    const items = await allItems();
    expect(items.length).toBeGreaterThan(0);
    // Every item is searched for these cards; this run's items (and their outbox events, stored JSON included) for anything card-like.
    const leaks = items.filter((item) => leaves(item).some(holdsOurCard) || (JSON.stringify(item).includes(run) && cardLike(item)));
    expect(leaks).toEqual([]);

    const lines = logged.join('').split('\n');
    expect(lines.some((line) => line.includes('card-number-refused'))).toBe(true);
    expect(lines.some((line) => line.includes('card-like values redacted'))).toBe(true);
    expect(lines.filter((line) => findPanSpans(line).length > 0 || CARD_DIGITS.some((d) => line.includes(d)) || Object.values(CARDS).some((card) => line.includes(String(card))))).toEqual([]);
  });
});
