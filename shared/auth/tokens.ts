import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { SCOPES, type Scope } from './scopes.js';
import { parseRoles, type Role } from './roles.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
}

export interface VerifiedToken {
  subject: string;
  roles: Role[];
  scopes: Scope[];
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** jose caches keys per key set; one set per JWKS URL keeps that cache across invocations. */
function keySet(url: string) {
  let set = keySets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url));
    keySets.set(url, set);
  }
  return set;
}

/** OAuth2 `scope` is space-separated; Cognito prefixes custom scopes with the resource server (`smartshelf/catalog:write`). */
export function scopesFromClaim(claim: unknown): Scope[] {
  if (typeof claim !== 'string') return [];
  return claim
    .split(' ')
    .map((s) => s.slice(s.lastIndexOf('/') + 1))
    .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
}

/** Roles come from our own `roles` claim, or from Cognito groups. */
export function rolesFromClaims(payload: JWTPayload): Role[] {
  const raw = payload.roles ?? payload['cognito:groups'];
  return parseRoles(Array.isArray(raw) ? raw : []);
}

/**
 * Verifies a bearer JWT against the issuer's JWKS: signature, expiry, issuer, and audience. Cognito
 * access tokens carry the app client in `client_id` instead of `aud`, so either one may match.
 */
export async function verifyBearerToken(token: string, settings: TokenSettings): Promise<VerifiedToken> {
  const { payload } = await jwtVerify(token, keySet(settings.jwksUrl), { issuer: settings.issuer, clockTolerance: 5 });
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  if (!audiences.includes(settings.audience) && payload.client_id !== settings.audience) {
    throw new Error('token audience does not match');
  }
  if (!payload.sub) throw new Error('token has no subject');
  return { subject: payload.sub, roles: rolesFromClaims(payload), scopes: scopesFromClaim(payload.scope) };
}
