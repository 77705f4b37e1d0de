import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';
import { paymentGatewayOptions } from '../../../shared/payments/gateway-config.js';

const stored = vi.hoisted(() => ({ value: '' as string | undefined, reads: [] as unknown[] }));
vi.mock('@aws-sdk/client-secrets-manager', () => ({
  GetSecretValueCommand: class {
    constructor(readonly input: unknown) {}
  },
  SecretsManagerClient: class {
    send(command: { input: unknown }) {
      stored.reads.push(command.input);
      return Promise.resolve({ SecretString: stored.value });
    }
  },
}));

const ARN = 'arn:aws:secretsmanager:eu-west-2:1:secret:payment-api';

beforeEach(() => {
  stored.reads = [];
});

describe('config.paymentApi', () => {
  it('takes the key from the environment first, with the API base when one is set', () => {
    expect(makeConfig({ STRIPE_SECRET_KEY: 'sk_test_a', PAYMENT_API_SECRET_ARN: ARN }).paymentApi).toEqual({ secretKey: 'sk_test_a' });
    expect(makeConfig({ STRIPE_SECRET_KEY: 'sk_test_a', STRIPE_API_BASE: 'http://127.0.0.1:4010' }).paymentApi).toEqual({
      secretKey: 'sk_test_a',
      apiBase: 'http://127.0.0.1:4010',
    });
    expect(makeConfig({ PAYMENT_API_SECRET_ARN: ARN }).paymentApi).toEqual({ secretArn: ARN });
  });

  it('refuses a key that is not a secret key, an API base that is not http(s), and a function granted neither', () => {
    expect(() => makeConfig({ STRIPE_SECRET_KEY: 'pk_test_publishable' })).toThrow(ConfigError);
    expect(() => makeConfig({ STRIPE_SECRET_KEY: 'sk_test_a', STRIPE_API_BASE: 'ftp://127.0.0.1' })).toThrow(ConfigError);
    expect(() => makeConfig({ STRIPE_SECRET_KEY: 'sk_test_a', STRIPE_API_BASE: 'not a url' })).toThrow(ConfigError);
    expect(() => makeConfig({ PAYMENT_API_SECRET_ARN: 'payment-api' })).toThrow(ConfigError);
    expect(() => makeConfig({}).paymentApi).toThrow(/PAYMENT_API_SECRET_ARN is not set/);
  });
});

describe('paymentGatewayOptions', () => {
  it('uses the key alone against the real API, and points the client at a sandbox’s host, port and protocol', async () => {
    expect(await paymentGatewayOptions({ secretKey: 'sk_live_x' })).toEqual({ secretKey: 'sk_live_x' });
    expect(await paymentGatewayOptions({ secretKey: 'sk_test_a', apiBase: 'http://127.0.0.1:4010' })).toEqual({
      secretKey: 'sk_test_a',
      host: '127.0.0.1',
      port: 4010,
      protocol: 'http',
    });
    expect(await paymentGatewayOptions({ secretKey: 'sk_test_a', apiBase: 'https://stripe.internal/' })).toMatchObject({ host: 'stripe.internal', port: 443, protocol: 'https' });
    expect(await paymentGatewayOptions({ secretKey: 'sk_test_a', apiBase: 'http://localhost' })).toMatchObject({ port: 80 });
    expect(stored.reads).toHaveLength(0);
  });

  it('refuses an API base with a path, which the client could not honour', async () => {
    await expect(paymentGatewayOptions({ secretKey: 'sk_test_a', apiBase: 'http://127.0.0.1:4010/v1' })).rejects.toThrow(ConfigError);
  });

  it('reads the key from the granted secret on AWS, keeps it a few minutes, and does not keep a malformed value', async () => {
    stored.value = '{"placeholder": "generated"}';
    await expect(paymentGatewayOptions({ secretArn: ARN }, 0)).rejects.toThrow();
    stored.value = JSON.stringify({ secretKey: 'sk_live_one' });
    expect(await paymentGatewayOptions({ secretArn: ARN }, 1)).toEqual({ secretKey: 'sk_live_one' });
    stored.value = JSON.stringify({ secretKey: 'sk_live_two' });
    expect(await paymentGatewayOptions({ secretArn: ARN }, 1 + 299_999)).toEqual({ secretKey: 'sk_live_one' });
    expect(await paymentGatewayOptions({ secretArn: ARN }, 1 + 300_000)).toEqual({ secretKey: 'sk_live_two' });
    expect(stored.reads).toEqual([{ SecretId: ARN }, { SecretId: ARN }, { SecretId: ARN }]);
  });
});

describe('paymentGateway', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('is built from the process environment once per key', async () => {
    vi.stubEnv('STRIPE_SECRET_KEY', 'sk_test_unit');
    vi.stubEnv('STRIPE_API_BASE', 'http://127.0.0.1:4010');
    vi.resetModules();
    const { paymentGateway } = await import('../../../shared/payments/gateway-config.js');
    const first = await paymentGateway();
    expect(typeof first.createIntent).toBe('function');
    expect(await paymentGateway()).toBe(first);
  });

  it('fails with ConfigError when the function was granted no key', async () => {
    vi.stubEnv('STRIPE_SECRET_KEY', undefined);
    vi.stubEnv('PAYMENT_API_SECRET_ARN', undefined);
    vi.resetModules();
    const { paymentGateway } = await import('../../../shared/payments/gateway-config.js');
    const { ConfigError: FreshConfigError } = await import('../../../shared/config/config.js');
    await expect(paymentGateway()).rejects.toBeInstanceOf(FreshConfigError);
  });

  it('builds a new gateway when the key in the secret was rolled', async () => {
    vi.stubEnv('STRIPE_SECRET_KEY', undefined);
    vi.stubEnv('PAYMENT_API_SECRET_ARN', ARN);
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    try {
      vi.resetModules();
      const { paymentGateway } = await import('../../../shared/payments/gateway-config.js');
      stored.value = JSON.stringify({ secretKey: 'sk_live_one' });
      const first = await paymentGateway();
      expect(await paymentGateway()).toBe(first);
      stored.value = JSON.stringify({ secretKey: 'sk_live_two' });
      vi.setSystemTime(300_000);
      expect(await paymentGateway()).not.toBe(first);
      expect(stored.reads).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
