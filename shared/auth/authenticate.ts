import { logger } from '../observability/logger.js';
import type { findApiClient } from './api-clients.js';
import { storesFor, type Principal } from './principal.js';
import { scopesForRoles } from './roles.js';
import type { Scope } from './scopes.js';
import { verifyBearerToken, type TokenSettings } from './tokens.js';

export interface Credentials {
  authorization?: string | undefined;
  apiKey?: string | undefined;
}

export interface Authenticated {
  principal: Principal;
  /** The API key, when that is how the caller authenticated: API Gateway meters the usage plan by it. */
  apiKey?: string;
}

export interface AuthenticateDeps {
  tokens: () => TokenSettings;
  findApiClient: typeof findApiClient;
}

/**
 * Scopes come from roles alone. A token that asks for SmartShelf scopes gets those of them its roles confer, so a
 * client can hold a token narrower than its user; a token asking for none (a plain sign-in) gets its roles' scopes.
 */
export function grantedScopes(roleScopes: readonly Scope[], asked: readonly Scope[]): Scope[] {
  return asked.length === 0 ? [...roleScopes] : roleScopes.filter((s) => asked.includes(s));
}

/**
 * Establishes who is calling from either kind of credential: a bearer JWT for people, an API key
 * for integrations. Returns undefined for missing or invalid credentials; why is logged, never told.
 */
export async function authenticate(credentials: Credentials, deps: AuthenticateDeps): Promise<Authenticated | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(credentials.authorization ?? '')?.[1];
  if (bearer) {
    try {
      const token = await verifyBearerToken(bearer, deps.tokens());
      return {
        principal: {
          subject: token.subject,
          kind: 'user',
          roles: token.roles,
          scopes: grantedScopes(scopesForRoles(token.roles), token.scopes),
          stores: storesFor(token.roles, token.stores, { allowAll: false }),
        },
      };
    } catch (error) {
      logger.info('bearer token rejected', { reason: (error as Error).message });
      return undefined;
    }
  }
  if (credentials.apiKey) {
    const client = await deps.findApiClient(credentials.apiKey);
    if (!client) {
      logger.info('API key rejected');
      return undefined;
    }
    return {
      principal: {
        subject: `client:${client.name}`,
        kind: 'integration',
        roles: client.roles,
        scopes: scopesForRoles(client.roles),
        stores: storesFor(client.roles, client.stores, { allowAll: true }),
      },
      apiKey: credentials.apiKey,
    };
  }
  return undefined;
}
