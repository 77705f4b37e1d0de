import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCourierSandbox, type CourierSandbox } from '../../../infra/local/courier-sandbox/server.js';
import booking from '../../../integration-files/couriers/samples/bookShipment.request.json' with { type: 'json' };
import shipment from '../../../integration-files/couriers/samples/bookShipment.201.json' with { type: 'json' };
import { CourierRefusedError, CourierUnavailableError, parseShipmentReference, shipmentReference } from '../../../shared/couriers/courier.js';
import { COURIER_RETRY, courierRetryDelayMs, httpCourier, parseRetryAfter, type CourierRetryPolicy } from '../../../shared/couriers/http-courier.js';
import { BookingRequest } from '../../../shared/couriers/model.js';
import { courierApiSettings } from '../../../shared/couriers/settings.js';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';

const request = BookingRequest.parse(booking);

describe('courierRetryDelayMs', () => {
  it('doubles from the base up to the cap, with equal jitter, and never waits less than Retry-After', () => {
    const policy: CourierRetryPolicy = { attempts: 5, budgetMs: 60_000, baseDelayMs: 300, maxDelayMs: 3_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => courierRetryDelayMs(policy, attempt, 0))).toEqual([150, 300, 600, 1_200, 1_500, 1_500]);
    expect([1, 2, 3, 4, 5].map((attempt) => courierRetryDelayMs(policy, attempt, 0.999_999))).toEqual([300, 600, 1_200, 2_400, 3_000]);
    expect(courierRetryDelayMs(policy, 1, 0.5, 2)).toBe(2_000);
    expect(courierRetryDelayMs(policy, 4, 0.5, 1)).toBe(1_800);
  });

  it('stays between half the exponential wait and the whole, and at least Retry-After, for any try and any draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }), (attempt, random, retryAfter) => {
        const exponential = Math.min(COURIER_RETRY.maxDelayMs, COURIER_RETRY.baseDelayMs * 2 ** (attempt - 1));
        const delay = courierRetryDelayMs(COURIER_RETRY, attempt, random, retryAfter);
        expect(delay).toBeGreaterThanOrEqual(Math.max(Math.floor(exponential / 2), (retryAfter ?? 0) * 1000));
        expect(delay).toBeLessThanOrEqual(Math.max(exponential, (retryAfter ?? 0) * 1000));
      }),
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds or an HTTP date, and nothing from an absent or unreadable header', () => {
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(new Date(now + 4_500).toUTCString(), now)).toBe(4);
    expect(parseRetryAfter(new Date(now - 10_000).toUTCString(), now)).toBe(0);
    expect([null, '', 'soon'].map((h) => parseRetryAfter(h, now))).toEqual([undefined, undefined, undefined]);
  });
});

