import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { findApiClient } from '../../shared/auth/api-clients.js';
import { authenticate } from '../../shared/auth/authenticate.js';
import { cookieRequest, sessionOfRequest, sessionPrincipal } from '../../shared/auth/session-sign-in.js';
import { principalToContext } from '../../shared/auth/principal.js';
import { peopleUsageKey } from '../../shared/auth/usage-keys.js';
import { config } from '../../shared/config/config.js';
import { tableDeps } from '../../shared/db/deps.js';

const header = (event: APIGatewayRequestAuthorizerEvent, name: string) =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

const sessionHeaders = (event: APIGatewayRequestAuthorizerEvent) =>
  Object.fromEntries(['cookie', 'x-csrf-token', 'sec-fetch-site'].map((name) => [name, header(event, name)]));

/**
 * The API's one Lambda authorizer. It accepts a bearer JWT, an API key or the console's session cookie (with its
 * CSRF token on anything but GET, HEAD and OPTIONS: the request's method decides), and answers API
 * Gateway's way: `Unauthorized` becomes a 401, an Allow carries the principal to the handler,
 * whose scope check gives the 403. The usage-plan key goes back with it: an integration's own API
 * key, so throttling follows the client, or on AWS the shared key that meters people.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const result = await authenticate(
    { authorization: header(event, 'authorization'), apiKey: header(event, 'x-api-key'), session: cookieRequest(event.httpMethod, sessionHeaders(event)) },
    {
      tokens: () => config.jwt,
      shopperTokens: () => config.shopperJwt,
      findApiClient,
      sessionPrincipal: async (request) => {
        const found = await sessionOfRequest(request, tableDeps());
        return found ? sessionPrincipal(found.session) : undefined;
      },
    },
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
