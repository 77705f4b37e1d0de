import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfTokenFor, sessionHash } from '../../../shared/auth/session.js';
import { CreateSessionRequest, refreshSession, signIn, type SessionDeps } from '../../../shared/auth/session-sign-in.js';
import { createSession, findSession } from '../../../shared/auth/session-store.js';
import type { TableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { AppError } from '../../../shared/errors.js';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { engines, testDynamo, uniqueId } from '../../support/engines.js';

/**
 * Console sessions against DynamoDB Local through the real SDK: only the id's hash is stored, with a TTL; a refresh
 * rotates the id in one transaction, and two refreshes racing on one session leave exactly one live session. The
 * Cognito grant against a fake hosted UI token endpoint that signs with a local key pair and checks the PKCE verifier
 * as Cognito does (`invalid_grant`), including a used code, a token of another pool and an identity with no staff role.
 */

const db = testDynamo();
const T0 = new Date('2026-12-07T09:00:00.000Z');
const run = Date.now().toString(36);
/**
 * A table of this file's own: `sessionsOf` scans for a subject's sessions, and a Scan's filter applies after its page
 * limit, so in the shared table (which every other file fills) one page missed them and the counts came out 0.
 */
let tableName = '';
beforeAll(async () => {
  tableName = uniqueId('sessions');
  const client = localDynamoClient(engines().endpoints.dynamodb);
  await migrate({ tableName, client, log: () => undefined, migrations: [] });
  client.destroy();
});
const table = () => ({ db, tableName });
const refusal = async (p: Promise<unknown>) => {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};
const cookieRequest = (sessionId: string) => ({ method: 'POST', cookie: `__Host-smartshelf-session=${sessionId}`, csrfToken: csrfTokenFor(sessionId), secFetchSite: 'same-origin' });

async function sessionsOf(subject: string) {
  const { Items = [] } = await db.send(
    new ScanCommand({ TableName: tableName, FilterExpression: 'entityType = :t AND subject = :s', ExpressionAttributeValues: { ':t': 'StaffSession', ':s': subject }, ConsistentRead: true }),
  );
  return Items;
}

describe('the session store', () => {
  it('keeps only the id’s hash, the grant and the deadlines, with a TTL at the idle deadline', async () => {
    const subject = `store-${run}`;
    const { sessionId } = await createSession({ subject, roles: ['admin'], stores: [], askedScopes: [], method: 'local' }, T0, table());
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.staffSession(sessionHash(sessionId)) }));
    expect(Item).toMatchObject({ subject, roles: ['admin'], sessionExpiresAt: '2026-12-07T09:15:00.000Z', absoluteExpiresAt: '2026-12-07T17:00:00.000Z', expiresAt: T0.getTime() / 1000 + 900 });
    expect(JSON.stringify(Item)).not.toContain(sessionId);
    expect(JSON.stringify(Item)).not.toContain(csrfTokenFor(sessionId));
    expect(await findSession(sessionId, new Date(T0.getTime() + 899_000), table())).toBeDefined();
    expect(await findSession(sessionId, new Date(T0.getTime() + 900_000), table())).toBeUndefined();
  });

  it('rotates on refresh: the new id works, the old one does not, the absolute deadline stays', async () => {
    const subject = `rotate-${run}`;
    const later = new Date(T0.getTime() + 600_000);
    const deps = { ...table(), now: () => later, directory: { get: async () => undefined } };
    const { sessionId } = await createSession({ subject, roles: ['store-manager'], stores: ['london-bridge'], askedScopes: [], method: 'local' }, T0, table());
    const rotated = await refreshSession(cookieRequest(sessionId), deps);
    expect(rotated.sessionId).not.toBe(sessionId);
    expect(rotated.session).toMatchObject({ roles: ['store-manager'], stores: ['london-bridge'] });
    expect(rotated.session.expiresAt).toEqual(new Date(later.getTime() + 900_000));
    expect(rotated.session.absoluteExpiresAt).toEqual(new Date(T0.getTime() + 8 * 3_600_000));
    expect(await findSession(sessionId, later, table())).toBeUndefined();
    expect(await findSession(rotated.sessionId, later, table())).toBeDefined();
    expect(await sessionsOf(subject)).toHaveLength(1);
  });

  it('refreshes with the roles the staff directory now holds, and signs out someone left with none', async () => {
    const subject = `demoted-${run}`;
    let held = { roles: ['picker' as const], stores: ['camden'] };
    const deps = { ...table(), now: () => T0, directory: { get: async () => held } };
    const { sessionId } = await createSession({ subject, roles: ['store-manager'], stores: ['london-bridge'], askedScopes: [], method: 'local' }, T0, table());
    const rotated = await refreshSession(cookieRequest(sessionId), deps);
    expect(rotated.session).toMatchObject({ roles: ['picker'], stores: ['camden'] });
    held = { roles: [] as never[], stores: [] };
    expect((await refusal(refreshSession(cookieRequest(rotated.sessionId), deps))).code).toBe('no-session');
    expect(await sessionsOf(subject)).toHaveLength(0);
  });

  it('lets exactly one of two racing refreshes of one session win, leaving one live session', async () => {
    for (let round = 0; round < 3; round++) {
      const subject = `race-${run}-${round}`;
      const { sessionId } = await createSession({ subject, roles: ['admin'], stores: [], askedScopes: [], method: 'local' }, T0, table());
      // Both refreshes read the session before either writes: a barrier on their reads.
      let arrived = 0;
      let release: () => void = () => undefined;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      const send = async (command: unknown) => {
        const answer = await db.send(command as GetCommand);
        if (command instanceof GetCommand && arrived < 2) {
          arrived += 1;
          if (arrived === 2) release();
          await bothRead;
        }
        return answer;
      };
      const deps = { db: { send } as unknown as TableDeps['db'], tableName, now: () => T0, directory: { get: async () => undefined } };
      const results = await Promise.allSettled([refreshSession(cookieRequest(sessionId), deps), refreshSession(cookieRequest(sessionId), deps)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won, `round ${round}`).toHaveLength(1);
      expect((lost[0]!.reason as AppError).code).toBe('no-session');
      const live = await sessionsOf(subject);
      expect(live).toHaveLength(1);
      expect(live[0]!.pk).toBe(`SESSION#${sessionHash((won[0] as PromiseFulfilledResult<{ sessionId: string }>).value.sessionId)}`);
    }
  });
});