describe('shipment references', () => {
  it('name our order and shipment, and read back only what has that shape', () => {
    expect(shipmentReference('01KB7X3K4M5N6P7Q8R9S0T1V2W', '2')).toBe('01KB7X3K4M5N6P7Q8R9S0T1V2W/2');
    expect(parseShipmentReference('01KB7X3K4M5N6P7Q8R9S0T1V2W/2')).toEqual({ orderId: '01KB7X3K4M5N6P7Q8R9S0T1V2W', shipmentId: '2' });
    expect(['', 'a', 'a/', '/b', 'a/b/c'].map(parseShipmentReference)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

/** A fetch that answers from a script, recording each request; past the script it repeats the last answer. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fake = (async (url: URL | string, init?: RequestInit) => {
    requests.push({ url: String(url), init: init ?? {} });
    return answers[Math.min(requests.length, answers.length) - 1]!();
  }) as typeof fetch;
  return { fake, requests };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const failure = (status: number, code: string, headers: Record<string, string> = {}) => json(status, { error: { type: 'api_error', code, message: `${code} happened` } }, headers);

describe('httpCourier, retries', () => {
  const base = { courierId: 'acme-parcels', baseUrl: 'https://api.courier.example.com/', token: 'tok_1' };
  function courier(answers: (() => Response | Promise<Response>)[], policy: CourierRetryPolicy = COURIER_RETRY, clockStep = 0) {
    const { fake, requests } = scripted(answers);
    const waits: number[] = [];
    let clock = 0;
    const client = httpCourier({
      ...base,
      retry: policy,
      fetch: fake,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      clock: () => (clock += clockStep),
    });
    return { client, requests, waits };
  }

  it('sends the bearer token and the same Idempotency-Key on every try, and retries 503, 429 and a key in flight', async () => {
    const { client, requests, waits } = courier([failure(503, 'unavailable'), failure(429, 'rate_limited', { 'retry-after': '2' }), json(201, shipment)], { ...COURIER_RETRY, attempts: 4 });
    await expect(client.book(request, 'shipment:o1:2')).resolves.toMatchObject({ shipmentId: shipment.shipmentId, trackingNumber: shipment.trackingNumber });
    expect(requests.map((r) => r.url)).toEqual(Array(3).fill('https://api.courier.example.com/v1/shipments'));
    for (const { init } of requests) {
      expect(init.method).toBe('POST');
      expect(init.headers).toMatchObject({ authorization: 'Bearer tok_1', 'idempotency-key': 'shipment:o1:2', 'content-type': 'application/json' });
      expect(JSON.parse(String(init.body))).toEqual(request);
    }
    // 225 ms is the jittered first wait; the second honours Retry-After: 2.
    expect(waits).toEqual([225, 2_000]);
    const inFlight = courier([failure(409, 'idempotency_key_in_use'), json(201, shipment)]);
    await expect(inFlight.client.book(request, 'k')).resolves.toMatchObject({ shipmentId: shipment.shipmentId });
    expect(inFlight.requests).toHaveLength(2);
  });

  it('gives up after its tries, or at once when the next wait would pass the budget, with the last answer', async () => {
    const exhausted = courier([failure(500, 'boom')]);
    await expect(exhausted.client.book(request, 'k')).rejects.toMatchObject({ name: CourierUnavailableError.name, status: 500 });
    expect(exhausted.requests).toHaveLength(COURIER_RETRY.attempts);
    const longWait = courier([failure(429, 'rate_limited', { 'retry-after': '30' })]);
    await expect(longWait.client.book(request, 'k')).rejects.toMatchObject({ name: CourierUnavailableError.name, status: 429, retryAfterSeconds: 30 });
    expect(longWait.requests).toHaveLength(1);
    expect(longWait.waits).toEqual([]);
  });

  it('does not retry a refusal, and names its code and the courier words', async () => {
    const refused = courier([failure(422, 'not_serviceable'), json(201, shipment)]);
    await expect(refused.client.book(request, 'k')).rejects.toMatchObject({ name: CourierRefusedError.name, status: 422, code: 'not_serviceable', detail: 'not_serviceable happened' });
    expect(refused.requests).toHaveLength(1);
    const outside = courier([json(201, { shipmentId: 'x' })]);
    await expect(outside.client.book(request, 'k')).rejects.toMatchObject({ name: CourierRefusedError.name, code: 'invalid_response' });
    expect(outside.requests).toHaveLength(1);
  });

  it('retries a lost connection', async () => {
    const lost = courier([
      () => {
        throw new TypeError('fetch failed');
      },
      json(201, shipment),
    ]);
    await expect(lost.client.book(request, 'k')).resolves.toMatchObject({ shipmentId: shipment.shipmentId });
    expect(lost.requests).toHaveLength(2);
  });
});

describe('httpCourier against the sandbox', () => {
  let sandbox: CourierSandbox;
  beforeAll(async () => {
    sandbox = await startCourierSandbox({ settings: { autoAdvance: false } });
  });
  afterAll(() => sandbox.stop());

  it('books once however often an answer is lost, the retries carrying the same key', async () => {
    sandbox.faults({ ackLostRate: 1, window: { untilEpochMs: Date.now() + 300 } });
    const courier = httpCourier({ ...sandbox.clientSettings, retry: { attempts: 6, budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 400 } });
    const booked = await courier.book({ ...request, reference: 'lost-answers/1' }, 'shipment:lost-answers:1');
    expect(sandbox.state().shipments.filter((s) => s.reference === 'lost-answers/1').map((s) => s.shipmentId)).toEqual([booked.shipmentId]);
    expect(sandbox.state().counts.replays).toBeGreaterThanOrEqual(1);
  });

  it('ends a try the courier never answers at the timeout, as unavailable', async () => {
    sandbox.faults({ timeout: true });
    const courier = httpCourier({ ...sandbox.clientSettings, timeoutMs: 150, retry: { attempts: 2, budgetMs: 1_000, baseDelayMs: 10, maxDelayMs: 10 } });
    await expect(courier.book(request, 'shipment:timeout:1')).rejects.toMatchObject({ name: CourierUnavailableError.name, message: expect.stringMatching(/timed out after 150 ms/) });
    sandbox.faults({});
  });

  it('is refused 401, for good, with a wrong token', async () => {
    await expect(httpCourier({ ...sandbox.clientSettings, token: 'wrong' }).trackingEvents('shp_x')).rejects.toMatchObject({ name: CourierRefusedError.name, status: 401, code: 'token_invalid' });
  });
});

describe('courier settings', () => {
  it('take the courier id, base URL and token from the environment, all three, else the granted secret', async () => {
    const local = makeConfig({ COURIER_ID: 'sandbox-courier', COURIER_API_BASE: 'http://127.0.0.1:4020', COURIER_API_TOKEN: 'courier_token_local' });
    await expect(courierApiSettings(local.courierApi)).resolves.toEqual({ courierId: 'sandbox-courier', baseUrl: 'http://127.0.0.1:4020', token: 'courier_token_local' });
    expect(makeConfig({ COURIER_API_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:1:secret:courier-api' }).courierApi).toEqual({ secretArn: 'arn:aws:secretsmanager:eu-west-2:1:secret:courier-api' });
    expect(() => makeConfig({ COURIER_ID: 'sandbox-courier', COURIER_API_BASE: 'http://127.0.0.1:4020' }).courierApi).toThrow(ConfigError);
    expect(() => makeConfig({ COURIER_API_BASE: 'http://127.0.0.1:4020', COURIER_API_TOKEN: 't' }).courierApi).toThrow(/COURIER_ID/);
    expect(() => makeConfig({ COURIER_ID: 'Acme Parcels' })).toThrow(/lower-case words/);
    expect(() => makeConfig({}).courierApi).toThrow(/COURIER_API_SECRET_ARN/);
  });

  it('refuse a plain-http courier anywhere but this machine, and take both webhook keys during a rotation', () => {
    expect(() => makeConfig({ COURIER_API_BASE: 'http://courier.example.com', COURIER_API_TOKEN: 't' })).toThrow(/must be https/);
    expect(makeConfig({ COURIER_WEBHOOK_SECRET: 'new', COURIER_WEBHOOK_SECRET_PREVIOUS: 'old' }).courierWebhookSecrets).toEqual({ current: 'new', previous: 'old' });
    expect(makeConfig({ COURIER_WEBHOOK_SECRETS_ARN: 'arn:aws:secretsmanager:eu-west-2:1:secret:courier-webhooks' }).courierWebhookSecrets).toEqual({ secretArn: 'arn:aws:secretsmanager:eu-west-2:1:secret:courier-webhooks' });
  });
});
