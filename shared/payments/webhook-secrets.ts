import { z } from 'zod';
import { config } from '../config/config.js';
import { storedSecretReader } from '../config/stored-secret.js';

/** The secret's JSON value on AWS: the endpoint's signing secret and, during a rotation, the one before it. */
const StoredSecrets = z.strictObject({
  current: z.string().startsWith('whsec_'),
  previous: z.string().startsWith('whsec_').optional(),
});

const readStoredSecrets = storedSecretReader(StoredSecrets);

/**
 * The Stripe webhook signing secrets to try, current first. Locally they are in the environment;
 * on AWS they are read from Secrets Manager and kept for a few minutes.
 */
export function paymentWebhookSecrets(source = config.paymentWebhookSecrets, now = Date.now()): Promise<string[]> {
  if ('current' in source) return Promise.resolve(source.previous ? [source.current, source.previous] : [source.current]);
  return readStoredSecrets(source.secretArn, now).then((stored) => (stored.previous ? [stored.current, stored.previous] : [stored.current]));
}
