import type { APIGatewayProxyEvent } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as generateSlotsHandler } from '../../../functions/fulfillment/generate-slots.js';
import { handler as listSlotsHandler } from '../../../functions/fulfillment/list-slots.js';
import { dynamo } from '../../../shared/db/client.js';
import { addDays, localDateOf } from '../../../shared/fulfillment/local-time.js';
import type { Store } from '../../../shared/stores/model.js';
import { storeItem } from '../../../shared/stores/repository.js';
import { SAMPLE_STORES } from '../../../shared/stores/seed.js';
import { engines } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';

/** The slot handlers behind the full stack, against DynamoDB Local, at the real time of the run. */

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

async function list(storeId: string, query?: Record<string, string>) {
  const event: APIGatewayProxyEvent = apiEvent({ method: 'GET', resource: '/stores/{id}/slots', pathParameters: { id: storeId }, query });
  const response = await (listSlotsHandler as unknown as Handler)(event, lambdaContext());
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
}

const store: Store = {
  ...SAMPLE_STORES[0]!,
  id: `slots-handler-${Date.now().toString(36)}`,
  fulfillmentModes: ['delivery'],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('slot handlers', () => {
  it('generates every open store week from the schedule, then lists it over HTTP', async () => {
    await dynamo.send(new PutCommand({ TableName: engines().tableName, Item: storeItem(store) }));
    const report = await generateSlotsHandler(undefined, lambdaContext('fulfillment-generate-slots'));
    expect(report.created + report.existing).toBeGreaterThanOrEqual(7 * 13);

    const { status, json } = await list(store.id, { mode: 'delivery' });
    expect(status).toBe(200);
    expect(json.items).toHaveLength(7 * 13);
  });

  it.each([
    [{ mode: 'drone' }, 'query.mode'],
    [{ date: 'tomorrow' }, 'query.date'],
    [{ date: '2026-02-30' }, 'query.date'],
    [{ when: 'today' }, 'query'],
  ])('answers 400 naming the field for %j', async (query, field) => {
    const { status, json } = await list(store.id, query);
    expect(status).toBe(400);
    expect((json.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
  });

  it('answers 400 for a store id that cannot be one', async () => {
    const { status, json } = await list('Not A Store!');
    expect([status, (json.errors as { field: string }[])[0]?.field]).toEqual([400, 'path.id']);
  });

  it('answers 400 with a clear detail for yesterday and for a date beyond 14 days', async () => {
    const today = localDateOf(new Date(), store.timezone);
    const past = await list(store.id, { date: addDays(today, -1) });
    expect([past.status, past.json.detail]).toEqual([400, `The date ${addDays(today, -1)} is in the past: today at ${store.id} (Europe/London) is ${today}.`]);
    const far = await list(store.id, { date: addDays(today, 15) });
    expect(far.status).toBe(400);
    expect(far.json.detail).toMatch(/is more than 14 days ahead/);
  });

  it('answers 404 problem for an unknown store', async () => {
    const { status, json } = await list('no-such-store');
    expect([status, json.type, json.detail]).toEqual([404, 'https://smartshelf.dev/problems/not-found', 'Store no-such-store does not exist.']);
  });
});
