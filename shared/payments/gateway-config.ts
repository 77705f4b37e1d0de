import { z } from 'zod';
import { ConfigError, config } from '../config/config.js';
import { ENV } from '../config/env-names.js';
import type { PaymentGateway } from './gateway.js';
import { storedSecretReader } from '../config/stored-secret.js';
import { stripeGateway, type StripeGatewayOptions } from './stripe-gateway.js';

/** The `payment-api` secret's JSON value on AWS. */
const StoredApiKey = z.object({ secretKey: z.string().startsWith('sk_') });

const readStoredApiKey = storedSecretReader(StoredApiKey);

/**
 * The client settings for a Stripe-compatible API at `apiBase` (the local sandbox): stripe-node
 * takes a host, port and protocol but no path, so a base with a path cannot be honoured.
 */
function endpointOf(apiBase: string): Pick<StripeGatewayOptions, 'host' | 'port' | 'protocol'> {
  const url = new URL(apiBase);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${ENV.paymentApiBase} must be a bare origin such as http://127.0.0.1:12111, got ${apiBase}`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol };
}

/**
 * How to reach Stripe from a function's configuration: the key (and a sandbox's address) from the
 * environment, or on AWS the key from the granted Secrets Manager secret, kept for a few minutes.
 *
 * @throws ConfigError when `STRIPE_API_BASE` carries a path.
 */
export async function paymentGatewayOptions(source = config.paymentApi, now = Date.now()): Promise<StripeGatewayOptions> {
  if ('secretArn' in source) return { secretKey: (await readStoredApiKey(source.secretArn, now)).secretKey };
  return { secretKey: source.secretKey, ...(source.apiBase === undefined ? {} : endpointOf(source.apiBase)) };
}

let built: { secretKey: string; gateway: PaymentGateway } | undefined;

/**
 * The process's {@link PaymentGateway}, built once per API key: a key rolled in Secrets Manager
 * reaches a warm function within the secret's cache time, without a cold start.
 *
 * @throws ConfigError when the function was granted neither `STRIPE_SECRET_KEY` nor the `payment-api` secret.
 */
export async function paymentGateway(): Promise<PaymentGateway> {
  const options = await paymentGatewayOptions();
  if (built?.secretKey !== options.secretKey) built = { secretKey: options.secretKey, gateway: stripeGateway(options) };
  return built.gateway;
}
