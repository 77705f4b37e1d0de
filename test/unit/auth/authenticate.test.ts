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
let shopperKey: CryptoKey;
let shopperJwksUrl: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  // The shoppers' pool has keys of its own, served at their own URL (same kid, so only the key set tells them apart).
  const shopperPair = await generateKeyPair('RS256');
  shopperKey = shopperPair.privateKey;
  const shopperJwk = { ...(await exportJWK(shopperPair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [req.url?.startsWith('/shoppers/') ? shopperJwk : jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  shopperJwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shoppers/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients = new Map<string, ApiClient>([
  ['ssk_pos', { name: 'till-7', roles: ['pos'], stores: ['camden', 'not a store!'], status: 'active', createdAt: '2026-01-01T00:00:00Z' }],
  ['ssk_feed', { name: 'pim', roles: ['catalog-feed'], stores: [], status: 'active', createdAt: '2026-01-01T00:00:00Z' }],
  ['ssk_stock', { name: 'wms', roles: ['stock-feed'], stores: ['*'], status: 'active', createdAt: '2026-01-01T00:00:00Z' }],
]);
const deps = (): AuthenticateDeps => ({
  tokens: () => ({ issuer: 'smartshelf-test', audience: 'smartshelf-api', jwksUrl }),
  findApiClient: async (key) => clients.get(key),
});

async function token(claims: Record<string, unknown>, opts: { key?: CryptoKey; issuer?: string; audience?: string; exp?: string | null } = {}) {
  const jwt = new SignJWT({ token_use: 'access', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('shopper-1')
    .setIssuer(opts.issuer ?? 'smartshelf-test')
    .setAudience(opts.audience ?? 'smartshelf-api')
    .setIssuedAt();
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? '5m');
  return jwt.sign(opts.key ?? privateKey);
}

const principalOf = async (jwt: string) => (await authenticate({ authorization: `Bearer ${jwt}` }, deps()))?.principal;

describe('authenticate', () => {
  it('grants a bearer token the scopes of its roles, and no more whatever its scope claim asks for', async () => {
    expect(await principalOf(await token({ roles: ['picker'], stores: ['camden'] }))).toEqual({
      subject: 'shopper-1',
      kind: 'user',
      roles: ['picker'],
      scopes: ['inventory:read', 'orders:pick', 'orders:read'],
      stores: ['camden'],
    });
    // Asking for admin, or for a scope of another role, widens nothing; asking for less narrows.
    expect((await principalOf(await token({ roles: ['picker'], scope: 'admin catalog:write' })))?.scopes).toEqual([]);
    expect((await principalOf(await token({ roles: ['picker'], scope: 'orders:read admin' })))?.scopes).toEqual(['orders:read']);
  });

  it('reads Cognito groups as roles and stores, and strips the resource-server prefix from scopes', async () => {
    const jwt = await token({ 'cognito:groups': ['store-manager', 'not-a-role', 'store:london-bridge', 'store:*'], scope: 'smartshelf/admin smartshelf/orders:refund openid' });
    const principal = await principalOf(jwt);
    expect(principal).toMatchObject({ roles: ['store-manager'], scopes: ['orders:refund'], stores: ['london-bridge'] });
    expect(scopesFromClaim('smartshelf/orders:read email')).toEqual(['orders:read']);
  });

  it('makes chain-wide only the chain-wide roles, never a store list a person’s token names', async () => {
    expect((await principalOf(await token({ roles: ['admin'] })))?.stores).toEqual(['*']);
    expect((await principalOf(await token({ roles: ['head-office'], stores: ['camden'] })))?.stores).toEqual(['*']);
    expect((await principalOf(await token({ roles: ['store-manager'], stores: ['*', 'camden'] })))?.stores).toEqual(['camden']);
    expect((await principalOf(await token({ roles: ['shopper'] })))?.stores).toEqual([]);
  });

  type Variation = { other?: boolean; issuer?: string; audience?: string; exp?: string | null };
  it.each<[string, Variation]>([
    ['signed by another key', { other: true }],
    ['from another issuer', { issuer: 'evil' }],
    ['for another audience', { audience: 'other-api' }],
    ['expired', { exp: '-1m' }],
    ['without an expiry', { exp: null }],
  ])('rejects a token %s', async (_label, { other, ...rest }) => {
    const jwt = await token({ roles: ['admin'] }, { ...rest, ...(other ? { key: otherKey } : {}) });
    expect(await authenticate({ authorization: `Bearer ${jwt}` }, deps())).toBeUndefined();
  });

  it('rejects an ID token, a token of no use, one with another algorithm, and an unsigned one', async () => {
    expect(await principalOf(await token({ roles: ['admin'], token_use: 'id' }))).toBeUndefined();
    expect(await principalOf(await token({ roles: ['admin'], token_use: undefined }))).toBeUndefined();
    const secret = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256');
    const hs256 = await new SignJWT({ roles: ['admin'], token_use: 'access' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('x')
      .setIssuer('smartshelf-test')
      .setAudience('smartshelf-api')
      .setExpirationTime('5m')
      .sign(secret);
    expect(await principalOf(hs256)).toBeUndefined();
    const [, payload] = (await token({ roles: ['admin'] })).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    expect(await principalOf(unsigned)).toBeUndefined();
  });

  it('accepts a known API key with the roles, scopes and stores of its record, and returns it as the usage-plan key', async () => {
    const result = await authenticate({ apiKey: 'ssk_pos' }, deps());
    expect(result?.principal).toEqual({ subject: 'client:till-7', kind: 'integration', roles: ['pos'], scopes: ['inventory:read', 'orders:write'], stores: ['camden'] });
    expect(result?.apiKey).toBe('ssk_pos');
    // A catalog feed can neither refund nor touch promotions; a chain-wide key is one registered so.
    expect((await authenticate({ apiKey: 'ssk_feed' }, deps()))?.principal).toMatchObject({ scopes: ['catalog:import', 'catalog:write'], stores: [] });
    expect((await authenticate({ apiKey: 'ssk_stock' }, deps()))?.principal.stores).toEqual(['*']);
  });

  it('rejects an unknown API key and missing credentials', async () => {
    expect(await authenticate({ apiKey: 'ssk_nope' }, deps())).toBeUndefined();
    expect(await authenticate({}, deps())).toBeUndefined();
    expect(await authenticate({ authorization: 'Basic dTpw' }, deps())).toBeUndefined();
  });

  describe('with a shoppers\' pool beside the staff one', () => {
    const SHOPPER_ISSUER = 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_shoppers';
    const bothPools = (): AuthenticateDeps => ({
      ...deps(),
      shopperTokens: () => ({ issuer: SHOPPER_ISSUER, audience: 'shopper-app', jwksUrl: shopperJwksUrl }),
    });
    const shopperToken = (claims: Record<string, unknown>, key: CryptoKey = shopperKey) =>
      token({ client_id: 'shopper-app', ...claims }, { key, issuer: SHOPPER_ISSUER, audience: 'not-checked' });
    const asBoth = async (jwt: string) => (await authenticate({ authorization: `Bearer ${jwt}` }, bothPools()))?.principal;

    it('makes a shoppers\' pool token a shopper with its email, whatever roles, groups or stores it claims', async () => {
      const plain = await asBoth(await shopperToken({ email: 'ada@example.com', scope: 'aws.cognito.signin.user.admin' }));
      expect(plain).toEqual({
        subject: 'shopper-1',
        kind: 'user',
        roles: ['shopper'],
        scopes: ['account:read', 'account:write', 'cart:write', 'orders:read'],
        stores: [],
        email: 'ada@example.com',
      });
      const claimsStaff = await asBoth(await shopperToken({ roles: ['admin'], 'cognito:groups': ['head-office', 'store:camden'], stores: ['*'] }));
      expect(claimsStaff).toMatchObject({ roles: ['shopper'], stores: [] });
      expect(claimsStaff?.scopes).not.toContain('admin');
      // Its scope claim still narrows, as a staff token's does.
      expect((await asBoth(await shopperToken({ scope: 'smartshelf/account:read' })))?.scopes).toEqual(['account:read']);
    });

    it('keeps the staff pool\'s rules for its tokens, and checks each pool\'s tokens with that pool\'s keys only', async () => {
      expect(await asBoth(await token({ roles: ['store-manager'], stores: ['camden'] }))).toMatchObject({ roles: ['store-manager'], stores: ['camden'] });
      // A token naming the shoppers' issuer but signed with the staff key, and the other way round, are refused.
      expect(await asBoth(await shopperToken({}, privateKey))).toBeUndefined();
      expect(await asBoth(await token({ roles: ['admin'] }, { key: shopperKey }))).toBeUndefined();
      // A shoppers' token for another app client is refused too.
      expect(await asBoth(await token({ client_id: 'other-app' }, { key: shopperKey, issuer: SHOPPER_ISSUER, audience: 'other-app' }))).toBeUndefined();
    });
  });
});
