import type { z } from 'zod';

/** How long a warm function trusts a secret it read, so a rotation reaches it without a cold start. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/**
 * A reader of one kind of JSON secret from Secrets Manager (the client loaded on first use, so
 * functions that never read a secret do not load it). Each secret's parsed value is kept for
 * `cacheMs`; a read or a value that fails `schema` is not kept, so the next call tries again.
 */
export function storedSecretReader<T>(schema: z.ZodType<T>, cacheMs = SECRET_CACHE_MS): (secretArn: string, now?: number) => Promise<T> {
  const cache = new Map<string, { at: number; value: Promise<T> }>();
  return (secretArn, now = Date.now()) => {
    const hit = cache.get(secretArn);
    if (hit && now - hit.at < cacheMs) return hit.value;
    const value = (async () => {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
      return schema.parse(JSON.parse(SecretString ?? 'null'));
    })();
    const entry = { at: now, value };
    cache.set(secretArn, entry);
    value.catch(() => {
      if (cache.get(secretArn) === entry) cache.delete(secretArn);
    });
    return value;
  };
}
