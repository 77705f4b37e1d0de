import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The staff console's session: pure rules, no I/O. A session is a random id the browser holds in an HttpOnly cookie;
 * the table holds only the id's SHA-256, and the CSRF token is derived from the id, so neither the id nor the token is
 * ever stored. See docs/console-sign-in.md.
 */

/** `__Host-`: the browser sets it only with `Secure`, `Path=/` and no `Domain`, so no subdomain can plant or read it. */
export const SESSION_COOKIE = '__Host-smartshelf-session';

/** A session ends after this many seconds without a refresh (the idle lifetime)... */
export const IDLE_SECONDS = 15 * 60;
/** ...and this many after sign-in whatever happens (the absolute lifetime). */
export const ABSOLUTE_SECONDS = 8 * 60 * 60;

/** 32 random bytes as base64url, no padding: 43 characters. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A new session id: 256 random bits, base64url. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** What the table keys a session by: the SHA-256 (hex) of its id, so a table dump holds no usable session. */
export function sessionHash(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/**
 * The session's CSRF token: SHA-256 of `csrf:` and the id, base64url. Derived, so never stored; one-way, so knowing the
 * token (which the page holds in script-readable memory) reveals nothing of the HttpOnly id.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`csrf:${sessionId}`, 'utf8').digest('base64url');
}

/** Whether `sent` is the session's CSRF token, compared in constant time. */
export function csrfTokenMatches(sessionId: string, sent: string | undefined): boolean {
  if (sent === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId), 'utf8');
  const given = Buffer.from(sent, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A session's two deadlines. */
export interface SessionTimes {
  /** When it ends unless refreshed before: the idle deadline, never past `absoluteExpiresAt`. */
  expiresAt: Date;
  /** When it ends whatever happens: sign-in plus the absolute lifetime. */
  absoluteExpiresAt: Date;
}

/** The deadlines of a session signed in at `now`. */
export function startTimes(now: Date): SessionTimes {
  const absoluteExpiresAt = new Date(now.getTime() + ABSOLUTE_SECONDS * 1000);
  return { expiresAt: idleDeadline(now, absoluteExpiresAt), absoluteExpiresAt };
}

/** The deadlines after a refresh at `now`: the idle one slides, the absolute one stays. */
export function slideTimes(times: SessionTimes, now: Date): SessionTimes {
  return { expiresAt: idleDeadline(now, times.absoluteExpiresAt), absoluteExpiresAt: times.absoluteExpiresAt };
}

function idleDeadline(now: Date, absolute: Date): Date {
  return new Date(Math.min(now.getTime() + IDLE_SECONDS * 1000, absolute.getTime()));
}

/** Whether a session with these deadlines still works at `now`. */
export function isLive(times: SessionTimes, now: Date): boolean {
  return now.getTime() < times.expiresAt.getTime() && now.getTime() < times.absoluteExpiresAt.getTime();
}

const COOKIE_ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Strict';

/**
 * The `Set-Cookie` that gives the browser its session: kept only until the idle deadline (`Max-Age`, whole seconds,
 * 900 but for the last quarter hour of the absolute lifetime), sent only over TLS, never to script, never with a
 * request another site starts.
 */
export function issueCookie(sessionId: string, times: SessionTimes, now: Date): string {
  const maxAge = Math.max(0, Math.floor((times.expiresAt.getTime() - now.getTime()) / 1000));
  return `${SESSION_COOKIE}=${sessionId}; ${COOKIE_ATTRIBUTES}; Max-Age=${maxAge}`;
}

/** The `Set-Cookie` that makes the browser forget its session (sign-out, or a session that no longer works). */
export function expireCookie(): string {
  return `${SESSION_COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`;
}

/**
 * The session id a `Cookie` header carries, or undefined: none, or one not in the shape we issue (which could never
 * be found, so is not looked up). A header with the name twice is refused: which one the browser meant is unknowable.
 */
export function sessionIdFromCookies(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const values = cookieHeader
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${SESSION_COOKIE}=`))
    .map((pair) => pair.slice(SESSION_COOKIE.length + 1));
  return values.length === 1 && SESSION_ID.test(values[0]!) ? values[0] : undefined;
}

/** Methods that change nothing: a cookie request with any other method must carry the CSRF token. */
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/** Whether a request of this method, authenticated by the cookie, needs `X-CSRF-Token`. */
export function needsCsrfToken(method: string | undefined): boolean {
  return !SAFE_METHODS.includes((method ?? '').toUpperCase());
}

/**
 * Whether `Sec-Fetch-Site` lets a cookie request through: absent (older browsers and tools; the CSRF token and
 * SameSite=Strict still hold), `same-origin`, or `none` (the user typed the address). A request another site started,
 * or a sibling subdomain (`same-site`), is refused whatever its method.
 */
export function fetchSiteAllowed(secFetchSite: string | undefined): boolean {
  return secFetchSite === undefined || secFetchSite === 'same-origin' || secFetchSite === 'none';
}

/** `localhost`, `127.0.0.1` or `[::1]`, with any port: the hosts a developer's own machine is reached by. */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/**
 * Whether a `Host` header names this machine. A web page that rebinds its own DNS name to 127.0.0.1 reaches the port
 * but its requests still name its host, so what is offered only to loopback hosts stays out of its reach.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}
