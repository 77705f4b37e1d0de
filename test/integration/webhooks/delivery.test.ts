import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stockAdjustedV1 } from '../../../events/inventory/stock-adjusted.v1.js';
import { LOCAL_WEBHOOK_SIGNING_KEY } from '../../../infra/local/resources.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys, PREFIXES } from '../../../shared/db/keys.js';
import { attemptDelivery, disabledEventId, WEBHOOKS_ACTOR, type DeliveryReport, type SenderDeps } from '../../../shared/webhooks/deliver.js';
import { enqueueDelivery, getDelivery } from '../../../shared/webhooks/deliveries.js';
import { DeliveryMessage, type Attempt } from '../../../shared/webhooks/delivery-model.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listSubscribers, rotateEndpointSecret, updateEndpoint } from '../../../shared/webhooks/endpoints.js';
import { fanOutEvent, type FannedOutEvent } from '../../../shared/webhooks/fan-out.js';
import { addressChecker } from '../../../shared/webhooks/url-policy.js';
import { engines, testSqs } from '../../support/engines.js';

/**
 * Webhook delivery against DynamoDB Local, fauxqs and a real receiving HTTP server: the fan-out, the sender's attempts
 * (signed, verified by the receiver with `standardwebhooks`), retries through delayed SQS messages, the delivery log,
 * duplicates, a rotation's overlap, a slow endpoint beside a fast one, and an endpoint disabled after failing for the
 * whole (here shortened) retry window. The sender runs as its Lambda would: a batch of messages in parallel.
 */

const sqs = testSqs();
let queueUrl: string;
const table = () => tableDeps({ tableName: engines().tableName });
const admin = { actor: 'admin-webhooks-test', actorKind: 'person' as const };
const endpointDeps = () => ({ ...table(), urlPolicy: { allowPrivate: true }, signingMaster: async () => LOCAL_WEBHOOK_SIGNING_KEY });

function sender(overrides: Partial<SenderDeps> = {}): SenderDeps {
  const deps = table();
  return {
    ...deps,
    sqs,
    deliveriesQueueUrl: queueUrl,
    delays: [1, 1, 1, 1, 1],
    timeoutMs: 5_000,
    signingMaster: async () => LOCAL_WEBHOOK_SIGNING_KEY,
    checkAddress: addressChecker({ allowPrivate: true }),
    loadEndpoint: (id) => getEndpoint(id, deps),
    ...overrides,
  };
}

beforeAll(async () => {
  // A queue of this file's own: the sender's messages (and its delayed retries) meet no other test's.
  ({ QueueUrl: queueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: `webhooks-deliveries-${randomUUID()}`, Attributes: { VisibilityTimeout: '30' } }))) as {
    QueueUrl: string;
  });
});

// Each test's endpoints go with it, so later fan-outs make no deliveries for them.
afterEach(async () => {
  await Promise.all([...mine].map((id) => deleteEndpoint(id, admin, table())));
  mine.clear();
});

afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  await Promise.all(receivers.map((r) => r.close()));
});

interface Received {
  headers: Record<string, string>;
  body: string;
}

type Behaviour = (req: IncomingMessage, res: ServerResponse) => unknown;

const receivers: Receiver[] = [];

