import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tableDeps, type TableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { AppError } from '../../../shared/errors.js';
import type { CreateWebhookEndpointRequest } from '../../../shared/webhooks/endpoint-model.js';
import {
  createEndpoint,
  deleteEndpoint,
  endpointIdFor,
  getEndpoint,
  getEndpointView,
  listEndpoints,
  listSubscribers,
  rotateEndpointSecret,
  updateEndpoint,
  type EndpointDeps,
} from '../../../shared/webhooks/endpoints.js';
import { signingSecret } from '../../../shared/webhooks/signing-secrets.js';
import { engines, testDynamo } from '../../support/engines.js';

/**
 * Webhook endpoints against DynamoDB Local through the real SDK: each endpoint written with its subscription items and
 * audit entry in one transaction, found by the fan-out's one Query per event type while enabled, changed, rotated and
 * deleted under its version; racing creates make one endpoint, racing changes one change; no secret in any item.
 */

const db = testDynamo();
const MASTER = 'integration-master-key-0123456789abcdef';
const T0 = new Date('2026-12-07T09:00:00.000Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);
const deps = (now = T0, base: TableDeps = tableDeps({ db, tableName: engines().tableName })): EndpointDeps => ({
  ...base,
  now: () => now,
  urlPolicy: { allowPrivate: true },
  signingMaster: async () => MASTER,
});
const admin = { actor: 'admin-it', actorKind: 'person' as const, correlationId: 'it-correlation' };
const ctx = () => ({ ...admin, idempotencyScope: `POST /webhook-endpoints admin-it ${randomUUID()}` });
/** An event type of this run's own: the subscriber partitions are shared by every test of the table. */
const request = (over: Partial<CreateWebhookEndpointRequest> = {}): CreateWebhookEndpointRequest => ({
  url: `http://127.0.0.1:9/it/${randomUUID()}`,
  eventTypes: ['order.completed', 'order.refunded'],
  enabled: true,
  ...over,
});

async function itemsOf(pk: string) {
  const { Items = [] } = await db.send(new QueryCommand({ TableName: engines().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }));
  return Items;
}

/** Table dependencies whose first `parties` reads of an item are all answered before any of them returns. */
function bothReadFirst(parties: number): TableDeps {
  const base = tableDeps({ db, tableName: engines().tableName });
  let arrived = 0;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  const send = async (command: unknown) => {
    const answer = await base.db.send(command as GetCommand);
    if (command instanceof GetCommand && arrived < parties) {
      arrived += 1;
      if (arrived === parties) release();
      await allRead;
    }
    return answer;
  };
  return { ...base, db: { send } as unknown as TableDeps['db'] };
}

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : String(error));

