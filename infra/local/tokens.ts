import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { keys } from '../../shared/db/keys.js';

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

/** A member of staff's roles and stores as the local store of principals holds them (`keys.staffPrincipal`). */
export interface StaffGrant {
  roles: readonly string[];
  stores: readonly string[];
}

/** Looks a subject up in the local store of principals; undefined for one an admin never gave roles. */
export type StaffLookup = (subject: string) => Promise<StaffGrant | undefined>;

/**
 * The table's store of principals, read with the platform's own client: what `PUT /staff/{subject}/roles` wrote
 * locally, read strongly consistent so that a role just taken away is gone from the very next token.
 */
export function tableStaffLookup(client: DynamoDBClient, tableName: string): StaffLookup {
  return async (subject) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(keys.staffPrincipal(subject)), ConsistentRead: true }));
    if (!Item) return undefined;
    const item = unmarshall(Item);
    const words = (v: unknown) => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : []);
    return { roles: words(item.roles), stores: words(item.stores) };
  };
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
 * authorizer reads on AWS (roles and stores from `options.staff` for a subject it knows): `sub`, `roles`, `stores` (Cognito: `store:<id>` groups), a space-separated `scope`, and
 * `token_use: access`.
 */
export async function loadIssuer(keyFile: string, options: { staff?: StaffLookup } = {}): Promise<LocalIssuer> {
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
      // A subject an admin gave roles to gets those, as a Cognito user gets their groups, whatever was asked; anyone
      // else keeps what the request names (the tests' and the sign-in page's ad hoc principals).
      const managed = await options.staff?.(request.subject);
      const roles = managed ? managed.roles : request.roles;
      const stores = managed ? managed.stores : (request.stores ?? []);
      const claims = { roles: [...roles], stores: [...stores], scope: [...(request.scopes ?? [])].join(' '), token_use: 'access' };
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