/** A webhook receiver on a loopback port: it records every request and answers as told (200 unless told otherwise). */
class Receiver {
  readonly received: Received[] = [];
  /** The order things happened in, across receivers: `<name> received`, `<name> answered`. */
  behaviour: Behaviour = (_req, res) => res.writeHead(200).end('ok');
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(
    readonly name: string,
    private readonly journal: string[] = [],
  ) {
    receivers.push(this);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async listen(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        this.journal.push(`${this.name} received`);
        res.on('finish', () => this.journal.push(`${this.name} answered`));
        void this.behaviour(req, res);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening: the port refuses connections until `listen` again. */
  async close(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

/**
 * This file's endpoints. The table is shared with the other test files, whose endpoints may subscribe to the same
 * type: the fan-out makes deliveries for them too, and this file's sender leaves those alone.
 */
const mine = new Set<string>();

/** An endpoint subscribed to inventory.adjusted at `url`, with its first secret. */
async function anEndpoint(url: string): Promise<{ id: string; secret: string }> {
  const made = await createEndpoint({ url, eventTypes: ['inventory.adjusted'], enabled: true }, { ...admin, idempotencyScope: `test ${randomUUID()}` }, endpointDeps());
  mine.add(made.endpoint.id);
  return { id: made.endpoint.id, secret: made.secret! };
}

/** An inventory.adjusted event as the rule hands it to the fan-out. */
function anEvent(): FannedOutEvent {
  const data = stockAdjustedV1.schema.parse({
    adjustmentId: ulid(),
    sku: 'WEBHOOK-TEST-SKU',
    storeId: 'webhook-test-store',
    delta: 3,
    reason: 'delivery',
    actor: 'test',
    level: { sku: 'WEBHOOK-TEST-SKU', storeId: 'webhook-test-store', available: 3, reserved: 0, committed: 0, version: 1 },
  });
  return { 'detail-type': stockAdjustedV1.detailType, source: stockAdjustedV1.source, detail: { id: ulid(), version: 1, occurredAt: new Date().toISOString(), data } };
}

/** Receives the messages ready on the test queue (waiting up to `waitSeconds` for one), removing them. */
async function receive(waitSeconds = 1): Promise<DeliveryMessage[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }));
  await Promise.all(Messages.map((m) => sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }))));
  return Messages.map((m) => DeliveryMessage.parse(JSON.parse(m.Body!))).filter((m) => mine.has(m.endpointId));
}

