import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
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
  /** The SmartShelf scopes the token asks for: they can only narrow what its roles confer. */
  scopes: Scope[];
  /** Store ids the identity names: the `stores` claim, or Cognito groups `store:<id>`. */
  stores: string[];
  /** The sign-in email, when the issuer puts one in the token (the shoppers' pool, through its pre-token trigger; locally, if minted so). */
  email?: string;
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

const STORE_GROUP = 'store:';

/** Roles come from our own `roles` claim, or from Cognito groups. */
export function rolesFromClaims(payload: JWTPayload): Role[] {
  const raw = payload.roles ?? payload['cognito:groups'];
  return parseRoles(Array.isArray(raw) ? raw : []);
}

/** Stores come from our own `stores` claim, or from Cognito groups named `store:<id>` (groups reach access tokens; custom attributes do not). */
export function storesFromClaims(payload: JWTPayload): string[] {
  if (Array.isArray(payload.stores)) return payload.stores.filter((s): s is string => typeof s === 'string');
  const groups = payload['cognito:groups'];
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string' && g.startsWith(STORE_GROUP)).map((g) => g.slice(STORE_GROUP.length)) : [];
}

/** The only algorithm our issuers sign with (Cognito and the local one): a token naming another is refused before any key is tried. */
const ALGORITHMS = ['RS256'];

/**
 * Verifies a bearer JWT against the issuer's JWKS: an RS256 signature, an expiry (required), the issuer, the
 * audience, and that it is an access token (`token_use: access`; an ID token is for the client, not for APIs).
 * Cognito access tokens carry the app client in `client_id` instead of `aud`, so either one may match.
 */
export async function verifyBearerToken(token: string, settings: TokenSettings): Promise<VerifiedToken> {
  const { payload } = await jwtVerify(token, keySet(settings.jwksUrl), {
    issuer: settings.issuer,
    algorithms: ALGORITHMS,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: 5,
  });
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  if (!audiences.includes(settings.audience) && payload.client_id !== settings.audience) {
    throw new Error('token audience does not match');
  }
  if (payload.token_use !== 'access') throw new Error('token is not an access token');
  const email = typeof payload.email === 'string' && payload.email.length <= 254 ? payload.email : undefined;
  return {
    subject: payload.sub!,
    roles: rolesFromClaims(payload),
    scopes: scopesFromClaim(payload.scope),
    stores: storesFromClaims(payload),
    ...(email ? { email } : {}),
  };
}

/**
 * The issuer a token names, read without verifying it: only to choose which issuer's keys and rules to verify it
 * with, so a forged `iss` gains nothing but a check against keys that did not sign it. `undefined` for a malformed token.
 */
export function claimedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}
