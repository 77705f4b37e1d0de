import { randomBytes } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { handler as processWebhook } from '../../../functions/orders/process-courier-webhook.js';
import { handler as receiveWebhook } from '../../../functions/orders/receive-courier-webhook.js';
import sample from '../../../integration-files/couriers/samples/webhook.tracking.updated.json' with { type: 'json' };
import type { CourierStatus, CourierTrackingEvent, CourierWebhookEvent } from '../../../shared/couriers/model.js';
import { signCourierWebhook } from '../../../shared/couriers/signing.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { applyCourierEvent, COURIER_WEBHOOK_CONSUMER, ShipmentNotYetKnownError, type CourierEventOutcome } from '../../../shared/orders/courier-tracking.js';
import { fulfil } from '../../../shared/orders/fulfilment.js';
import type { Order } from '../../../shared/orders/model.js';
import { getOrderRecord, putNewOrder } from '../../../shared/orders/repository.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { anOrder } from '../../unit/orders/fixtures.js';
import { itemAt } from '../catalog/fixtures.js';

// The handler's configuration is read when it is imported, so the keys must be in place before the imports run.
const secrets = vi.hoisted(() => {
  const values = { current: 'courier_it_new_key_0123456789', previous: 'courier_it_old_key_0123456789' };
  process.env.COURIER_WEBHOOK_SECRET = values.current;
  process.env.COURIER_WEBHOOK_SECRET_PREVIOUS = values.previous;
  return values;
});

const COURIER = 'sandbox-courier';
const token = () => randomBytes(6).toString('hex');
const deps = () => tableDeps({ tableName: engines().tableName });
/** A ULID-shaped id of our own, unique per test. */
const ulidLike = () => `01KB${randomBytes(11).toString('hex').toUpperCase()}`;

function post(body: string, signature: string | undefined) {
  return receiveWebhook(
    apiEvent({ method: 'POST', resource: '/webhooks/orders', headers: { 'content-type': 'application/json', ...(signature ? { 'Courier-Signature': signature } : {}) }, body }),
    lambdaContext(),
  );
}

/**
 * A completed delivery order, packed, with one shipment dispatched by the courier (booked as `shp_<…>`), stored as the
 * dispatch leaves it; or, with `stored: false`, only built.
 */
async function dispatchedOrder(stored = true): Promise<{ order: Order; shipmentId: string; courierShipmentId: string }> {
  const at = new Date();
  const base = anOrder({
    id: ulidLike(),
    status: 'completed',
    fulfillment: { mode: 'delivery', slotId: '2030-03-05T08:00Z~delivery', address: { line1: '4 Bermondsey Square', city: 'London', postcode: 'SE1 3UN', country: 'GB' } },
    payment: { authorized: 1090, captured: 1000, refunded: 0, status: 'captured' },
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  });
  const [milk, cheddar] = base.lines as [Order['lines'][number], Order['lines'][number]];
  const packed = fulfil(base, { type: 'pack', zones: [{ zone: 'chilled', bags: 1, lineIds: [milk.lineId, cheddar.lineId] }] }, at, 'pat').order;
  const shipmentId = ulidLike();
  const courierShipmentId = `shp_${token()}`;
  const dispatched = fulfil(
    packed,
    {
      type: 'dispatch',
      shipment: {
        id: shipmentId,
        carrier: COURIER,
        lines: [
          { lineId: milk.lineId, sku: milk.sku, quantity: 2 },
          { lineId: cheddar.lineId, sku: cheddar.sku, quantity: 500 },
        ],
        stockMoves: [
          { lineId: milk.lineId, sku: milk.sku, quantity: 2 },
          { lineId: cheddar.lineId, sku: cheddar.sku, quantity: 500 },
        ],
        trackingNumber: `CX${token()}GB`,
        trackingUrl: 'https://track.courier.example.com/CX1GB',
        booking: { reference: courierShipmentId },
      },
    },
    at,
    'pat',
  ).order;
  if (stored) await putNewOrder(deps(), dispatched);
  return { order: dispatched, shipmentId, courierShipmentId };
}

