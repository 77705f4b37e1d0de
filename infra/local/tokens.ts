import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const LOCAL_ISSUER = 'smartshelf-local';
export const LOCAL_AUDIENCE = 'smartshelf-api';

/** Longest lifetime of a locally minted token: a week. */
export const MAX_TOKEN_SECONDS = 7 * 24 * 60 * 60;

export interface MintRequest {
  subject: string;
  roles: readonly string[];
  /** OAuth2 scopes to ask for in the `scope` claim: they can only narrow what the roles confer. */
  scopes?: readonly string[];
  /** The stores a store-bound role (picker, store-manager, a till) works at: the `stores` claim. */
  stores?: readonly string[];
  /** The sign-in email: the `email` claim, as the shoppers' pool puts in its tokens on AWS. */
  email?: string;
  expiresInSeconds?: number;
}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  /** The public key set that JWKS_URL serves. */
  jwks: { keys: JWK[] };
  mint(request: MintRequest): Promise<string>;
}

/**
 * The local stand-in for the identity provider: an RS256 key pair kept at `keyFile` (created on
 * first use) so that tokens stay valid across restarts, signing tokens with the same claims the
 * authorizer reads on AWS: `sub`, `roles`, `stores` (Cognito: `store:<id>` groups), a space-separated `scope`, and
 * `token_use: access`.
 */
export async function loadIssuer(keyFile: string): Promise<LocalIssuer> {
  const privateJwk = await loadOrCreateKey(keyFile);
  const key = await importJWK(privateJwk, 'RS256');
  const { kty, n, e, kid } = privateJwk;
  const publicJwk: JWK = { kty, n, e, kid, alg: 'RS256', use: 'sig' };
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwks: { keys: [publicJwk] },
    mint: async (request) => {
      const lifetime = request.expiresInSeconds ?? 3600;
      const claims = { roles: [...request.roles], stores: [...(request.stores ?? [])], scope: [...(request.scopes ?? [])].join(' '), token_use: 'access' };
      return new SignJWT(request.email ? { ...claims, email: request.email } : claims)
        .setProtectedHeader({ alg: 'RS256', kid: kid!, typ: 'JWT' })
        .setSubject(request.subject)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
        .sign(key);
    },
  };
}

async function loadOrCreateKey(keyFile: string): Promise<JWK> {
  try {
    return JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256' };
  await mkdir(dirname(keyFile), { recursive: true });
  await writeFile(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}
