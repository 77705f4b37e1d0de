import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { authenticate, type AuthenticateDeps } from '../../../shared/auth/authenticate.js';
import { csrfTokenFor, sessionHash } from '../../../shared/auth/session.js';
import {
  CreateSessionRequest,
  currentSession,
  sessionOfRequest,
  sessionPrincipal,
  sessionView,
  signIn,
  signInOptions,
  signOut,
  type CookieRequest,
  type SessionDeps,
} from '../../../shared/auth/session-sign-in.js';
import type { TableDeps } from '../../../shared/db/deps.js';
import { AppError } from '../../../shared/errors.js';

/**
 * The session's rules over an in-memory table: who may sign in how, and every way a cookie request is refused by the
 * authorizer (no cookie, another shape, cross-site, no or a wrong CSRF token on a change, ended, expired).
 */

const T0 = new Date('2026-12-07T09:00:00.000Z');

function memoryTable() {
  const items = new Map<string, Record<string, unknown>>();
  const send = async (command: unknown) => {
    if (command instanceof GetCommand) return { Item: items.get(String(command.input.Key!.pk)) };
    if (command instanceof PutCommand) {
      items.set(String(command.input.Item!.pk), command.input.Item!);
      return {};
    }
    if (command instanceof DeleteCommand) {
      items.delete(String(command.input.Key!.pk));
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { items, db: { send } as unknown as TableDeps['db'] };
}

function setup(options: { mode?: SessionDeps['mode']; known?: Record<string, { roles: ('picker' | 'admin' | 'store-manager')[]; stores: string[] }> } = {}) {
  const table = memoryTable();
  let now = T0;
  const deps: SessionDeps = {
    db: table.db,
    tableName: 't',
    now: () => now,
    mode: options.mode ?? { mode: 'local' },
    staffTokens: () => ({ issuer: 'https://issuer.example', audience: 'api', jwksUrl: 'http://127.0.0.1:1/jwks' }),
    directory: { get: async (subject) => options.known?.[subject] },
  };
  return { table, deps, setNow: (t: Date) => (now = t) };
}

const local = (body: Record<string, unknown>) => CreateSessionRequest.parse({ grant: 'local', subject: 'dev-1', ...body });
const cookieOf = (id: string) => `__Host-smartshelf-session=${id}`;
const request = (id: string, extra: Partial<CookieRequest> = {}): CookieRequest => ({ method: 'GET', cookie: cookieOf(id), csrfToken: undefined, secFetchSite: undefined, ...extra });
const refusal = async (p: Promise<unknown>) => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

describe('sign-in options', () => {
  it('offers the staff roles locally and the hosted UI on AWS', () => {
    expect(signInOptions({ mode: 'local' })).toEqual({ mode: 'local', roles: ['picker', 'store-manager', 'head-office', 'customer-service', 'admin'] });
    expect(signInOptions({ mode: 'cognito', domain: 'https://auth.example', clientId: 'console1' })).toEqual({
      mode: 'cognito',
      authorizeUrl: 'https://auth.example/oauth2/authorize',
      clientId: 'console1',
      scopes: 'openid',
    });
  });
});

describe('local sign-in', () => {
  it('starts a session holding only the id’s hash, with the roles’ scopes and the stores picked', async () => {
    const { table, deps } = setup();
    const { sessionId, session } = await signIn(local({ roles: ['store-manager'], stores: ['london-bridge'] }), 'localhost:4000', deps);
    expect([...table.items.keys()]).toEqual([`SESSION#${sessionHash(sessionId)}`]);
    expect(JSON.stringify([...table.items.values()])).not.toContain(sessionId);
    const view = sessionView(sessionId, session);
    expect(view).toMatchObject({ subject: 'dev-1', roles: ['store-manager'], stores: ['london-bridge'], csrfToken: csrfTokenFor(sessionId), expiresAt: '2026-12-07T09:15:00.000Z', absoluteExpiresAt: '2026-12-07T17:00:00.000Z' });
    expect(view.scopes).toContain('orders:pick');
    expect(view.scopes).not.toContain('admin');
  });

  it('gives chain-wide staff every store', async () => {
    const { deps } = setup();
    const { session } = await signIn(local({ roles: ['head-office'] }), '127.0.0.1:4000', deps);
    expect(sessionPrincipal(session).stores).toEqual(['*']);
  });

  it('is refused to a host that is not loopback, and where sign-in is Cognito’s', async () => {
    expect((await refusal(signIn(local({ roles: ['admin'] }), 'evil.example', setup().deps))).code).toBe('local-sign-in-refused');
    expect((await refusal(signIn(local({ roles: ['admin'] }), undefined, setup().deps))).code).toBe('local-sign-in-refused');
    const cognito = setup({ mode: { mode: 'cognito', domain: 'https://auth.example', clientId: 'c' } });
    expect((await refusal(signIn(local({ roles: ['admin'] }), 'localhost', cognito.deps))).kind).toBe('forbidden');
  });

  it('wants stores for store-bound roles, and staff roles only', async () => {
    const error = await refusal(signIn(local({ roles: ['picker'] }), 'localhost', setup().deps));
    expect(error.code).toBe('stores-required');
    expect(CreateSessionRequest.safeParse({ grant: 'local', subject: 'x', roles: ['shopper'] }).success).toBe(false);
    expect(CreateSessionRequest.safeParse({ grant: 'local', subject: 'x', roles: [] }).success).toBe(false);
    expect(CreateSessionRequest.safeParse({ grant: 'local', subject: 'x', roles: ['admin'], extra: 1 }).success).toBe(false);
  });

  it('takes the roles the staff directory holds for someone it knows, and refuses them with none', async () => {
    const { deps } = setup({ known: { 'dev-1': { roles: ['picker'], stores: ['camden'] }, gone: { roles: [], stores: [] } } });
    const { session } = await signIn(local({ roles: ['admin'] }), 'localhost', deps);
    expect(session).toMatchObject({ roles: ['picker'], stores: ['camden'] });
    expect((await refusal(signIn(local({ subject: 'gone', roles: ['admin'] }), 'localhost', deps))).code).toBe('no-staff-roles');
  });

  it('refuses a code grant where sign-in is local', async () => {
    const body = CreateSessionRequest.parse({ grant: 'authorization_code', code: 'abc', codeVerifier: 'v'.repeat(43), redirectUri: 'https://shop.example/admin/' });
    expect((await refusal(signIn(body, 'localhost', setup().deps))).code).toBe('grant-not-offered');
  });
});

describe('a cookie request, as the authorizer sees it', () => {
  async function signedIn() {
    const s = setup();
    const { sessionId } = await signIn(local({ roles: ['admin'] }), 'localhost', s.deps);
    const authDeps: AuthenticateDeps = {
      tokens: () => ({ issuer: 'x', audience: 'y', jwksUrl: 'http://127.0.0.1:1/jwks' }),
      findApiClient: async () => undefined,
      sessionPrincipal: async (r) => {
        const found = await sessionOfRequest(r, s.deps);
        return found ? sessionPrincipal(found.session) : undefined;
      },
    };
    const principal = async (r: CookieRequest) => (await authenticate({ session: r }, authDeps))?.principal;
    return { ...s, sessionId, principal };
  }

  it('authenticates a GET with the cookie alone, and a change with its CSRF token', async () => {
    const { sessionId, principal } = await signedIn();
    expect(await principal(request(sessionId))).toMatchObject({ subject: 'dev-1', kind: 'user', roles: ['admin'], stores: ['*'] });
    expect((await principal(request(sessionId, { method: 'POST', csrfToken: csrfTokenFor(sessionId), secFetchSite: 'same-origin' })))?.scopes).toContain('admin');
    expect(await principal(request(sessionId, { method: 'HEAD', secFetchSite: 'none' }))).toBeDefined();
  });

  it('refuses a change without the CSRF token or with another session’s', async () => {
    const { sessionId, principal } = await signedIn();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(await principal(request(sessionId, { method })), method).toBeUndefined();
      expect(await principal(request(sessionId, { method, csrfToken: csrfTokenFor('x'.repeat(43)) })), method).toBeUndefined();
      expect(await principal(request(sessionId, { method, csrfToken: sessionId })), method).toBeUndefined();
    }
  });

  it('refuses a request another site or a sibling subdomain started, whatever its method', async () => {
    const { sessionId, principal } = await signedIn();
    expect(await principal(request(sessionId, { secFetchSite: 'cross-site' }))).toBeUndefined();
    expect(await principal(request(sessionId, { secFetchSite: 'same-site' }))).toBeUndefined();
    expect(await principal(request(sessionId, { method: 'POST', csrfToken: csrfTokenFor(sessionId), secFetchSite: 'cross-site' }))).toBeUndefined();
  });

  it('refuses an unknown, malformed, ended or expired session', async () => {
    const { sessionId, principal, deps, setNow } = await signedIn();
    expect(await principal(request('A'.repeat(43)))).toBeUndefined();
    expect(await principal({ ...request(sessionId), cookie: '__Host-smartshelf-session=nope' })).toBeUndefined();
    expect(await principal({ ...request(sessionId), cookie: undefined })).toBeUndefined();
    setNow(new Date(T0.getTime() + 15 * 60_000));
    expect(await principal(request(sessionId))).toBeUndefined();
    setNow(T0);
    expect(await principal(request(sessionId))).toBeDefined();
    await signOut(request(sessionId, { method: 'DELETE', csrfToken: csrfTokenFor(sessionId) }), deps);
    expect(await principal(request(sessionId))).toBeUndefined();
    expect((await refusal(currentSession(request(sessionId), deps))).code).toBe('no-session');
  });

  it('prefers a bearer token or API key when one is sent beside the cookie', async () => {
    const { sessionId } = await signedIn();
    const result = await authenticate(
      { apiKey: 'ssk_x', session: request(sessionId) },
      {
        tokens: () => ({ issuer: 'x', audience: 'y', jwksUrl: 'http://127.0.0.1:1/jwks' }),
        findApiClient: async () => ({ name: 'feed', roles: ['catalog-feed'], stores: [], status: 'active', createdAt: T0.toISOString() }),
        sessionPrincipal: async () => {
          throw new Error('the cookie must not be read');
        },
      },
    );
    expect(result?.principal).toMatchObject({ subject: 'client:feed', kind: 'integration' });
  });
});
