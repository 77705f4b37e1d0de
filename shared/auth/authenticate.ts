import { logger } from '../observability/logger.js';
import { keyScopes } from './api-key-rules.js';
import type { findApiClient } from './api-clients.js';
import type { CookieRequest } from './session-sign-in.js';
import { storesFor, type Principal } from './principal.js';
import { scopesForRoles } from './roles.js';
import type { Scope } from './scopes.js';
import { claimedIssuer, verifyBearerToken, type TokenSettings, type VerifiedToken } from './tokens.js';

export interface Credentials {
  authorization?: string | undefined;
  apiKey?: string | undefined;
  /** The console's session cookie, with what a cookie request must also carry (`session-sign-in.ts`). */
  session?: CookieRequest | undefined;
}

export interface Authenticated {
  principal: Principal;
  /** The API key, when that is how the caller authenticated: API Gateway meters the usage plan by it. */
  apiKey?: string;
}

export interface AuthenticateDeps {
  /** The staff pool (locally, the local issuer): roles, scopes and stores come from the token's claims. */
  tokens: () => TokenSettings;
  /** The shoppers' pool, when there is one (on AWS): its tokens are shoppers and nothing else. */
  shopperTokens?: () => TokenSettings | undefined;
  findApiClient: typeof findApiClient;
  /** The principal of a console session cookie the request may use (`sessionOfRequest`), or undefined. */
  sessionPrincipal?: (request: CookieRequest) => Promise<Principal | undefined>;
}

/**
 * Scopes come from roles alone. A token that asks for SmartShelf scopes gets those of them its roles confer, so a
 * client can hold a token narrower than its user; a token asking for none (a plain sign-in) gets its roles' scopes.
 */
export function grantedScopes(roleScopes: readonly Scope[], asked: readonly Scope[]): Scope[] {
  return asked.length === 0 ? [...roleScopes] : roleScopes.filter((s) => asked.includes(s));
}

/** The one role a token of the shoppers' pool confers, whatever groups or claims it carries. */
const SHOPPER_POOL_ROLES = ['shopper'] as const;

/**
 * A person's principal from a verified token. A token of the shoppers' pool is a shopper and only a shopper: anyone
 * may sign up there and edit their own attributes, so no claim in it (groups, `roles`, `stores`) is trusted to make
 * them staff. Only its `scope` narrows, as for staff. The staff pool's tokens keep their claims' roles and stores.
 */
export function personFromToken(token: VerifiedToken, fromShopperPool: boolean): Principal {
  const roles = fromShopperPool ? [...SHOPPER_POOL_ROLES] : token.roles;
  return {
    subject: token.subject,
    kind: 'user',
    roles,
    scopes: grantedScopes(scopesForRoles(roles), token.scopes),
    stores: fromShopperPool ? [] : storesFor(roles, token.stores, { allowAll: false }),
    ...(token.email ? { email: token.email } : {}),
  };
}

/**
 * Establishes who is calling, from the first credential present: a bearer JWT (people), an API key (integrations),
 * the console's session cookie (people, with the same scopes from their roles as a token). Returns undefined for
 * missing or invalid credentials; why is logged, never told.
 */
export async function authenticate(credentials: Credentials, deps: AuthenticateDeps): Promise<Authenticated | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(credentials.authorization ?? '')?.[1];
  if (bearer) {
    try {
      // Each pool verifies only with its own keys, issuer and audience; the claimed issuer only picks which.
      const shopperPool = deps.shopperTokens?.();
      const fromShopperPool = shopperPool !== undefined && claimedIssuer(bearer) === shopperPool.issuer;
      const token = await verifyBearerToken(bearer, fromShopperPool ? shopperPool : deps.tokens());
      return { principal: personFromToken(token, fromShopperPool) };
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
        scopes: keyScopes(client.roles, client.scopes),
        stores: storesFor(client.roles, client.stores, { allowAll: true }),
      },
      apiKey: credentials.apiKey,
    };
  }
  if (credentials.session?.cookie && deps.sessionPrincipal) {
    const principal = await deps.sessionPrincipal(credentials.session);
    return principal ? { principal } : undefined;
  }
  return undefined;
}