/** The courier's events of one shipment, in the courier's order: each one millisecond after the one before. */
function trackingEvents(
  target: { order: Order; shipmentId: string; courierShipmentId: string },
  steps: readonly (CourierStatus | { status: 'delivery_failed'; failureReason: CourierTrackingEvent['failureReason'] })[],
): CourierWebhookEvent[] {
  const start = Date.now() - 60_000;
  return steps.map((step, i) => {
    const status = typeof step === 'string' ? step : step.status;
    const eventId = `evt_${token()}`;
    const object: CourierTrackingEvent = {
      eventId,
      shipmentId: target.courierShipmentId,
      reference: `${target.order.id}/${target.shipmentId}`,
      trackingNumber: 'CX1GB',
      status,
      sequence: i + 2,
      occurredAt: new Date(start + i * 1_000).toISOString(),
      description: status,
      ...(typeof step === 'string' ? {} : { failureReason: step.failureReason }),
    };
    return { id: eventId, type: 'tracking.updated', created: Math.floor(Date.now() / 1000), data: { object } };
  });
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const HAPPY: CourierStatus[] = ['collected', 'in_transit', 'out_for_delivery', 'delivered'];

/** The fulfillment.updated events of an order's versions after `from`, as written to the outbox. */
async function fulfilmentEvents(orderId: string, from: number, to: number): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let version = from + 1; version <= to; version += 1) {
    const item = await itemAt(keys.outboxEvent(`fulfillment-${orderId}-v${version}`));
    if (item) found.push((JSON.parse(item.detail as string) as { data: Record<string, unknown> }).data);
  }
  return found;
}

describe('POST /webhooks/orders', () => {
  it('accepts a tracking event signed with the current key, the previous one, or both, and queues its raw body', async () => {
    for (const keysUsed of [[secrets.current], [secrets.previous], [secrets.previous, secrets.current]]) {
      const id = `evt_${token()}`;
      const event = { ...sample, id, data: { object: { ...sample.data.object, eventId: id } } };
      const body = JSON.stringify(event, null, 2);
      const response = await post(body, signCourierWebhook(body, keysUsed));
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ received: true });
      expect(await takeMessage('courier-webhooks', (b) => (b as { id?: string }).id === id)).toEqual(event);
    }
  });

  it('refuses a forged, missing or tampered signature with 401, a stale or future one and a malformed body with 400, and queues none of them', async () => {
    const ids = [0, 1, 2, 3, 4, 5].map(() => `evt_${token()}`);
    const bodies = ids.map((id) => JSON.stringify({ ...sample, id, data: { object: { ...sample.data.object, eventId: id } } }));
    const [forged, missing, tampered, stale, future, malformed] = bodies as [string, string, string, string, string, string];
    const notTracking = JSON.stringify({ ...JSON.parse(malformed), data: { object: { ...sample.data.object, eventId: ids[5], status: 'lost' } } });
    const responses = [
      await post(forged, signCourierWebhook(forged, ['someone_elses_key'])),
      await post(missing, undefined),
      await post(tampered.replace('out_for_delivery', 'delivered'), signCourierWebhook(tampered, [secrets.current])),
      await post(stale, signCourierWebhook(stale, [secrets.current], Date.now() - 301_000)),
      await post(future, signCourierWebhook(future, [secrets.current], Date.now() + 301_000)),
      await post(notTracking, signCourierWebhook(notTracking, [secrets.current])),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 401, 400, 400, 400]);
    for (const response of responses) expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(responses.map((r) => (JSON.parse(r.body) as { type: string }).type.split('/').at(-1))).toEqual([
      'bad-webhook-signature',
      'bad-webhook-signature',
      'bad-webhook-signature',
      'stale-webhook',
      'stale-webhook',
      'malformed-webhook',
    ]);
    const refused = new Set(ids);
    await expect(takeMessage('courier-webhooks', (b) => refused.has((b as { id: string }).id), 2_000)).rejects.toThrow(/no matching message/);
  });

  it('queues a signed event with anything that reads as a card number redacted', async () => {
    const id = `evt_${token()}`;
    const event = { ...sample, id, data: { object: { ...sample.data.object, eventId: id, description: 'Left with 4242 4242 4242 4242 at no. 4' } } };
    const body = JSON.stringify(event);
    expect((await post(body, signCourierWebhook(body, [secrets.current]))).statusCode).toBe(200);
    const queued = (await takeMessage('courier-webhooks', (b) => (b as { id?: string }).id === id)) as typeof event;
    expect(JSON.stringify(queued)).not.toMatch(/4242[ -]?4242[ -]?4242[ -]?4242/);
    expect(queued.data.object).toMatchObject({ status: sample.data.object.status, reference: sample.data.object.reference });
  });

  it('answers a signed event of a type it does not act on with 200, and queues nothing', async () => {
    const id = `evt_${token()}`;
    const body = JSON.stringify({ id, type: 'invoice.created', created: Math.floor(Date.now() / 1000), data: { object: { invoice: 'in_1' } } });
    expect((await post(body, signCourierWebhook(body, [secrets.current]))).statusCode).toBe(200);
    await expect(takeMessage('courier-webhooks', (b) => (b as { id: string }).id === id, 1_500)).rejects.toThrow(/no matching message/);
  });
});