describe('the Cognito grant, against a fake hosted UI', () => {
  const CLIENT_ID = 'console-client-1';
  const REDIRECT = 'https://shop.example/admin/';
  let server: Server;
  let base: string;
  let staffKey: CryptoKey;
  let otherPoolKey: CryptoKey;
  let down = false;
  /** Codes handed out: the challenge they were issued for and the token they redeem to; each redeems once. */
  const codes = new Map<string, { challenge: string; token: string }>();

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    staffKey = pair.privateKey;
    otherPoolKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'staff-1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/jwks.json') return res.end(JSON.stringify({ keys: [jwk] }));
        if (down) return res.writeHead(500).end('{}');
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const issued = codes.get(form.get('code') ?? '');
        const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        const fine =
          req.method === 'POST' && req.url === '/oauth2/token' && req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
          form.get('grant_type') === 'authorization_code' && form.get('client_id') === CLIENT_ID && form.get('redirect_uri') === REDIRECT &&
          !req.headers.authorization && issued !== undefined && issued.challenge === challenge;
        // Cognito answers a wrong verifier, a used or unknown code alike: 400 invalid_grant.
        if (!fine) return res.writeHead(400).end(JSON.stringify({ error: 'invalid_grant' }));
        codes.delete(form.get('code')!);
        res.end(JSON.stringify({ access_token: issued.token, id_token: 'id.token.unused', refresh_token: 'refresh-unused', token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const issuer = () => `${base}/staff-pool`;
  const deps = (): SessionDeps => ({
    ...table(),
    now: () => new Date(),
    mode: { mode: 'cognito', domain: base, clientId: CLIENT_ID },
    staffTokens: () => ({ issuer: issuer(), audience: 'api-client', jwksUrl: `${base}/jwks.json` }),
    directory: { get: async () => undefined },
  });

  async function accessToken(claims: Record<string, unknown>, options: { key?: CryptoKey; issuer?: string } = {}) {
    return new SignJWT({ token_use: 'access', client_id: CLIENT_ID, scope: 'openid', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'staff-1' })
      .setIssuer(options.issuer ?? issuer())
      .setSubject(String(claims.sub ?? `cognito-${run}`))
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(options.key ?? staffKey);
  }

  /** A code the hosted UI handed out for a verifier, and the request the console then makes. */
  async function codeFor(claims: Record<string, unknown>, options: { key?: CryptoKey; issuer?: string } = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const code = randomBytes(16).toString('hex');
    codes.set(code, { challenge: createHash('sha256').update(verifier).digest('base64url'), token: await accessToken(claims, options) });
    return CreateSessionRequest.parse({ grant: 'authorization_code', code, codeVerifier: verifier, redirectUri: REDIRECT });
  }

  it('redeems the code with its verifier and signs in with the token’s groups, keeping no token', async () => {
    const subject = `cognito-manager-${run}`;
    const request = await codeFor({ sub: subject, 'cognito:groups': ['store-manager', 'store:london-bridge'] });
    if (request.grant !== 'authorization_code') throw new Error('unreachable');
    const { sessionId, session } = await signIn(request, 'shop.example', deps());
    expect(session).toMatchObject({ subject, roles: ['store-manager'], stores: ['london-bridge'], method: 'cognito' });
    const [item] = await sessionsOf(subject);
    expect(item).toBeDefined();
    const stored = JSON.stringify(item);
    for (const secret of [sessionId, request.code, request.code.slice(0, 8), 'eyJ', 'refresh-unused', request.codeVerifier]) {
      expect(stored).not.toContain(secret);
    }
  });

  it('is refused as Cognito refuses: a wrong verifier, a used code (400 invalid-grant); no session made', async () => {
    const subject = `cognito-refused-${run}`;
    const request = await codeFor({ sub: subject, 'cognito:groups': ['admin'] });
    if (request.grant !== 'authorization_code') throw new Error('unreachable');
    const wrong = { ...request, codeVerifier: randomBytes(32).toString('base64url') };
    expect(await refusal(signIn(wrong, 'shop.example', deps()))).toMatchObject({ kind: 'invalid', code: 'invalid-grant' });
    await signIn(request, 'shop.example', deps());
    expect(await refusal(signIn(request, 'shop.example', deps()))).toMatchObject({ kind: 'invalid', code: 'invalid-grant' });
    expect(await sessionsOf(subject)).toHaveLength(1);
  });

  it('refuses a token of another pool (401), an identity with no staff role (403), and answers 503 when the endpoint fails', async () => {
    const foreign = await codeFor({ sub: `shopper-${run}`, 'cognito:groups': ['admin'] }, { key: otherPoolKey, issuer: `${base}/shopper-pool` });
    expect((await refusal(signIn(foreign, 'shop.example', deps()))).kind).toBe('unauthenticated');
    const forged = await codeFor({ sub: `forged-${run}`, 'cognito:groups': ['admin'] }, { key: otherPoolKey });
    expect((await refusal(signIn(forged, 'shop.example', deps()))).kind).toBe('unauthenticated');
    const shopper = await codeFor({ sub: `only-shopper-${run}`, 'cognito:groups': ['shopper'] });
    expect(await refusal(signIn(shopper, 'shop.example', deps()))).toMatchObject({ kind: 'forbidden', code: 'no-staff-roles' });
    down = true;
    try {
      const request = await codeFor({ sub: `down-${run}`, 'cognito:groups': ['admin'] });
      expect(await refusal(signIn(request, 'shop.example', deps()))).toMatchObject({ kind: 'unavailable', code: 'identity-provider-unavailable' });
    } finally {
      down = false;
    }
    for (const subject of [`shopper-${run}`, `forged-${run}`, `only-shopper-${run}`, `down-${run}`]) expect(await sessionsOf(subject), subject).toHaveLength(0);
  });
});
