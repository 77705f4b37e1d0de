import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  CreateWebhookEndpointRequest,
  endpointView,
  rotatedVersions,
  subscriptionChanges,
  UpdateWebhookEndpointRequest,
  type WebhookEndpoint,
} from '../../../shared/webhooks/endpoint-model.js';
import { WEBHOOK_EVENT_TYPES } from '../../../shared/webhooks/event-types.js';
import { activeSecrets, signingSecret } from '../../../shared/webhooks/signing-secrets.js';

const MASTER = 'unit-test-master-key-0123456789abcdef';
const T0 = new Date('2026-12-07T10:00:00.000Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

const endpoint = (overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
  id: 'ep_0123456789abcdef01234567',
  url: 'https://hooks.example.com/smartshelf',
  eventTypes: ['order.completed'],
  enabled: true,
  secretVersions: [{ version: 1, createdAt: T0.toISOString() }],
  createdBy: 'admin-1',
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  version: 1,
  ...overrides,
});

describe('webhook signing secrets', () => {
  it('derives a Standard Webhooks secret (whsec_, 32 bytes) per endpoint and version, the same every time', () => {
    const secret = signingSecret(MASTER, 'ep_0123456789abcdef01234567', 1);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(signingSecret(MASTER, 'ep_0123456789abcdef01234567', 1)).toBe(secret);
    expect(signingSecret(MASTER, 'ep_0123456789abcdef01234567', 2)).not.toBe(secret);
    expect(signingSecret(MASTER, 'ep_0123456789abcdef01234568', 1)).not.toBe(secret);
    expect(signingSecret(`${MASTER}x`, 'ep_0123456789abcdef01234567', 1)).not.toBe(secret);
  });

  it('signs with the current secret alone, and during an overlap with both, so either verifies', () => {
    const rotated = endpoint({ secretVersions: rotatedVersions(endpoint().secretVersions, hours(1), 24) });
    const during = activeSecrets(rotated, hours(2), MASTER);
    expect(during).toEqual([signingSecret(MASTER, rotated.id, 1), signingSecret(MASTER, rotated.id, 2)]);
    const payload = JSON.stringify({ type: 'order.completed' });
    // Signed now: a receiver refuses a timestamp more than five minutes away from its clock.
    const signedAt = new Date();
    const signature = during.map((secret) => new Webhook(secret).sign('msg_1', signedAt, payload)).join(' ');
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)), 'webhook-signature': signature };
    for (const secret of during) expect(() => new Webhook(secret).verify(payload, headers)).not.toThrow();
    // Once the overlap has ended only the new secret signs.
    expect(activeSecrets(rotated, hours(25), MASTER)).toEqual([signingSecret(MASTER, rotated.id, 2)]);
  });
});

describe('rotating an endpoint’s secret', () => {
  it('keeps the current version signing for the overlap and puts the new one last', () => {
    expect(rotatedVersions([{ version: 1, createdAt: T0.toISOString() }], hours(1), 24)).toEqual([
      { version: 1, createdAt: T0.toISOString(), expiresAt: hours(25).toISOString() },
      { version: 2, createdAt: hours(1).toISOString() },
    ]);
  });

  it('ends the old version at once with an overlap of 0', () => {
    expect(rotatedVersions([{ version: 3, createdAt: T0.toISOString() }], hours(1), 0)).toEqual([{ version: 4, createdAt: hours(1).toISOString() }]);
  });

  it('keeps at most one predecessor: one still in its overlap stops at the next rotation', () => {
    const once = rotatedVersions([{ version: 1, createdAt: T0.toISOString() }], hours(1), 24);
    const twice = rotatedVersions(once, hours(2), 48);
    expect(twice.map((v) => v.version)).toEqual([2, 3]);
    expect(twice[0]!.expiresAt).toBe(hours(50).toISOString());
  });

  it('always leaves one current version, newest last, with versions counting up', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 168 })), { maxLength: 20 }), (steps) => {
        let versions = endpoint().secretVersions;
        let at = T0.getTime();
        for (const [gapHours, overlap] of steps) {
          at += gapHours * 3_600_000;
          versions = rotatedVersions(versions, new Date(at), overlap);
          const now = new Date(at);
          const current = versions.at(-1)!;
          expect(current.expiresAt).toBeUndefined();
          expect(versions.length).toBeLessThanOrEqual(2);
          expect(activeSecrets({ id: 'ep_x', secretVersions: versions }, now, MASTER).at(-1)).toBe(signingSecret(MASTER, 'ep_x', current.version));
        }
        expect(versions.at(-1)!.version).toBe(steps.length + 1);
      }),
    );
  });
});

describe('the endpoint’s requests and view', () => {
  it('names every unknown event type it refuses', () => {
    const result = CreateWebhookEndpointRequest.safeParse({ url: 'https://hooks.example.com/', eventTypes: ['order.completed', 'order.teleported', 'inventory.reserved'] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['eventTypes.1', expect.stringContaining('"order.teleported" is not an event type')],
      ['eventTypes.2', expect.stringContaining('"inventory.reserved" is not an event type')],
    ]);
  });

  it('refuses a URL with credentials, a fragment, another scheme, or no URL at all; and a type named twice', () => {
    for (const url of ['https://user:pw@hooks.example.com/', 'https://hooks.example.com/#x', 'ftp://hooks.example.com/', 'hooks.example.com/path']) {
      expect(CreateWebhookEndpointRequest.safeParse({ url, eventTypes: ['order.completed'] }).success, url).toBe(false);
    }
    expect(CreateWebhookEndpointRequest.safeParse({ url: 'https://hooks.example.com/', eventTypes: ['order.completed', 'order.completed'] }).success).toBe(false);
  });

  it('takes a patch only when it changes something besides the version', () => {
    expect(UpdateWebhookEndpointRequest.safeParse({ version: 2 }).success).toBe(false);
    expect(UpdateWebhookEndpointRequest.safeParse({ version: 2, description: null }).success).toBe(true);
  });

  it('shows the secret versions that still sign, never a secret', () => {
    const rotated = endpoint({ secretVersions: rotatedVersions(endpoint().secretVersions, hours(1), 1) });
    expect(endpointView(rotated, hours(1.5)).secretVersions.map((v) => v.version)).toEqual([1, 2]);
    expect(endpointView(rotated, hours(3)).secretVersions.map((v) => v.version)).toEqual([2]);
    expect(JSON.stringify(endpointView(rotated, hours(1.5)))).not.toContain('whsec_');
  });

  it('lists the changes of subscriptions', () => {
    expect(subscriptionChanges(['a', 'b', 'c'], ['b', 'd'])).toEqual({ added: ['d'], removed: ['a', 'c'] });
  });

  it('subscribes to event contracts that exist, each once', () => {
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length);
    expect(WEBHOOK_EVENT_TYPES).toEqual(expect.arrayContaining(['order.completed', 'cart.add', 'checkout.complete', 'customer.erased']));
    expect(WEBHOOK_EVENT_TYPES).not.toContain('personal-data.erasure-requested');
  });
});
