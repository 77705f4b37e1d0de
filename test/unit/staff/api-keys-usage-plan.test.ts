import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../shared/auth/api-clients.js';
import type { TableDeps } from '../../../shared/db/deps.js';
import { keys } from '../../../shared/db/keys.js';
import { createApiKey, keyIdFor, revokeApiKey, rotateApiKey } from '../../../shared/staff/api-keys.js';
import type { UsagePlanKeys } from '../../../shared/staff/usage-plan-keys.js';

type Items = NonNullable<TransactWriteCommandInput['TransactItems']>;
const T0 = new Date('2026-12-07T10:00:00.000Z');
const ctx = (scope = 'POST /api-keys admin-1 idem-1') => ({ actor: 'admin-1', actorKind: 'person' as const, idempotencyScope: scope });
const request = { name: 'Till 4', roles: ['pos' as const], stores: ['london-bridge'] };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

/**
 * One log of what reached the table and the gateway, in order; a table in memory that keeps the items of the
 * transactions' Puts (enough for these cases: the key's record), and a transaction outcome each test can decide.
 */
function world(outcome: (items: Items, table: Map<string, Record<string, unknown>>) => Error | undefined = () => undefined) {
  const log: string[] = [];
  const table = new Map<string, Record<string, unknown>>();
  const at = (key: { pk: string; sk: string }) => `${key.pk}|${key.sk}`;
  const db = {
    send: (command: GetCommand | TransactWriteCommand) => {
      if (command instanceof GetCommand) {
        log.push('table.get');
        return Promise.resolve({ Item: table.get(at(command.input.Key as { pk: string; sk: string })) });
      }
      log.push('table.transact');
      const items = command.input.TransactItems!;
      const failure = outcome(items, table);
      if (failure) return Promise.reject(failure);
      for (const item of items) if (item.Put) table.set(at(item.Put.Item as { pk: string; sk: string }), item.Put.Item!);
      return Promise.resolve({});
    },
  } as unknown as DynamoDBDocumentClient;
  const registered: { keyId: string; apiKey: string }[] = [];
  const removed: { keyId: string; hashes?: readonly string[] }[] = [];
  /** What the gateway holds now: registered and not removed since. */
  const held = (keyId: string) =>
    registered.filter((r) => r.keyId === keyId && !removed.some((x) => x.keyId === keyId && (!x.hashes || x.hashes.includes(hashApiKey(r.apiKey)))));
  const fail = { register: false, remove: false };
  const gateway: UsagePlanKeys = {
    register: (keyId, apiKey) => {
      log.push('gateway.register');
      if (fail.register) return Promise.reject(new Error('API Gateway is unavailable'));
      registered.push({ keyId, apiKey });
      return Promise.resolve();
    },
    registered: (keyId) => {
      log.push('gateway.registered');
      return Promise.resolve(held(keyId)[0]?.apiKey);
    },
    remove: (keyId, hashes) => {
      log.push('gateway.remove');
      if (fail.remove) return Promise.reject(new Error('API Gateway is unavailable'));
      removed.push({ keyId, ...(hashes ? { hashes } : {}) });
      return Promise.resolve();
    },
  };
  const deps: TableDeps = { db, tableName: 't', now: () => T0, newId: () => 'id' };
  return { log, table, gateway, registered, removed, held, fail, deps };
}

/** A key's record as the table holds it, active, with a predecessor in its overlap when asked. */
function storedKey(id: string, predecessor?: string) {
  return {
    ...keys.apiKey(id),
    id,
    name: 'ERP',
    roles: ['catalog-feed'],
    stores: [],
    status: 'active',
    createdBy: 'admin-1',
    createdAt: T0.toISOString(),
    current: { hash: hashApiKey('ssk_current'), lastFour: 'rent' },
    ...(predecessor ? { predecessor: { hash: hashApiKey(predecessor), lastFour: predecessor.slice(-4), expiresAt: T0.toISOString() } } : {}),
    version: 2,
    createdByRequest: 'print',
  };
}
const KEY_ID = 'key_0123456789abcdef01234567';

