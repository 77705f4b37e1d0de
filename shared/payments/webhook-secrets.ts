import { z } from 'zod';
import { config } from '../config/config.js';

/** How long a warm function trusts the secrets it read, so a rotation reaches it without a cold start. */
const CACHE_MS = 5 * 60 * 1000;

/** The secret's JSON value on AWS: the endpoint's signing secret and, during a rotation, the one before it. */
const StoredSecrets = z.strictObject({
  current: z.string().startsWith('whsec_'),
  previous: z.string().startsWith('whsec_').optional(),
});

let cached: { at: number; secrets: Promise<string[]> } | undefined;

/**
 * The Stripe webhook signing secrets to try, current first. Locally they are in the environment;
 * on AWS they are read from Secrets Manager (the client loaded on first use) and kept for a few minutes.
 */
export function paymentWebhookSecrets(source = config.paymentWebhookSecrets, now = Date.now()): Promise<string[]> {
  if ('current' in source) return Promise.resolve(source.previous ? [source.current, source.previous] : [source.current]);
  if (cached && now - cached.at < CACHE_MS) return cached.secrets;
  const secrets = (async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: source.secretArn }));
    const stored = StoredSecrets.parse(JSON.parse(SecretString ?? 'null'));
    return stored.previous ? [stored.current, stored.previous] : [stored.current];
  })();
  cached = { at: now, secrets };
  secrets.catch(() => {
    cached = undefined;
  });
  return secrets;
}
