import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setActivityHandler, setCsrfToken } from './api.js';

/** The session as `/auth/session` describes it (console-design.md). */
export interface SessionView {
  subject: string;
  roles: string[];
  scopes: string[];
  /** The stores a store-bound member works in; empty for chain-wide staff. */
  stores: string[];
  csrfToken: string;
  /** Idle expiry (ISO): slides forward at each refresh. */
  expiresAt: string;
  /** The session ends here whatever happens (ISO). */
  absoluteExpiresAt: string;
}

/** Refresh when less than this is left of the idle lifetime (15 minutes). */
const REFRESH_WITHIN_MS = 5 * 60_000;
const CHECK_EVERY_MS = 30_000;

let current: SessionView | undefined;
let active = false;
const listeners = new Set<(session: SessionView | undefined) => void>();

function set(session: SessionView | undefined): void {
  current = session;
  setCsrfToken(session?.csrfToken);
  for (const listener of listeners) listener(session);
}

/** The signed-in session, if any. */
export function currentSession(): SessionView | undefined {
  return current;
}

/** The session, re-rendering when it changes (sign-in, refresh, sign-out, expiry). */
export function useSession(): SessionView | undefined {
  const [session, setSession] = useState(current);
  useEffect(() => {
    listeners.add(setSession);
    setSession(current);
    return () => void listeners.delete(setSession);
  }, []);
  return session;
}

/** Reads the session the cookie names (`GET /auth/session`); undefined when there is none. */
export async function loadSession(): Promise<SessionView | undefined> {
  try {
    set(await api.get<SessionView>('/auth/session'));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    set(undefined);
  }
  return current;
}

/** Signs in (`POST /auth/session`) with a local or an authorization-code grant. */
export async function signIn(grant: Record<string, unknown>): Promise<SessionView> {
  const session = await api.post<SessionView>('/auth/session', { body: grant, idempotent: false });
  set(session);
  active = false;
  return session;
}

/** Signs out (`DELETE /auth/session`); the session is forgotten here even if the API cannot be reached. */
export async function signOut(): Promise<void> {
  try {
    await api.del('/auth/session');
  } finally {
    set(undefined);
  }
}

/** The API answered 401: the session is over. */
export function sessionEnded(): void {
  set(undefined);
}

/** `POST /auth/session/refresh`: a new session id and a later idle expiry; undefined (signed out) when refused. */
export async function refreshSession(): Promise<SessionView | undefined> {
  try {
    set(await api.post<SessionView>('/auth/session/refresh', { idempotent: false }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) set(undefined);
    else throw error;
  }
  return current;
}

/** True when the session's scopes include `scope`. */
export function hasScope(session: SessionView | undefined, scope: string): boolean {
  return session?.scopes.includes(scope) ?? false;
}

/**
 * Keeps the session alive while the console is used: every so often, when an API call was answered since the last
 * refresh and less than five minutes are left, it refreshes. A console left alone lets its session expire.
 */
export function startSessionKeeper(): () => void {
  setActivityHandler(() => (active = true));
  const timer = setInterval(() => {
    if (!current || !active) return;
    const left = Date.parse(current.expiresAt) - Date.now();
    if (left > REFRESH_WITHIN_MS) return;
    active = false;
    refreshSession().catch((error: unknown) => console.warn('session refresh failed', error));
  }, CHECK_EVERY_MS);
  return () => clearInterval(timer);
}