describe('creating an API key with the usage plan', () => {
  it('registers the key with the gateway before the transaction that makes it visible, and answers that key', async () => {
    const w = world();
    const { key, apiKey } = await createApiKey(request, ctx(), w.deps, w.gateway);
    expect(w.log).toEqual(['table.get', 'gateway.registered', 'gateway.register', 'table.transact']);
    expect(w.registered).toEqual([{ keyId: key.id, apiKey }]);
    expect(w.removed).toEqual([]);
  });

  it('stores nothing and shows no key when the gateway refuses the registration', async () => {
    const w = world();
    w.fail.register = true;
    await expect(createApiKey(request, ctx(), w.deps, w.gateway)).rejects.toThrow('API Gateway is unavailable');
    expect(w.log).toEqual(['table.get', 'gateway.registered', 'gateway.register']);
    expect(w.table.size).toBe(0);
  });

  it('registers nothing more for a retry of a create that was made, and answers it without the key', async () => {
    const w = world();
    const first = await createApiKey(request, ctx(), w.deps, w.gateway);
    w.log.length = 0;
    const again = await createApiKey(request, ctx(), w.deps, w.gateway);
    expect(again).toEqual({ key: first.key });
    expect(w.log).toEqual(['table.get']);
    expect(w.registered).toHaveLength(1);
  });

  it('refuses another body under the same Idempotency-Key without registering anything', async () => {
    const w = world();
    await createApiKey(request, ctx(), w.deps, w.gateway);
    await expect(createApiKey({ ...request, name: 'Till 5' }, ctx(), w.deps, w.gateway)).rejects.toMatchObject({ code: 'idempotency-key-reused' });
    expect(w.registered).toHaveLength(1);
  });

  it('removes its own registration when the same request racing it wrote the key first, and answers the winner without a key', async () => {
    let twin: Record<string, unknown> | undefined;
    const w = world((items, table) => {
      // The twin (same caller, Idempotency-Key and body) commits between this request's read and its transaction.
      twin = { ...items[0]!.Put!.Item!, current: { hash: 'twin', lastFour: 'twin' } };
      table.set(`${keys.apiKey(keyIdFor(ctx().idempotencyScope)).pk}|APIKEY_ID`, twin);
      return cancelled('ConditionalCheckFailed', 'None', 'None');
    });
    const answer = await createApiKey(request, ctx(), w.deps, w.gateway);
    expect(answer.apiKey).toBeUndefined();
    expect(answer.key.lastFour).toBe('twin');
    expect(w.log).toEqual(['table.get', 'gateway.registered', 'gateway.register', 'table.transact', 'table.get', 'gateway.remove']);
    expect(w.removed).toEqual([{ keyId: answer.key.id, hashes: [hashApiKey(w.registered[0]!.apiKey)] }]);
  });

  it('keeps the registration when the racing twin wrote the same reused key, which is the winner’s', async () => {
    const w = world((items, table) => {
      table.set(`${keys.apiKey(keyIdFor(ctx().idempotencyScope)).pk}|APIKEY_ID`, { ...items[0]!.Put!.Item! });
      return cancelled('ConditionalCheckFailed', 'None', 'None');
    });
    const answer = await createApiKey(request, ctx(), w.deps, w.gateway);
    expect(answer.apiKey).toBeUndefined();
    expect(w.removed).toEqual([]);
  });

  it('still answers the race when removing the unseen registration fails: that gateway key is inert', async () => {
    const w = world((items, table) => {
      table.set(`${keys.apiKey(keyIdFor(ctx().idempotencyScope)).pk}|APIKEY_ID`, { ...items[0]!.Put!.Item! });
      return cancelled('ConditionalCheckFailed', 'None', 'None');
    });
    w.fail.remove = true;
    await expect(createApiKey(request, ctx(), w.deps, w.gateway)).resolves.toMatchObject({ key: { id: keyIdFor(ctx().idempotencyScope) } });
  });

  it('reuses the key a crashed attempt registered when the request is retried: it was shown to nobody', async () => {
    const w = world();
    let crash = true;
    const crashing = { ...w.deps, db: { send: (c: unknown) => (c instanceof TransactWriteCommand && crash ? Promise.reject(new Error('Lambda timed out')) : w.deps.db.send(c as never)) } } as TableDeps;
    await expect(createApiKey(request, ctx(), crashing, w.gateway)).rejects.toThrow('Lambda timed out');
    const left = w.registered[0]!.apiKey;
    crash = false;
    const { key, apiKey } = await createApiKey(request, ctx(), crashing, w.gateway);
    expect(apiKey).toBe(left);
    expect(key.lastFour).toBe(left.slice(-4));
    expect(w.held(key.id).map((r) => r.apiKey)).toEqual([left, left]);
    expect(w.removed).toEqual([]);
  });

  it('makes a new key rather than reuse a registered value of another shape', async () => {
    const w = world();
    w.registered.push({ keyId: keyIdFor(ctx().idempotencyScope), apiKey: 'not-one-of-ours' });
    const { apiKey } = await createApiKey(request, ctx(), w.deps, w.gateway);
    expect(apiKey).toMatch(/^ssk_[A-Za-z0-9_-]{43}$/);
  });
});