/** Runs the sender over the queue, a batch at a time and each batch in parallel, until `done` or `timeoutMs`. */
async function pump(deps: SenderDeps, done: () => Promise<boolean>, timeoutMs = 20_000): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms; reports so far: ${JSON.stringify(reports)}`);
    reports.push(...(await Promise.all((await receive()).map((m) => attemptDelivery(deps, m)))));
  }
  return reports;
}

/** Runs the sender until the queue stays empty for a few seconds (delayed retries included). */
async function drain(deps: SenderDeps): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = [];
  for (let batch = await receive(3); batch.length > 0; batch = await receive(3)) {
    reports.push(...(await Promise.all(batch.map((m) => attemptDelivery(deps, m)))));
  }
  return reports;
}

async function attemptsOf(endpointId: string): Promise<Attempt[]> {
  const { Items = [] } = await table().db.send(
    new QueryCommand({
      TableName: engines().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attempt)',
      ExpressionAttributeValues: { ':pk': keys.webhookEndpointPartition(endpointId), ':attempt': PREFIXES.webhookAttempt },
      ConsistentRead: true,
    }),
  );
  return Items as Attempt[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhook delivery', () => {
  it('delivers a signed event that fails, times out, is refused, then recovers, each attempt in the log', async () => {
    const receiver = await new Receiver('flaky').listen();
    const { id, secret } = await anEndpoint(receiver.url);
    const event = anEvent();
    const fanned = await fanOutEvent(sender(), event);
    expect(fanned).toMatchObject({ eventType: 'inventory.adjusted', eventId: event.detail.id });
    expect(fanned.created).toBeGreaterThanOrEqual(1);
    const deliverySk = keys.webhookDelivery(id, event.detail.occurredAt, event.detail.id).sk;
    expect(await getDelivery(table(), id, deliverySk)).toMatchObject({ status: 'pending', attempts: 0, eventType: 'inventory.adjusted' });
    // A limit well above a loopback answer's time even on a busy machine, well below the sleeper's.
    const deps = sender({ timeoutMs: 3_000 });

    receiver.behaviour = (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database is down');
    await pump(deps, async () => (await attemptsOf(id)).length === 1);
    expect((await getEndpoint(id, table()))!.failingSince).toBeDefined();

    receiver.behaviour = async (_req, res) => {
      await sleep(6_000);
      res.writeHead(200).end('too late');
    };
    await pump(deps, async () => (await attemptsOf(id)).length === 2);

    await receiver.close();
    await pump(deps, async () => (await attemptsOf(id)).length === 3);

    receiver.behaviour = (_req, res) => res.writeHead(204).end();
    await receiver.listen();
    await pump(deps, async () => (await getDelivery(table(), id, deliverySk))?.status === 'succeeded');

    const log = (await attemptsOf(id)).sort((a, b) => a.n - b.n);
    expect(log.map((a) => [a.n, a.trigger, a.statusCode ?? a.error])).toEqual([
      [1, 'event', 500],
      [2, 'retry', 'timeout'],
      [3, 'retry', 'connection-refused'],
      [4, 'retry', 204],
    ]);
    expect(log[0]!.responseExcerpt).toBe('database is down');
    expect(log[1]!.durationMs).toBeGreaterThanOrEqual(3_000);
    expect(log[1]!.durationMs).toBeLessThan(6_000);
    const delivery = (await getDelivery(table(), id, deliverySk))!;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 204, deliveryId: `msg_${event.detail.id}` });
    expect(delivery.nextAttemptAt).toBeUndefined();
    expect((await getEndpoint(id, table()))!.failingSince).toBeUndefined();

    // Every request the receiver saw verifies, each with its own timestamp, all under the delivery's one webhook-id.
    const requests = receiver.received.filter((r) => r.headers['webhook-id'] === delivery.deliveryId);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(new Webhook(secret).verify(request.body, request.headers)).toEqual({
        type: 'inventory.adjusted',
        timestamp: event.detail.occurredAt,
        id: event.detail.id,
        version: 1,
        data: event.detail.data,
      });
    }
    expect(new Set(requests.map((r) => r.headers['webhook-timestamp'])).size).toBe(requests.length);
  });

  it('makes one delivery of a redelivered event, and sends it again only while it has had no attempt', async () => {
    const receiver = await new Receiver('once').listen();
    const { id } = await anEndpoint(receiver.url);
    const event = anEvent();
    const first = await fanOutEvent(sender(), event);
    expect(first.created).toBeGreaterThanOrEqual(1);
    // The first run stopped between the put and the send: the redelivery sends it (a duplicate, were the first sent).
    const again = await fanOutEvent(sender(), event);
    expect(again).toMatchObject({ created: 0, sent: first.sent });
    const messages = (await receive()).filter((m) => m.endpointId === id);
    expect(messages).toHaveLength(2);
    const reports = await Promise.all(messages.map((m) => attemptDelivery(sender(), m)));
    expect(reports.map((r) => r.result).sort()).toEqual(['stale', 'succeeded']);
    // Once attempted, another redelivery of the event sends it no more.
    await fanOutEvent(sender(), event);
    expect((await receive()).filter((m) => m.endpointId === id)).toEqual([]);
    expect(await attemptsOf(id)).toHaveLength(1);
  });

  it('delivers a duplicate SQS message twice under one webhook-id, which a receiver deduping by it applies once', async () => {
    const applied: string[] = [];
    const seen = new Set<string>();
    const receiver = await new Receiver('dedupe').listen();
    receiver.behaviour = async (req, res) => {
      const webhookId = req.headers['webhook-id'] as string;
      // Both copies arrive before either is answered: they race as two receipts of one message would.
      await sleep(200);
      if (!seen.has(webhookId)) {
        seen.add(webhookId);
        applied.push(webhookId);
      }
      res.writeHead(200).end();
    };
    const { id } = await anEndpoint(receiver.url);
    await fanOutEvent(sender(), anEvent());
    const [message] = (await receive()).filter((m) => m.endpointId === id);
    const reports = await Promise.all([attemptDelivery(sender(), message!), attemptDelivery(sender(), message!)]);

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(receiver.received[1]!.headers['webhook-id']);
    expect(applied).toHaveLength(1);
    expect(reports.map((r) => r.result).sort()).toEqual(['stale', 'succeeded']);
    expect(await attemptsOf(id)).toHaveLength(1);
    // A copy received after the attempt was recorded finds the count moved on and sends nothing.
    expect((await attemptDelivery(sender(), message!)).result).toBe('stale');
    expect(receiver.received).toHaveLength(2);
  });

  it('signs with the old and the new secret during a rotation overlap, so either verifies', async () => {
    const receiver = await new Receiver('rotating').listen();
    const { id, secret: old } = await anEndpoint(receiver.url);
    const rotated = await rotateEndpointSecret(id, 24, { ...admin, idempotencyScope: `rotate ${randomUUID()}` }, endpointDeps());
    const current = rotated.secret!;
    await fanOutEvent(sender(), anEvent());
    await pump(sender(), async () => receiver.received.length === 1);

    const [request] = receiver.received;
    expect(request!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(old).verify(request!.body, request!.headers)).not.toThrow();
    expect(() => new Webhook(current).verify(request!.body, request!.headers)).not.toThrow();
  });

  it('never lets an endpoint that sleeps hold up another endpoint’s delivery in the same batch', async () => {
    const journal: string[] = [];
    const slow = await new Receiver('slow', journal).listen();
    slow.behaviour = async (_req, res) => {
      await sleep(1_500);
      res.writeHead(200).end();
    };
    const fast = await new Receiver('fast', journal).listen();
    const [a, b] = await Promise.all([anEndpoint(slow.url), anEndpoint(fast.url)]);
    await fanOutEvent(sender(), anEvent());
    const batch = (await receive()).filter((m) => m.endpointId === a.id || m.endpointId === b.id);
    expect(batch).toHaveLength(2);
    // The slow endpoint's message first in the batch: the fast one's request still goes out, and is answered, meanwhile.
    batch.sort((x) => (x.endpointId === a.id ? -1 : 1));
    const finished: string[] = [];
    await Promise.all(batch.map(async (m) => finished.push((await attemptDelivery(sender(), m)).endpointId)));

    expect(finished).toEqual([b.id, a.id]);
    expect(journal.indexOf('fast answered')).toBeLessThan(journal.indexOf('slow answered'));
    expect(journal.indexOf('fast received')).toBeLessThan(journal.indexOf('slow answered'));
  });

  it('sends a message that came before its time on with the next hop, and does nothing else', async () => {
    const receiver = await new Receiver('early').listen();
    const { id } = await anEndpoint(receiver.url);
    const event = anEvent();
    await fanOutEvent(sender(), event);
    const [message] = (await receive()).filter((m) => m.endpointId === id);
    const early = { ...message!, notBefore: new Date(Date.now() + 3 * 60 * 60 * 1000).toISOString() };
    const report = await attemptDelivery(sender(), early);

    expect(report.result).toBe('not-due');
    expect(receiver.received).toHaveLength(0);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(Number(Attributes!.ApproximateNumberOfMessagesDelayed)).toBeGreaterThanOrEqual(1);
    expect((await getDelivery(table(), id, message!.deliverySk))!).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('replays a delivered event under its webhook-id with a new round of retries', async () => {
    const receiver = await new Receiver('replayed').listen();
    const { id, secret } = await anEndpoint(receiver.url);
    const event = anEvent();
    await fanOutEvent(sender(), event);
    const deliverySk = keys.webhookDelivery(id, event.detail.occurredAt, event.detail.id).sk;
    await pump(sender(), async () => (await getDelivery(table(), id, deliverySk))?.status === 'succeeded');

    const replayed = await enqueueDelivery(sender(), { endpointId: id, deliverySk, trigger: 'replay' });
    expect(replayed).toMatchObject({ status: 'pending', attempts: 1, roundStart: 1 });
    await pump(sender(), async () => (await attemptsOf(id)).length === 2);

    const log = (await attemptsOf(id)).sort((x, y) => x.n - y.n);
    expect(log.map((x) => [x.n, x.trigger, x.statusCode])).toEqual([
      [1, 'event', 200],
      [2, 'replay', 200],
    ]);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([`msg_${event.detail.id}`, `msg_${event.detail.id}`]);
    for (const r of receiver.received) expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
    await expect(enqueueDelivery(sender(), { endpointId: id, deliverySk: 'DELIVERY#nope', trigger: 'replay' })).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('parks the deliveries of an endpoint an admin disabled, sending nothing', async () => {
    const receiver = await new Receiver('disabled').listen();
    const { id } = await anEndpoint(receiver.url);
    const event = anEvent();
    await fanOutEvent(sender(), event);
    await updateEndpoint(id, { enabled: false, version: 1 }, { ...admin }, endpointDeps());
    const [message] = (await receive()).filter((m) => m.endpointId === id);
    expect((await attemptDelivery(sender(), message!)).result).toBe('endpoint-disabled');
    expect(receiver.received).toHaveLength(0);
    expect((await getDelivery(table(), id, message!.deliverySk))!.status).toBe('endpoint-disabled');
  });

  it('disables an endpoint that failed for the whole retry window, once: audit, subscriptions and the event', async () => {
    const receiver = await new Receiver('gone').listen();
    const { id } = await anEndpoint(receiver.url);
    await receiver.close();
    const deps = sender({ delays: [1, 1, 1] });
    // Two events fail side by side, so two failures reach the end of the window at about the same time.
    const events = [anEvent(), anEvent()];
    await Promise.all(events.map((e) => fanOutEvent(deps, e)));
    const reports = await pump(deps, async () => (await getEndpoint(id, table()))!.enabled === false);
    reports.push(...(await drain(deps)));

    const endpoint = (await getEndpoint(id, table()))!;
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(reports.filter((r) => r.endpointDisabled)).toHaveLength(1);
    expect(await listSubscribers('inventory.adjusted', table())).not.toContain(id);

    const { Items: audit = [] } = await table().db.send(
      new QueryCommand({
        TableName: engines().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.audit('webhook-endpoint', id, '', '').pk },
      }),
    );
    const disabling = audit.filter((e) => e.action === 'disable');
    expect(disabling).toHaveLength(1);
    expect(disabling[0]).toMatchObject({ actor: WEBHOOKS_ACTOR, actorKind: 'system', after: { enabled: false, disabledReason: 'failing' } });

    const { Item: outbox } = await table().db.send(
      new GetCommand({ TableName: engines().tableName, Key: keys.outboxEvent(disabledEventId(id, endpoint.failingSince!)), ConsistentRead: true }),
    );
    expect(outbox).toMatchObject({ source: 'smartshelf.webhooks', detailType: 'webhook-endpoint.disabled' });
    expect(JSON.parse(outbox!.detail as string).data).toMatchObject({ endpointId: id, reason: 'failing', failingSince: endpoint.failingSince });
    expect(JSON.stringify(outbox)).not.toContain(String(receiver.port));

    // Its deliveries wait: a replay while it is disabled parks, and once its owner enables it again one goes through.
    const deliverySk = keys.webhookDelivery(id, events[0]!.detail.occurredAt, events[0]!.detail.id).sk;
    // Given up, or parked if its last retry came after the other delivery's failure disabled the endpoint.
    expect(['failed', 'endpoint-disabled']).toContain((await getDelivery(table(), id, deliverySk))!.status);
    await enqueueDelivery(deps, { endpointId: id, deliverySk, trigger: 'replay' });
    expect((await drain(deps)).map((r) => r.result)).toEqual(['endpoint-disabled']);
    expect((await getDelivery(table(), id, deliverySk))!.status).toBe('endpoint-disabled');
    await updateEndpoint(id, { enabled: true, version: endpoint.version }, { ...admin }, endpointDeps());
    await receiver.listen();
    await enqueueDelivery(deps, { endpointId: id, deliverySk, trigger: 'replay' });
    expect((await drain(deps)).map((r) => r.result)).toEqual(['succeeded']);
    expect(receiver.received).toHaveLength(1);
  });
});
