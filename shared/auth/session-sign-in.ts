import { z } from 'zod';
import { AppError } from '../errors.js';
import { logger } from '../observability/logger.js';
import type { TableDeps } from '../db/deps.js';
import { STORE_BOUND_ROLES } from './api-key-rules.js';
import { grantedScopes } from './authenticate.js';
import { storesFor, type Principal } from './principal.js';
import { CHAIN_WIDE_ROLES, scopesForRoles, STAFF_ROLES, type Role } from './roles.js';
import { csrfTokenFor, csrfTokenMatches, fetchSiteAllowed, isLoopbackHost, needsCsrfToken, sessionIdFromCookies } from './session.js';
import { createSession, deleteSession, findSession, rotateSession, type SessionGrant, type StoredSession } from './session-store.js';
import { verifyBearerToken, type TokenSettings } from './tokens.js';

/** A store id as the stores model spells it (`london-bridge`); spelt here because auth sits below the stores context. */
const StoreIdText = z.string().max(40).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a store id (lower-case words joined by hyphens)');
const StaffRole = z.enum(STAFF_ROLES as [Role, ...Role[]]);

/** The local platform's sign-in: a developer picks who they are. */
export const LocalGrant = z.strictObject({
  grant: z.literal('local'),
  subject: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be a subject (letters, digits, . _ : -, at most 128)'),
  roles: z.array(StaffRole).min(1).max(STAFF_ROLES.length),
  stores: z.array(StoreIdText).max(50).default([]),
});

/** The hosted UI's answer, redeemed with the PKCE verifier the console kept. */
export const CodeGrant = z.strictObject({
  grant: z.literal('authorization_code'),
  code: z.string().regex(/^[A-Za-z0-9._~-]{1,2048}$/, 'must be the code the hosted UI returned'),
  // RFC 7636: 43 to 128 unreserved characters.
  codeVerifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, 'must be a PKCE code verifier (43 to 128 of A-Z a-z 0-9 - . _ ~)'),
  redirectUri: z.url({ protocol: /^https?$/ }).max(2048),
});

/** POST /auth/session. */
export const CreateSessionRequest = z.discriminatedUnion('grant', [LocalGrant, CodeGrant]);
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

/** What the console is told about its session; the id itself travels only in the HttpOnly cookie. */
export const SessionView = z.strictObject({
  subject: z.string(),
  roles: z.array(StaffRole),
  scopes: z.array(z.string()),
  /** Store ids, or `*` for chain-wide staff. */
  stores: z.array(z.string()),
  /** Send as `X-CSRF-Token` with every request that is not GET, HEAD or OPTIONS. */
  csrfToken: z.string(),
  expiresAt: z.iso.datetime(),
  absoluteExpiresAt: z.iso.datetime(),
});
export type SessionView = z.infer<typeof SessionView>;

/** GET /auth/sign-in-options: what the console's sign-in page offers. */
export const SignInOptions = z.strictObject({
  mode: z.enum(['local', 'cognito']),
  roles: z.array(StaffRole).optional(),
  authorizeUrl: z.url().optional(),
  clientId: z.string().optional(),
  scopes: z.string().optional(),
});
export type SignInOptions = z.infer<typeof SignInOptions>;

/** How this deployment signs staff in (`config.consoleSignIn`). */
export type SignInMode = { mode: 'local' } | { mode: 'cognito'; domain: string; clientId: string };

/** The OAuth scopes the console asks the hosted UI for: sign-in only; what staff may do comes from their groups. */
const CONSOLE_OAUTH_SCOPES = 'openid';

/** What the sign-in page offers: the staff roles to pick from locally, the hosted UI's authorize endpoint on AWS. */
export function signInOptions(mode: SignInMode): SignInOptions {
  if (mode.mode === 'local') return { mode: 'local', roles: [...STAFF_ROLES] };
  return { mode: 'cognito', authorizeUrl: `${mode.domain}/oauth2/authorize`, clientId: mode.clientId, scopes: CONSOLE_OAUTH_SCOPES };
}

/**
 * Where a refresh re-reads someone's roles: the staff directory (`shared/staff`, injected by the handler, which sits
 * above both contexts). Undefined for a subject it does not know.
 */
export interface SessionDirectory {
  get(subject: string): Promise<{ roles: Role[]; stores: string[] } | undefined>;
}

/** What the session use-cases need. */
export interface SessionDeps extends Pick<TableDeps, 'db' | 'tableName' | 'now'> {
  mode: SignInMode;
  /** The staff pool's issuer and keys (the authorizer's `config.jwt`); the audience is the console's app client. */
  staffTokens: () => TokenSettings;
  directory: SessionDirectory;
  fetch?: typeof fetch;
}

