import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, type AuthenticateDeps } from '../../../shared/auth/authenticate.js';
import type { ApiClient } from '../../../shared/auth/api-clients.js';
import { scopesFromClaim } from '../../../shared/auth/tokens.js';

let server: Server;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let jwksUrl: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients = new Map<string, ApiClient>([
  ['ssk_pos', { name: 'pos', roles: ['integration'], status: 'active', createdAt: '2026-01-01T00:00:00Z' }],
]);
const deps = (): AuthenticateDeps => ({
  tokens: () => ({ issuer: 'smartshelf-test', audience: 'smartshelf-api', jwksUrl }),
  findApiClient: async (key) => clients.get(key),
});

async function token(claims: Record<string, unknown>, opts: { key?: CryptoKey; issuer?: string; audience?: string; exp?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('shopper-1')
    .setIssuer(opts.issuer ?? 'smartshelf-test')
    .setAudience(opts.audience ?? 'smartshelf-api')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.key ?? privateKey);
}

describe('authenticate', () => {
  it('accepts a bearer token and grants the scopes of its roles plus its scope claim', async () => {
    const result = await authenticate({ authorization: `Bearer ${await token({ roles: ['picker'], scope: 'catalog:write' })}` }, deps());
    expect(result?.principal).toEqual({
      subject: 'shopper-1',
      kind: 'user',
      roles: ['picker'],
      scopes: ['catalog:write', 'orders:pick', 'orders:read'],
    });
    expect(result?.apiKey).toBeUndefined();
  });

  it('reads Cognito groups as roles and strips the resource-server prefix from scopes', async () => {
    const jwt = await token({ 'cognito:groups': ['store-manager', 'not-a-role'], scope: 'smartshelf/admin openid' });
    const result = await authenticate({ authorization: `Bearer ${jwt}` }, deps());
    expect(result?.principal.roles).toEqual(['store-manager']);
    expect(result?.principal.scopes).toContain('admin');
    expect(scopesFromClaim('smartshelf/orders:read email')).toEqual(['orders:read']);
  });

  type Variation = { other?: boolean; issuer?: string; audience?: string; exp?: string };
  it.each<[string, Variation]>([
    ['signed by another key', { other: true }],
    ['from another issuer', { issuer: 'evil' }],
    ['for another audience', { audience: 'other-api' }],
    ['expired', { exp: '-1m' }],
  ])('rejects a token %s', async (_label, { other, ...rest }) => {
    const jwt = await token({ roles: ['admin'] }, { ...rest, ...(other ? { key: otherKey } : {}) });
    expect(await authenticate({ authorization: `Bearer ${jwt}` }, deps())).toBeUndefined();
  });

  it('accepts a known API key as an integration and returns it as the usage-plan key', async () => {
    const result = await authenticate({ apiKey: 'ssk_pos' }, deps());
    expect(result?.principal).toMatchObject({ subject: 'client:pos', kind: 'integration', roles: ['integration'] });
    expect(result?.principal.scopes).toContain('catalog:import');
    expect(result?.apiKey).toBe('ssk_pos');
  });

  it('rejects an unknown API key and missing credentials', async () => {
    expect(await authenticate({ apiKey: 'ssk_nope' }, deps())).toBeUndefined();
    expect(await authenticate({}, deps())).toBeUndefined();
    expect(await authenticate({ authorization: 'Basic dTpw' }, deps())).toBeUndefined();
  });
});
