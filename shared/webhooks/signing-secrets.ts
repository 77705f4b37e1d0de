import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { config } from '../config/config.js';
import { storedSecretReader } from '../config/stored-secret.js';
import { versionActive, type WebhookEndpoint } from './endpoint-model.js';

/**
 * Webhook signing secrets are derived, never stored: version `v` of an endpoint's secret is `whsec_` and the base64 of
 * HMAC-SHA256(master, `<endpointId>:<v>`), 32 bytes as Standard Webhooks expects. The master key lives outside the
 * table (`WEBHOOK_SIGNING_KEY` locally, the `webhook-signing` secret on AWS), so a dump of the table or a backup holds
 * no secret, and the endpoint keeps only its versions (`secretVersions`): rotating makes version v+1, a new secret.
 *
 * For W2 (delivery): `activeSecrets` takes the master as its third argument (the design's sketch had two), since a
 * secret cannot be derived without it; read the master once per batch with `webhookSigningMaster()`.
 */

/** The secret of one version of an endpoint's signing secret, as `standardwebhooks`' `Webhook` takes it. */
export function signingSecret(master: string, endpointId: string, version: number): string {
  return `whsec_${createHmac('sha256', master).update(`${endpointId}:${version}`, 'utf8').digest('base64')}`;
}

/**
 * The secrets an endpoint signs with at `now`, oldest first: its current one and, during a rotation's overlap, its
 * predecessor. A request carries a signature by each (`webhook-signature: v1,<old> v1,<new>`), so a receiver holding
 * either verifies it.
 */
export function activeSecrets(endpoint: Pick<WebhookEndpoint, 'id' | 'secretVersions'>, now: Date, master: string): string[] {
  return endpoint.secretVersions.filter((v) => versionActive(v, now)).map((v) => signingSecret(master, endpoint.id, v.version));
}

const readStoredKey = storedSecretReader(z.strictObject({ key: z.string().min(32) }));

/** The master key secrets are derived with: from the environment locally, from the `webhook-signing` secret on AWS (kept a few minutes). */
export function webhookSigningMaster(source: { key: string } | { secretArn: string } = config.webhookSigningKey, now = Date.now()): Promise<string> {
  if ('key' in source) return Promise.resolve(source.key);
  return readStoredKey(source.secretArn, now).then((stored) => stored.key);
}
