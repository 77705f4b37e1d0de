import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { findApiClient } from '../../shared/auth/api-clients.js';
import { authenticate } from '../../shared/auth/authenticate.js';
import { principalToContext } from '../../shared/auth/principal.js';
import { peopleUsageKey } from '../../shared/auth/usage-keys.js';
import { config } from '../../shared/config/config.js';

const header = (event: APIGatewayRequestAuthorizerEvent, name: string) =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

/**
 * The API's one Lambda authorizer. It accepts a bearer JWT or an API key, and answers API
 * Gateway's way: `Unauthorized` becomes a 401, an Allow carries the principal to the handler,
 * whose scope check gives the 403. The usage-plan key goes back with it: an integration's own API
 * key, so throttling follows the client, or on AWS the shared key that meters people.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const result = await authenticate(
    { authorization: header(event, 'authorization'), apiKey: header(event, 'x-api-key') },
    { tokens: () => config.jwt, shopperTokens: () => config.shopperJwt, findApiClient },
  );
  if (!result) throw new Error('Unauthorized');
  const secretArn = config.peopleUsageKeySecretArn;
  const usageKey = result.apiKey ?? (secretArn ? await peopleUsageKey(secretArn) : undefined);
  return {
    principalId: result.principal.subject,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: principalToContext(result.principal),
    ...(usageKey ? { usageIdentifierKey: usageKey } : {}),
  };
};
