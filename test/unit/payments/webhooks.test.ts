import Stripe from 'stripe';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';
import { paymentWebhookSecrets } from '../../../shared/payments/webhook-secrets.js';
import { StaleWebhookError, verifyWebhook, WebhookSignatureError } from '../../../shared/payments/webhooks.js';

const stored = vi.hoisted(() => ({ value: '' as string | undefined, reads: 0 }));
vi.mock('@aws-sdk/client-secrets-manager', () => ({
  GetSecretValueCommand: class {
    constructor(readonly input: unknown) {}
  },
  SecretsManagerClient: class {
    send() {
      stored.reads += 1;
      return Promise.resolve({ SecretString: stored.value });
    }
  },
}));

const CURRENT = 'whsec_unit_current';
const PREVIOUS = 'whsec_unit_previous';
const NOW = 1_800_000_000;
const body = JSON.stringify({ id: 'evt_unit', object: 'event', type: 'payment_intent.created', created: NOW, data: { object: { id: 'pi_unit' } } });
const sign = (secret: string, timestamp = NOW) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });

describe('verifyWebhook', () => {
  it('accepts either secret of a rotation, and a header that carries signatures by both', () => {
    expect(verifyWebhook(body, sign(CURRENT), [CURRENT, PREVIOUS], NOW).id).toBe('evt_unit');
    expect(verifyWebhook(body, sign(PREVIOUS), [CURRENT, PREVIOUS], NOW).id).toBe('evt_unit');
    const both = `${sign(PREVIOUS)},v1=${sign(CURRENT).split('v1=')[1]}`;
    expect(verifyWebhook(body, both, [CURRENT], NOW).id).toBe('evt_unit');
  });

  it('is a signature error for a missing, malformed, foreign or retired-secret signature, whatever its age', () => {
    for (const header of [undefined, '', 'garbage', sign('whsec_other'), sign('whsec_other', NOW - 3600)]) {
      expect(() => verifyWebhook(body, header, [CURRENT, PREVIOUS], NOW), String(header)).toThrow(WebhookSignatureError);
    }
    expect(() => verifyWebhook(body, sign(PREVIOUS), [CURRENT], NOW)).toThrow(WebhookSignatureError);
    expect(() => verifyWebhook(`${body} `, sign(CURRENT), [CURRENT], NOW)).toThrow(WebhookSignatureError);
  });

  it('is stale only when a genuine signature is more than 300 s old', () => {
    expect(verifyWebhook(body, sign(CURRENT, NOW - 300), [CURRENT], NOW).id).toBe('evt_unit');
    expect(() => verifyWebhook(body, sign(CURRENT, NOW - 301), [CURRENT], NOW)).toThrow(StaleWebhookError);
    expect(() => verifyWebhook(body, sign(PREVIOUS, NOW - 301), [CURRENT, PREVIOUS], NOW)).toThrow(StaleWebhookError);
  });
});

describe('payment webhook secrets', () => {
  beforeEach(() => {
    stored.reads = 0;
  });

  it('come from the environment, current first, and only as whsec_ values', async () => {
    const config = makeConfig({ STRIPE_WEBHOOK_SECRET: CURRENT, STRIPE_WEBHOOK_SECRET_PREVIOUS: PREVIOUS, PAYMENT_WEBHOOK_SECRETS_ARN: 'arn:aws:secretsmanager:x' });
    expect(await paymentWebhookSecrets(config.paymentWebhookSecrets)).toEqual([CURRENT, PREVIOUS]);
    expect(() => makeConfig({ STRIPE_WEBHOOK_SECRET: 'sk_live_oops' })).toThrow(ConfigError);
    expect(() => makeConfig({}).paymentWebhookSecrets).toThrow(/PAYMENT_WEBHOOK_SECRETS_ARN is not set/);
    expect(stored.reads).toBe(0);
  });

  it('are read from Secrets Manager on AWS, kept five minutes, and a malformed value is refused and not kept', async () => {
    const source = makeConfig({ PAYMENT_WEBHOOK_SECRETS_ARN: 'arn:aws:secretsmanager:eu-west-2:1:secret:w' }).paymentWebhookSecrets;
    stored.value = '{"placeholder": "generated"}';
    await expect(paymentWebhookSecrets(source, 0)).rejects.toThrow();
    stored.value = JSON.stringify({ current: CURRENT, previous: PREVIOUS });
    expect(await paymentWebhookSecrets(source, 1)).toEqual([CURRENT, PREVIOUS]);
    stored.value = JSON.stringify({ current: 'whsec_rolled' });
    expect(await paymentWebhookSecrets(source, 1 + 299_999)).toEqual([CURRENT, PREVIOUS]);
    expect(await paymentWebhookSecrets(source, 1 + 300_000)).toEqual(['whsec_rolled']);
    expect(stored.reads).toBe(3);
  });
});