describe('webhook endpoints', () => {
  it('registers an endpoint with its subscriptions and audit entry; the secret is answered, derived, and stored nowhere', async () => {
    const { endpoint, secret } = await createEndpoint(request({ description: 'WMS' }), ctx(), deps());
    expect(secret).toBe(signingSecret(MASTER, endpoint.id, 1));
    expect(endpoint).toMatchObject({ eventTypes: ['order.completed', 'order.refunded'], description: 'WMS', enabled: true, version: 1, createdBy: 'admin-it' });
    expect(await listSubscribers('order.completed', deps())).toContain(endpoint.id);
    expect(await listSubscribers('order.refunded', deps())).toContain(endpoint.id);
    expect(await listSubscribers('fulfillment.updated', deps())).not.toContain(endpoint.id);
    const stored = await getEndpoint(endpoint.id, deps());
    expect(stored).toMatchObject({ id: endpoint.id, url: endpoint.url, secretVersions: [{ version: 1, createdAt: T0.toISOString() }] });
    const audit = await itemsOf(`AUDIT#webhook-endpoint#${endpoint.id}`);
    expect(audit.map((a) => a.action)).toEqual(['create']);
    const everything = JSON.stringify([...(await itemsOf(`WEBHOOK_ENDPOINT#${endpoint.id}`)), ...audit, ...(await itemsOf('WEBHOOK_SUBSCRIBERS#order.completed'))]);
    expect(everything).not.toContain(secret!.slice('whsec_'.length));
    expect(JSON.stringify(audit)).not.toContain(endpoint.url);
  });

  it('makes one endpoint of a create retried, and of two copies racing: one answers the secret, the other the endpoint', async () => {
    const scope = ctx();
    const body = request();
    const first = await createEndpoint(body, scope, deps());
    const retried = await createEndpoint(body, scope, deps());
    expect(retried).toEqual({ endpoint: first.endpoint });
    await expect(createEndpoint({ ...body, description: 'other' }, scope, deps())).rejects.toMatchObject({ code: 'idempotency-key-reused' });

    const racing = ctx();
    const together = bothReadFirst(2);
    const both = await Promise.all([createEndpoint(body, racing, deps(T0, together)), createEndpoint(body, racing, deps(T0, together))]);
    expect(both.map((b) => b.endpoint.id)).toEqual([endpointIdFor(racing.idempotencyScope), endpointIdFor(racing.idempotencyScope)]);
    expect(both.filter((b) => b.secret !== undefined)).toHaveLength(1);
    expect((await itemsOf(`AUDIT#webhook-endpoint#${endpointIdFor(racing.idempotencyScope)}`)).length).toBe(1);
  });

  it('moves the subscriptions with the event types and the enabled state, and clears a failure state on enabling', async () => {
    const { endpoint } = await createEndpoint(request(), ctx(), deps());
    const id = endpoint.id;
    const changed = await updateEndpoint(id, { version: 1, eventTypes: ['order.refunded', 'fulfillment.updated'] }, admin, deps(hours(1)));
    expect(changed.version).toBe(2);
    expect(await listSubscribers('order.completed', deps())).not.toContain(id);
    expect(await listSubscribers('fulfillment.updated', deps())).toContain(id);
    expect((await itemsOf('WEBHOOK_SUBSCRIBERS#order.completed')).map((i) => i.endpointId)).not.toContain(id);

    // As the sender leaves an endpoint failing past its window: disabled, with its subscriptions, under its version.
    await db.send(
      new UpdateCommand({
        TableName: engines().tableName,
        Key: keys.webhookEndpoint(id),
        UpdateExpression: 'SET enabled = :no, disabledReason = :failing, disabledAt = :at, failingSince = :since, #version = :next',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':no': false, ':failing': 'failing', ':at': hours(2).toISOString(), ':since': hours(1).toISOString(), ':next': 3 },
      }),
    );
    for (const type of ['order.refunded', 'fulfillment.updated']) {
      await db.send(new UpdateCommand({ TableName: engines().tableName, Key: keys.webhookSubscriber(type, id), UpdateExpression: 'SET enabled = :no', ExpressionAttributeValues: { ':no': false } }));
    }
    expect(await listSubscribers('order.refunded', deps())).not.toContain(id);
    const disabled = await getEndpointView(id, deps());
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'failing', failingSince: hours(1).toISOString() });

    const enabled = await updateEndpoint(id, { enabled: true }, { ...admin, ifMatch: '"3"' }, deps(hours(3)));
    expect(enabled).toMatchObject({ enabled: true, version: 4 });
    expect(enabled).not.toHaveProperty('disabledReason');
    expect(enabled).not.toHaveProperty('failingSince');
    expect(await listSubscribers('order.refunded', deps())).toContain(id);
    expect(await listSubscribers('fulfillment.updated', deps())).toContain(id);

    const off = await updateEndpoint(id, { version: 4, enabled: false }, admin, deps(hours(4)));
    expect(off).toMatchObject({ enabled: false, disabledReason: 'manual', disabledAt: hours(4).toISOString() });
    expect(await listSubscribers('fulfillment.updated', deps())).not.toContain(id);
    expect((await itemsOf(`AUDIT#webhook-endpoint#${id}`)).map((a) => a.action)).toEqual(['create', 'update', 'update', 'update']);
  });

  it('lets one of two changes under the same version win, and the other is a version mismatch', async () => {
    const { endpoint } = await createEndpoint(request(), ctx(), deps());
    const racing = bothReadFirst(2);
    const outcomes = await Promise.allSettled([
      updateEndpoint(endpoint.id, { version: 1, description: 'one' }, admin, deps(hours(1), racing)),
      updateEndpoint(endpoint.id, { version: 1, description: 'two' }, admin, deps(hours(1), racing)),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => codeOf((o as PromiseRejectedResult).reason))).toEqual(['version-mismatch']);
    expect((await getEndpointView(endpoint.id, deps())).version).toBe(2);
  });

  it('rotates with an overlap, both secrets active until it ends; of two rotations racing one wins, the other is a version mismatch', async () => {
    const { endpoint, secret: first } = await createEndpoint(request(), ctx(), deps());
    const rotation = ctx();
    const rotated = await rotateEndpointSecret(endpoint.id, 24, rotation, deps(hours(1)));
    expect(rotated.secret).toBe(signingSecret(MASTER, endpoint.id, 2));
    expect(rotated.secret).not.toBe(first);
    expect(rotated.endpoint.secretVersions).toEqual([
      { version: 1, createdAt: T0.toISOString(), expiresAt: hours(25).toISOString() },
      { version: 2, createdAt: hours(1).toISOString() },
    ]);
    expect(await rotateEndpointSecret(endpoint.id, 24, rotation, deps(hours(2)))).toEqual({ endpoint: (await getEndpointView(endpoint.id, deps(hours(2)))) });
    expect((await getEndpointView(endpoint.id, deps(hours(26)))).secretVersions.map((v) => v.version)).toEqual([2]);

    const racing = bothReadFirst(2);
    const outcomes = await Promise.allSettled([rotateEndpointSecret(endpoint.id, 0, ctx(), deps(hours(3), racing)), rotateEndpointSecret(endpoint.id, 0, ctx(), deps(hours(3), racing))]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => codeOf((o as PromiseRejectedResult).reason))).toEqual(['version-mismatch']);
    expect((await getEndpointView(endpoint.id, deps(hours(3)))).secretVersions.map((v) => v.version)).toEqual([3]);
  });

  it('deletes an endpoint with its subscriptions, under If-Match when given', async () => {
    const { endpoint } = await createEndpoint(request(), ctx(), deps());
    await expect(deleteEndpoint(endpoint.id, { ...admin, ifMatch: '"2"' }, deps())).rejects.toMatchObject({ code: 'version-mismatch' });
    await deleteEndpoint(endpoint.id, { ...admin, ifMatch: '"1"' }, deps(hours(1)));
    expect(await getEndpoint(endpoint.id, deps())).toBeUndefined();
    expect(await listSubscribers('order.completed', deps())).not.toContain(endpoint.id);
    expect((await itemsOf(`AUDIT#webhook-endpoint#${endpoint.id}`)).map((a) => a.action)).toEqual(['create', 'delete']);
    await expect(deleteEndpoint(endpoint.id, admin, deps())).rejects.toMatchObject({ code: 'not-found' });
  });

  it('lists endpoints newest first, a page at a time', async () => {
    const later = hours(1000 + Math.random());
    const made = [];
    for (let i = 0; i < 3; i += 1) made.push((await createEndpoint(request(), ctx(), deps(new Date(later.getTime() + i * 1000)))).endpoint.id);
    const first = await listEndpoints({ limit: 2 }, deps());
    expect(first.items.map((e) => e.id)).toEqual([made[2], made[1]]);
    const second = await listEndpoints({ limit: 2, cursor: first.nextCursor! }, deps());
    expect(second.items[0]!.id).toBe(made[0]);
  });
});