/** The session view answered to the console. */
export function sessionView(sessionId: string, session: StoredSession): SessionView {
  const principal = sessionPrincipal(session);
  return {
    subject: principal.subject,
    roles: principal.roles,
    scopes: principal.scopes,
    stores: principal.stores,
    csrfToken: csrfTokenFor(sessionId),
    expiresAt: session.expiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
  };
}

/** The principal a session authenticates: a person, with the scopes of their roles (narrowed as their token asked). */
export function sessionPrincipal(session: StoredSession): Principal {
  return {
    subject: session.subject,
    kind: 'user',
    roles: session.roles,
    scopes: grantedScopes(scopesForRoles(session.roles), session.askedScopes),
    stores: storesFor(session.roles, session.stores, { allowAll: false }),
  };
}

/**
 * Staff roles only, and stores exactly when a store-bound role without a chain-wide one needs them (as for
 * `POST /local/tokens` and API keys).
 * @throws AppError `invalid` naming the field
 */
function checkStaffGrant(roles: readonly Role[], stores: readonly string[]): void {
  const storeBound = !roles.some((r) => CHAIN_WIDE_ROLES.includes(r)) && roles.some((r) => STORE_BOUND_ROLES.includes(r));
  if (storeBound && stores.length === 0) {
    throw new AppError('invalid', 'stores-required', `The roles ${roles.join(', ')} work at stores: name them in stores.`, { extensions: { field: 'stores' } });
  }
}

const noStaffRoles = () => new AppError('forbidden', 'no-staff-roles', 'This identity holds no staff role: the console is for staff.');

/**
 * Signs a member of staff in and starts their session. Locally (`mode: local`, loopback hosts only) they pick their
 * roles, unless the staff directory knows them, whose roles win (as for `POST /local/tokens`). On AWS the hosted UI's
 * code is redeemed with its PKCE verifier and the access token verified as the authorizer verifies bearer tokens;
 * its groups are the roles and stores. No token is kept.
 * @throws AppError 403 `local-sign-in-refused`, `no-staff-roles`; 400 `grant-not-offered`, `stores-required`,
 *   `invalid-grant`; 401 for a token that does not verify; 503 `identity-provider-unavailable`
 */
export async function signIn(
  request: CreateSessionRequest,
  host: string | undefined,
  deps: SessionDeps,
): Promise<{ sessionId: string; session: StoredSession }> {
  let grant: SessionGrant;
  if (request.grant === 'local') {
    if (deps.mode.mode !== 'local' || !isLoopbackHost(host)) {
      throw new AppError('forbidden', 'local-sign-in-refused', 'Picking a role is offered only by the local platform, to requests addressed to localhost, 127.0.0.1 or [::1].');
    }
    const known = await deps.directory.get(request.subject);
    const roles = known ? known.roles : request.roles;
    const stores = known ? known.stores : request.stores;
    if (roles.length === 0) throw noStaffRoles();
    if (!known) checkStaffGrant(roles, stores);
    grant = { subject: request.subject, roles, stores, askedScopes: [], method: 'local' };
  } else {
    if (deps.mode.mode !== 'cognito') {
      throw new AppError('invalid', 'grant-not-offered', 'This deployment signs staff in locally: send {"grant": "local", ...}.', { extensions: { field: 'grant' } });
    }
    const accessToken = await redeemCode(request, deps.mode, deps.fetch ?? fetch);
    let token;
    try {
      token = await verifyBearerToken(accessToken, { ...deps.staffTokens(), audience: deps.mode.clientId });
    } catch (error) {
      logger.info('console sign-in token rejected', { reason: (error as Error).message });
      throw new AppError('unauthenticated', 'unauthenticated', 'The identity provider’s token did not verify.');
    }
    const roles = token.roles.filter((r) => STAFF_ROLES.includes(r));
    if (roles.length === 0) throw noStaffRoles();
    grant = { subject: token.subject, roles, stores: token.stores, askedScopes: token.scopes, method: 'cognito' };
  }
  const started = await createSession(grant, deps.now(), deps);
  logger.info('console session started', { subject: grant.subject, method: grant.method, roles: grant.roles });
  return started;
}

/**
 * Redeems an authorization code at the hosted UI's token endpoint (RFC 6749 §4.1.3 with RFC 7636's verifier; a public
 * client, so no secret). Answers the access token alone: the ID and refresh tokens are dropped unread.
 */
