let cached: Promise<string> | undefined;

/**
 * The usage-plan key that API Gateway meters people by. Integrations are metered by their own API
 * key; people authenticate with bearer tokens, so the authorizer returns this one shared key for
 * them. Read once per cold start, and the Secrets Manager client is loaded only by the authorizer
 * on the first bearer request.
 */
export function peopleUsageKey(secretArn: string): Promise<string> {
  cached ??= (async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('the people usage-plan key secret is empty');
    return SecretString;
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
