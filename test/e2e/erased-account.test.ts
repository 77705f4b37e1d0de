import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../infra/local/engines/dynamodb.js';
import { keys } from '../../shared/db/keys.js';
import type { ErasureView } from '../../shared/personal-data/erasure.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, problem } from '../support/e2e.js';
import { localRuntime } from '../support/payments-sandbox.js';

/**
 * An erased account stays erased, end to end on the local platform: once `DELETE /me` has run, the same shopper's
 * token (still valid: locally one is minted for any subject, on AWS an access token lives up to an hour) gets 410
 * `account-erased` from `GET /me`, `PATCH /me` and `POST /me/addresses`, their reads find nothing, and no profile or
 * address reappears in the table.
 */

const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
const runtime = await localRuntime(inject('dataDir'));
const db = DynamoDBDocumentClient.from(localDynamoClient(runtime.endpoints.dynamodb));
afterAll(() => db.destroy());

const accountItems = async (subject: string) =>
  (
    await db.send(
      new QueryCommand({ TableName: runtime.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.shopperAccount(subject) }, ConsistentRead: true }),
    )
  ).Items ?? [];

const home = { label: 'Home', recipientName: 'Erin Erased', line1: '3 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB', isDefault: true };

describe('an erased account', () => {
  it('answers 410 account-erased to the same token’s GET /me, PATCH /me and POST /me/addresses, and nothing reappears', async () => {
    const subject = `e2e-erased-${run}`;
    const shopper = api.as({ token: await api.mintToken(subject, ['shopper']) });
    expect((await shopper.get('/me')).status).toBe(200);
    expect((await shopper.post('/me/addresses', home, { headers: { 'idempotency-key': `erased-home-${run}` } })).status).toBe(201);

    const erased = await shopper.request<ErasureView>('DELETE', '/me');
    expect(erased.status, JSON.stringify(erased.body)).toBe(202);
    await eventually('the erasure done', async () => ((await shopper.get<ErasureView>('/me/erasure')).body.status === 'erased' ? true : undefined));
    expect(await accountItems(subject)).toEqual([]);

    const gone = await problem(shopper.get('/me'), 410, 'account-erased');
    expect(gone.detail).toMatch(/erased/);
    await problem(shopper.patch('/me', { displayName: 'Back again' }, { contentType: 'application/merge-patch+json' }), 410, 'account-erased');
    await problem(shopper.post('/me/addresses', { ...home, label: 'Again' }, { headers: { 'idempotency-key': `erased-again-${run}` } }), 410, 'account-erased');
    // And a second GET /me still makes nothing: the refusal is not a one-off.
    await problem(shopper.get('/me'), 410, 'account-erased');

    // Reads find nothing, and the table holds nothing of the account: no profile, no address.
    expect((await shopper.get<{ items: unknown[] }>('/me/addresses')).body.items).toEqual([]);
    expect(await accountItems(subject)).toEqual([]);
    expect((await db.send(new GetCommand({ TableName: runtime.tableName, Key: keys.shopperProfile(subject), ConsistentRead: true }))).Item).toBeUndefined();
    // The erasure itself is kept, done.
    expect((await shopper.get<ErasureView>('/me/erasure')).body).toMatchObject({ id: erased.body.id, status: 'erased' });
  });
});