describe('rotating an API key with the usage plan', () => {
  it('registers the new key before the transaction, then removes the predecessor it displaced', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID, 'ssk_older'));
    const { apiKey } = await rotateApiKey(KEY_ID, 24, ctx('POST /api-keys/{id}/rotate admin-1 r-1'), w.deps, w.gateway);
    expect(w.log).toEqual(['table.get', 'gateway.register', 'table.transact', 'gateway.remove']);
    expect(w.registered).toEqual([{ keyId: KEY_ID, apiKey }]);
    expect(w.removed).toEqual([{ keyId: KEY_ID, hashes: [hashApiKey('ssk_older')] }]);
  });

  it('removes nothing after a first rotation: the old key works through its overlap', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID));
    await rotateApiKey(KEY_ID, 24, ctx('POST /api-keys/{id}/rotate admin-1 r-1'), w.deps, w.gateway);
    expect(w.log).toEqual(['table.get', 'gateway.register', 'table.transact']);
  });

  it('changes nothing when the gateway refuses the new key', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID, 'ssk_older'));
    w.fail.register = true;
    await expect(rotateApiKey(KEY_ID, 24, ctx(), w.deps, w.gateway)).rejects.toThrow('API Gateway is unavailable');
    expect(w.log).toEqual(['table.get', 'gateway.register']);
  });

  it('removes the new registration when another change wins the race, and answers 409', async () => {
    const w = world(() => cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'None'));
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID));
    await expect(rotateApiKey(KEY_ID, 24, ctx(), w.deps, w.gateway)).rejects.toMatchObject({ code: 'api-key-changed' });
    expect(w.removed).toEqual([{ keyId: KEY_ID, hashes: [hashApiKey(w.registered[0]!.apiKey)] }]);
  });

  it('answers the new key even when removing the displaced predecessor fails', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID, 'ssk_older'));
    w.fail.remove = true;
    const { apiKey } = await rotateApiKey(KEY_ID, 24, ctx(), w.deps, w.gateway);
    expect(apiKey).toMatch(/^ssk_/);
  });

  it('registers nothing for a revoked key', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, { ...storedKey(KEY_ID), status: 'revoked' });
    await expect(rotateApiKey(KEY_ID, 24, ctx(), w.deps, w.gateway)).rejects.toMatchObject({ code: 'api-key-revoked' });
    expect(w.log).toEqual(['table.get']);
  });
});

describe('revoking an API key with the usage plan', () => {
  it('revokes in the table first, then removes every gateway key of it', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID, 'ssk_older'));
    await revokeApiKey(KEY_ID, { actor: 'admin-1' }, w.deps, w.gateway);
    expect(w.log).toEqual(['table.get', 'table.transact', 'gateway.remove']);
    expect(w.removed).toEqual([{ keyId: KEY_ID }]);
  });

  it('fails after the table write when the gateway does, and a retry removes what is left', async () => {
    const w = world();
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, storedKey(KEY_ID));
    w.fail.remove = true;
    await expect(revokeApiKey(KEY_ID, { actor: 'admin-1' }, w.deps, w.gateway)).rejects.toThrow('API Gateway is unavailable');
    expect(w.log).toEqual(['table.get', 'table.transact', 'gateway.remove']);
    // The fake keeps only Puts: mark the key revoked as the transaction did.
    w.table.set(`${keys.apiKey(KEY_ID).pk}|APIKEY_ID`, { ...storedKey(KEY_ID), status: 'revoked', revokedAt: T0.toISOString(), revokedBy: 'admin-1' });
    w.fail.remove = false;
    w.log.length = 0;
    await expect(revokeApiKey(KEY_ID, { actor: 'admin-1' }, w.deps, w.gateway)).resolves.toMatchObject({ status: 'revoked' });
    expect(w.log).toEqual(['table.get', 'gateway.remove']);
    expect(w.removed).toEqual([{ keyId: KEY_ID }]);
  });

  it('touches no gateway for a key that does not exist', async () => {
    const w = world();
    await expect(revokeApiKey(KEY_ID, { actor: 'admin-1' }, w.deps, w.gateway)).rejects.toMatchObject({ kind: 'not-found' });
    expect(w.log).toEqual(['table.get']);
  });
});