async function redeemCode(request: z.infer<typeof CodeGrant>, mode: Extract<SignInMode, { mode: 'cognito' }>, fetcher: typeof fetch): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: mode.clientId,
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
  });
  let response: Response;
  try {
    response = await fetcher(`${mode.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    logger.warn('console sign-in: token endpoint unreachable', { reason: (error as Error).message });
    throw new AppError('unavailable', 'identity-provider-unavailable', 'The identity provider could not be reached; try signing in again.');
  }
  const answer = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
  if (response.status >= 400 && response.status < 500) {
    // invalid_grant: a code used, expired, or not matching the verifier or redirect URI; invalid_request and the rest alike.
    logger.info('console sign-in: code refused', { status: response.status, error: typeof answer.error === 'string' ? answer.error.slice(0, 40) : undefined });
    throw new AppError('invalid', 'invalid-grant', 'The identity provider refused the code: it is used, expired, or does not match the code verifier or redirect URI. Sign in again.', {
      extensions: { field: 'code' },
    });
  }
  if (!response.ok || typeof answer.access_token !== 'string') {
    logger.warn('console sign-in: token endpoint failed', { status: response.status });
    throw new AppError('unavailable', 'identity-provider-unavailable', 'The identity provider failed to answer; try signing in again.');
  }
  return answer.access_token;
}

/** Request facts a cookie check needs: lower-cased header names, as the HTTP layer and the authorizer give them. */
export interface CookieRequest {
  method: string | undefined;
  cookie: string | undefined;
  csrfToken: string | undefined;
  secFetchSite: string | undefined;
}

/**
 * The live session a request's cookie names, when the request may use it: `Sec-Fetch-Site` absent, `same-origin` or
 * `none`, and for a method that changes anything the session's `X-CSRF-Token`. Undefined otherwise; why is logged,
 * never told (a 401 like any bad credential).
 */
export async function sessionOfRequest(
  request: CookieRequest,
  deps: Pick<TableDeps, 'db' | 'tableName' | 'now'>,
): Promise<{ sessionId: string; session: StoredSession } | undefined> {
  const sessionId = sessionIdFromCookies(request.cookie);
  if (!sessionId) return undefined;
  if (!fetchSiteAllowed(request.secFetchSite)) {
    logger.info('session cookie refused: cross-site request', { secFetchSite: request.secFetchSite?.slice(0, 20) });
    return undefined;
  }
  if (needsCsrfToken(request.method) && !csrfTokenMatches(sessionId, request.csrfToken)) {
    logger.info('session cookie refused: missing or wrong CSRF token', { method: request.method });
    return undefined;
  }
  const session = await findSession(sessionId, deps.now(), deps);
  if (!session) logger.info('session cookie refused: no live session');
  return session ? { sessionId, session } : undefined;
}

const noSession = () => new AppError('unauthenticated', 'no-session', 'No live session: sign in again.');

/** GET /auth/session. @throws AppError 401 `no-session` */
export async function currentSession(request: CookieRequest, deps: Pick<TableDeps, 'db' | 'tableName' | 'now'>): Promise<{ sessionId: string; session: StoredSession }> {
  const found = await sessionOfRequest(request, deps);
  if (!found) throw noSession();
  return found;
}

/**
 * Refresh: a new id (the old one stops working), the idle deadline slid (never past the absolute one), and the roles
 * and stores re-read from the staff directory when it knows the subject, so a role taken away ends here at the latest.
 * Someone the directory knows with no role left is signed out. A local session of a subject it does not know keeps
 * the roles picked at sign-in.
 * @throws AppError 401 `no-session` (also for the loser of two racing refreshes)
 */
export async function refreshSession(request: CookieRequest, deps: Pick<SessionDeps, 'db' | 'tableName' | 'now' | 'directory'>): Promise<{ sessionId: string; session: StoredSession }> {
  const { sessionId, session } = await currentSession(request, deps);
  const known = await deps.directory.get(session.subject);
  if (known && known.roles.length === 0) {
    await deleteSession(sessionId, deps);
    logger.info('console session ended: no staff role left', { subject: session.subject });
    throw noSession();
  }
  const rotated = await rotateSession(sessionId, session, known ?? session, deps.now(), deps);
  if (!rotated) throw noSession();
  return rotated;
}

/** Sign-out: the session is deleted, so its cookie is refused from the next request. @throws AppError 401 `no-session` */
export async function signOut(request: CookieRequest, deps: Pick<TableDeps, 'db' | 'tableName' | 'now'>): Promise<void> {
  const { sessionId, session } = await currentSession(request, deps);
  await deleteSession(sessionId, deps);
  logger.info('console session ended: signed out', { subject: session.subject });
}

/** The cookie facts of a request whose header names are lower-case. */
export function cookieRequest(method: string | undefined, headers: Record<string, string | undefined>): CookieRequest {
  return { method, cookie: headers.cookie, csrfToken: headers['x-csrf-token'], secFetchSite: headers['sec-fetch-site'] };
}