describe('orders-process-courier-webhook', () => {
  it('applies a shipment’s events delivered 5 times each and shuffled once, in the courier’s order: delivered wins', async () => {
    const target = await dispatchedOrder();
    const events = trackingEvents(target, HAPPY);
    const outcomes = new Map<string, CourierEventOutcome[]>();
    for (const event of shuffled(events.flatMap((e) => [e, e, e, e, e]))) {
      outcomes.set(event.id, [...(outcomes.get(event.id) ?? []), await applyCourierEvent(event, deps())]);
    }
    // Each event applies at most once (none when a later one overtook it); every other copy is a duplicate, or stale once
    // a later event has moved the shipment past it. The last one always applies, once.
    for (const event of events) {
      const list = outcomes.get(event.id)!;
      expect(list.filter((o) => o === 'applied').length, event.data.object.status).toBeLessThanOrEqual(1);
      expect(list.every((o) => ['applied', 'duplicate', 'stale'].includes(o))).toBe(true);
    }
    expect(outcomes.get(events.at(-1)!.id)!.filter((o) => o === 'applied')).toHaveLength(1);
    const order = (await getOrderRecord(deps(), target.order.id))!;
    const shipment = order.shipments!.find((s) => s.id === target.shipmentId)!;
    expect(shipment.status).toBe('delivered');
    expect(order.fulfillmentStatus).toBe('delivered');
    expect(order.status).toBe('completed');
    // The timeline only moves forward: dispatched, then each applied status, ending with the courier's time of delivery.
    const ranks = ['dispatched', 'in-transit', 'out-for-delivery', 'delivered'];
    const statuses = shipment.timeline.map((c) => c.status);
    expect(statuses[0]).toBe('dispatched');
    expect(statuses.at(-1)).toBe('delivered');
    expect(statuses.map((s) => ranks.indexOf(s))).toEqual([...statuses.map((s) => ranks.indexOf(s))].sort((a, b) => a - b));
    expect(shipment.timeline.at(-1)).toMatchObject({ at: events.at(-1)!.data.object.occurredAt, actor: `courier:${COURIER}` });
    // One version, one fulfillment.updated, per applied event.
    const applied = events.filter((e) => outcomes.get(e.id)!.includes('applied'));
    expect(order.version).toBe(target.order.version + applied.length);
    const announced = await fulfilmentEvents(order.id, target.order.version, order.version);
    expect(announced).toHaveLength(applied.length);
    expect(announced.at(-1)).toMatchObject({ orderId: order.id, event: 'courier-update', status: 'delivered', shipment: { id: target.shipmentId, status: 'delivered', carrier: COURIER } });
    for (const event of applied) expect(await itemAt(keys.processedEvent(COURIER_WEBHOOK_CONSUMER, event.id))).toBeDefined();
  });

  it('applies racing deliveries of every event at once exactly as in order: one version per applied event, delivered at the end', async () => {
    const target = await dispatchedOrder();
    const events = trackingEvents(target, HAPPY);
    const results = await Promise.all(shuffled(events.flatMap((e) => [e, e, e, e, e])).map(async (event) => ({ id: event.id, outcome: await applyCourierEvent(event, deps()) })));
    const order = (await getOrderRecord(deps(), target.order.id))!;
    expect(order.shipments![0]!.status).toBe('delivered');
    const applied = results.filter((r) => r.outcome === 'applied');
    // No event applied twice, however the copies raced.
    expect(new Set(applied.map((r) => r.id)).size).toBe(applied.length);
    expect(applied.map((r) => r.id)).toContain(events.at(-1)!.id);
    expect(order.version).toBe(target.order.version + applied.length);
    expect(await fulfilmentEvents(order.id, target.order.version, order.version)).toHaveLength(applied.length);
    expect(order.shipments![0]!.timeline.filter((c) => c.status === 'delivered')).toHaveLength(1);
  });

  it('records a failed attempt with its reason, and a later redelivery as the next attempt', async () => {
    const target = await dispatchedOrder();
    const events = trackingEvents(target, ['collected', 'out_for_delivery', { status: 'delivery_failed', failureReason: 'not_at_home' }, 'out_for_delivery', 'delivered']);
    for (const event of events.slice(0, 3)) expect(await applyCourierEvent(event, deps())).toBe('applied');
    let shipment = (await getOrderRecord(deps(), target.order.id))!.shipments![0]!;
    expect(shipment).toMatchObject({ status: 'failed-attempt', attempt: 1, failure: { reason: 'not-at-home' } });
    // The first attempt's out_for_delivery again, late: stale.
    expect(await applyCourierEvent({ ...events[1]!, id: `evt_${token()}` }, deps())).toBe('stale');
    for (const event of events.slice(3)) expect(await applyCourierEvent(event, deps())).toBe('applied');
    shipment = (await getOrderRecord(deps(), target.order.id))!.shipments![0]!;
    expect(shipment).toMatchObject({ status: 'delivered', attempt: 2 });
    expect(shipment.timeline.map((c) => [c.status, c.attempt])).toEqual([
      ['dispatched', 1],
      ['in-transit', 1],
      ['out-for-delivery', 1],
      ['failed-attempt', 1],
      ['out-for-delivery', 2],
      ['delivered', 2],
    ]);
  });

  it('brings parcels the courier returned back as returning, for staff to receive', async () => {
    const target = await dispatchedOrder();
    const events = trackingEvents(target, ['collected', 'out_for_delivery', { status: 'delivery_failed', failureReason: 'refused' }, 'returned_to_sender']);
    for (const event of events) expect(await applyCourierEvent(event, deps())).toBe('applied');
    expect((await getOrderRecord(deps(), target.order.id))!.shipments![0]).toMatchObject({ status: 'returning', failure: { reason: 'refused' } });
  });

  it('waits for a shipment not stored yet, ignores booked and events of shipments it does not carry', async () => {
    const target = await dispatchedOrder(false);
    const [collected] = trackingEvents(target, ['collected']) as [CourierWebhookEvent];
    await expect(applyCourierEvent(collected, deps())).rejects.toThrow(ShipmentNotYetKnownError);
    expect(await itemAt(keys.processedEvent(COURIER_WEBHOOK_CONSUMER, collected.id))).toBeUndefined();
    await putNewOrder(deps(), target.order);
    expect(await applyCourierEvent(collected, deps())).toBe('applied');

    const [booked] = trackingEvents(target, ['booked']) as [CourierWebhookEvent];
    expect(await applyCourierEvent(booked, deps())).toBe('ignored');
    const [foreign] = trackingEvents({ ...target, courierShipmentId: 'shp_someone_else' }, ['delivered']) as [CourierWebhookEvent];
    expect(await applyCourierEvent(foreign, deps())).toBe('ignored');
    const [notOurs] = trackingEvents({ ...target, shipmentId: `${target.shipmentId}/x` }, ['delivered']) as [CourierWebhookEvent];
    expect(await applyCourierEvent(notOurs, deps())).toBe('ignored');
    expect((await getOrderRecord(deps(), target.order.id))!.shipments![0]!.status).toBe('in-transit');
  });

  it('reports a poison message and an event for a shipment not stored yet as batch failures, and applies the rest', async () => {
    const target = await dispatchedOrder();
    const unknown = await dispatchedOrder(false);
    const [delivered] = trackingEvents(target, ['delivered']) as [CourierWebhookEvent];
    const [early] = trackingEvents(unknown, ['collected']) as [CourierWebhookEvent];
    const record = (messageId: string, body: string) => ({
      messageId,
      receiptHandle: messageId,
      body,
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:courier-webhooks',
      awsRegion: 'eu-west-2',
    });
    const event = { Records: [record('m1', JSON.stringify(delivered)), record('m2', '{"id":"evt_poison"}'), record('m3', JSON.stringify(early))] } as unknown as SQSEvent;
    const response = await processWebhook(event, lambdaContext('orders-process-courier-webhook'));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m2', 'm3']);
    expect((await getOrderRecord(deps(), target.order.id))!.shipments![0]!.status).toBe('delivered');
  });
});
