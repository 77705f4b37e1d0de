import { z } from 'zod';
import { ROLES } from '../../shared/auth/roles.js';
import { SCOPES } from '../../shared/auth/scopes.js';
import { isLoopbackHost } from '../../shared/auth/session.js';
import { StoreId } from '../../shared/stores/model.js';
import { gatewayProblem, type GatewayResponse } from './gateway/problems.js';
import type { LocalRoute } from './gateway/server.js';
import { MAX_TOKEN_SECONDS, type LocalIssuer } from './tokens.js';

export const TOKENS_PATH = '/local/tokens';
export const JWKS_PATH = '/local/.well-known/jwks.json';

const MintBody = z.object({
  subject: z.string().min(1).max(128),
  roles: z.array(z.enum(ROLES)),
  scopes: z.array(z.enum(SCOPES)).optional(),
  stores: z.array(StoreId).max(50).optional(),
  /** The `email` claim, as the shoppers' pool puts in its tokens on AWS. */
  email: z.email().max(254).optional(),
  expiresInSeconds: z.number().int().positive().max(MAX_TOKEN_SECONDS).optional(),
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * The runtime's own endpoints, which exist only locally: `POST /local/tokens` mints a bearer
 * token for any subject, roles and stores (the local identity provider), and the JWKS that the
 * authorizer verifies those tokens with. Minting answers only requests addressed to a loopback
 * host: a web page that rebinds its own DNS name to 127.0.0.1 reaches the port, but its requests
 * still name its host, so it cannot mint an admin token on a developer's machine.
 */
export function localRoutes(issuer: LocalIssuer): LocalRoute[] {
  return [
    {
      method: 'POST',
      path: TOKENS_PATH,
      handle: async ({ body, requestId, host }) => {
        if (!isLoopbackHost(host)) {
          return gatewayProblem('forbidden', 'Tokens are minted only for requests to localhost, 127.0.0.1 or [::1].', requestId);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return gatewayProblem('validation-failed', 'The body must be JSON: {"subject": "...", "roles": ["admin"]}.', requestId);
        }
        const result = MintBody.safeParse(parsed);
        if (!result.success) {
          const detail = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
          return gatewayProblem('validation-failed', detail, requestId);
        }
        const expiresIn = result.data.expiresInSeconds ?? 3600;
        const token = await issuer.mint({ ...result.data, expiresInSeconds: expiresIn });
        return json(200, { token, tokenType: 'Bearer', expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() });
      },
    },
    {
      method: 'GET',
      path: JWKS_PATH,
      handle: async () => json(200, issuer.jwks, { 'cache-control': 'max-age=300' }),
    },
  ];
}
