import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { handler as addHandler } from '../../../functions/accounts/add-address.js';
import { handler as listHandler } from '../../../functions/accounts/list-addresses.js';
import { handler as removeHandler } from '../../../functions/accounts/remove-address.js';
import { handler as updateHandler } from '../../../functions/accounts/update-address.js';
import { MAX_ADDRESSES, type AddAddressInput } from '../../../shared/accounts/address-model.js';
import { addAddress, listAddresses, removeAddress, TooManyAddressesError, updateAddress } from '../../../shared/accounts/addresses.js';
import { accountDeps } from '../../../shared/accounts/deps.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { keys } from '../../../shared/db/keys.js';
import { engines, testDynamo } from '../../support/engines.js';
import { apiEvent, lambdaContext, type EventInput } from '../../support/lambda.js';

/**
 * The address book against DynamoDB Local through the real SDK: postcodes normalised per country, the limit and the
 * single default held under races, bad input refused whole and changing nothing, and another shopper's address a 404.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const db = testDynamo();
const deps = () => accountDeps({ db, tableName: engines().tableName });
const aShopper = () => `shopper-${randomUUID()}`;
const shopper = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'], stores: [] });

const home: AddAddressInput = { label: 'Home', recipientName: 'Ada Lovelace', line1: '1 Tooley Street', city: 'London', postcode: 'se12tf', country: 'GB', isDefault: false };
const work = (n: number): AddAddressInput => ({ ...home, label: `Work ${n}`, line1: `${n} Borough High Street` });

async function book(shopperId: string) {
  return (await db.send(new GetCommand({ TableName: engines().tableName, Key: keys.shopperAddressBook(shopperId), ConsistentRead: true }))).Item;
}

async function call(handler: unknown, input: Omit<EventInput, 'body'> & { body?: unknown }) {
  const body = input.body === undefined ? null : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const response = await (handler as Handler)(apiEvent({ ...input, headers: { 'Content-Type': 'application/json', ...input.headers }, body }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, json: response.body ? JSON.parse(response.body) : undefined };
}

const fieldsOf = (problem: { errors?: { field: string }[] } | undefined) => (problem?.errors ?? []).map((e) => e.field).sort();

describe('the address book', () => {
  it('adds an address with its postcode written as the country writes it, and lists it', async () => {
    const shopperId = aShopper();
    const added = await addAddress(shopperId, { ...home, instructions: 'Ring twice', phone: '+447700900123' }, deps());
    expect(added).toMatchObject({ label: 'Home', postcode: 'SE1 2TF', country: 'GB', isDefault: false, version: 1, instructions: 'Ring twice' });
    expect(await listAddresses(shopperId, deps())).toEqual([added]);
    expect(await book(shopperId)).toMatchObject({ count: 1 });
    expect((await book(shopperId))?.defaultId).toBeUndefined();
  });

  it('moves the default in one transaction: the old default stops being it at its next version', async () => {
    const shopperId = aShopper();
    const first = await addAddress(shopperId, { ...home, isDefault: true }, deps());
    const second = await addAddress(shopperId, { ...work(1), isDefault: true }, deps());
    const listed = await listAddresses(shopperId, deps());
    expect(listed.map((a) => [a.id, a.isDefault, a.version])).toEqual([
      [first.id, false, 2],
      [second.id, true, 1],
    ]);
    const back = await updateAddress(shopperId, first.id, { version: 2, isDefault: true }, {}, deps());
    expect(back).toMatchObject({ isDefault: true, version: 3 });
    expect((await listAddresses(shopperId, deps())).filter((a) => a.isDefault).map((a) => a.id)).toEqual([first.id]);
    expect(await book(shopperId)).toMatchObject({ count: 2, defaultId: first.id });
    // Taking the default away leaves none; removing the default leaves none either.
    await updateAddress(shopperId, first.id, { version: 3, isDefault: false }, {}, deps());
    expect((await book(shopperId))?.defaultId).toBeUndefined();
    await updateAddress(shopperId, second.id, { version: 2, isDefault: true }, {}, deps());
    await removeAddress(shopperId, second.id, deps());
    expect(await book(shopperId)).toMatchObject({ count: 1 });
    expect((await book(shopperId))?.defaultId).toBeUndefined();
  });

  it('leaves exactly one default when many "make default" requests race, on new and existing addresses alike', async () => {
    const shopperId = aShopper();
    const addresses = [];
    for (let i = 0; i < 6; i += 1) addresses.push(await addAddress(shopperId, work(i), deps()));
    await Promise.all([
      ...addresses.map((a) => updateAddress(shopperId, a.id, { version: 1, isDefault: true }, {}, deps())),
      ...[10, 11, 12].map((n) => addAddress(shopperId, { ...work(n), isDefault: true }, deps())),
    ]);
    const listed = await listAddresses(shopperId, deps());
    const defaults = listed.filter((a) => a.isDefault);
    expect(defaults).toHaveLength(1);
    expect(await book(shopperId)).toMatchObject({ count: 9, defaultId: defaults[0]!.id });
  });

  it(`holds at most ${MAX_ADDRESSES} addresses however many adds race`, async () => {
    const shopperId = aShopper();
    const results = await Promise.allSettled(Array.from({ length: MAX_ADDRESSES + 5 }, (_, i) => addAddress(shopperId, work(i), deps())));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_ADDRESSES);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TooManyAddressesError);
    expect(await listAddresses(shopperId, deps())).toHaveLength(MAX_ADDRESSES);
    expect(await book(shopperId)).toMatchObject({ count: MAX_ADDRESSES });
    // Removing one makes room for one.
    const [one] = await listAddresses(shopperId, deps());
    await removeAddress(shopperId, one!.id, deps());
    await addAddress(shopperId, work(99), deps());
    await expect(addAddress(shopperId, work(100), deps())).rejects.toBeInstanceOf(TooManyAddressesError);
  });

  it('patches as a merge patch under the version: null removes, a new postcode is normalised, a stale version is a 409', async () => {
    const shopperId = aShopper();
    const added = await addAddress(shopperId, { ...home, line2: 'Flat 2', phone: '+447700900123' }, deps());
    const patched = await updateAddress(shopperId, added.id, { version: 1, line2: null, postcode: 'sw1a1aa', label: 'Flat' }, {}, deps());
    expect(patched).toMatchObject({ label: 'Flat', postcode: 'SW1A 1AA', phone: '+447700900123', version: 2 });
    expect(patched.line2).toBeUndefined();
    await expect(updateAddress(shopperId, added.id, { version: 1, label: 'Again' }, {}, deps())).rejects.toMatchObject({ code: 'version-mismatch' });
    expect((await updateAddress(shopperId, added.id, { label: 'By ETag' }, { ifMatch: '"2"' }, deps())).version).toBe(3);
  });
});

describe('an Idempotency-Key on adding', () => {
  it('adds once however many copies race, answers a retry with the address, and refuses the key with another body', async () => {
    const shopperId = aShopper();
    const key = `key-${ulid()}`;
    const copies = await Promise.all(Array.from({ length: 5 }, () => addAddress(shopperId, home, deps(), key)));
    expect(new Set(copies.map((a) => a.id)).size).toBe(1);
    expect(await listAddresses(shopperId, deps())).toHaveLength(1);
    expect(await book(shopperId)).toMatchObject({ count: 1 });
    // A retry after a change gets the address as it is now; the key still belongs to it.
    await updateAddress(shopperId, copies[0]!.id, { version: 1, label: 'Changed' }, {}, deps());
    expect(await addAddress(shopperId, home, deps(), key)).toMatchObject({ id: copies[0]!.id, label: 'Changed', version: 2 });
    await expect(addAddress(shopperId, { ...home, label: 'Other' }, deps(), key)).rejects.toMatchObject({ code: 'idempotency-key-reused' });
    // The same key from another shopper is theirs alone.
    const other = await addAddress(aShopper(), home, deps(), key);
    expect(other.id).not.toBe(copies[0]!.id);
    expect(await listAddresses(shopperId, deps())).toHaveLength(1);
  });
});

describe('the address book over HTTP', () => {
  it('adds (201, Location, replayed under the same Idempotency-Key), lists, patches and removes the caller’s own', async () => {
    const alice = shopper(aShopper());
    const key = `add-${ulid()}`;
    const add = () => call(addHandler, { method: 'POST', resource: '/me/addresses', body: home, principal: alice, headers: { 'Idempotency-Key': key } });
    const created = await add();
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/me/addresses/${created.json.id}`);
    expect((await add()).json.id).toBe(created.json.id);
    const reused = await call(addHandler, { method: 'POST', resource: '/me/addresses', body: { ...home, label: 'Another' }, principal: alice, headers: { 'Idempotency-Key': key } });
    expect([reused.status, reused.json.type]).toEqual([422, expect.stringMatching(/idempotency-key-reused$/)]);
    const listed = await call(listHandler, { method: 'GET', resource: '/me/addresses', principal: alice });
    expect(listed.json.items.map((a: { id: string }) => a.id)).toEqual([created.json.id]);
    const path = { id: created.json.id };
    const patched = await call(updateHandler, { method: 'PATCH', resource: '/me/addresses/{id}', pathParameters: path, body: { version: 1, isDefault: true }, principal: alice });
    expect([patched.status, patched.json.isDefault, patched.headers.etag]).toEqual([200, true, '"2"']);
    expect((await call(removeHandler, { method: 'DELETE', resource: '/me/addresses/{id}', pathParameters: path, principal: alice })).status).toBe(204);
    expect((await call(removeHandler, { method: 'DELETE', resource: '/me/addresses/{id}', pathParameters: path, principal: alice })).status).toBe(404);
  });

  it('answers another shopper’s address exactly as a missing one (404), changing nothing', async () => {
    const alice = shopper(aShopper());
    const mallory = shopper(aShopper());
    const mine = await addAddress(alice.subject, home, deps());
    const path = { id: mine.id };
    const patched = await call(updateHandler, { method: 'PATCH', resource: '/me/addresses/{id}', pathParameters: path, body: { version: 1, label: 'Mine now' }, principal: mallory });
    const missing = await call(updateHandler, { method: 'PATCH', resource: '/me/addresses/{id}', pathParameters: { id: ulid() }, body: { version: 1, label: 'Mine now' }, principal: mallory });
    expect([patched.status, patched.json.type]).toEqual([404, missing.json.type]);
    expect((await call(removeHandler, { method: 'DELETE', resource: '/me/addresses/{id}', pathParameters: path, principal: mallory })).status).toBe(404);
    expect((await call(listHandler, { method: 'GET', resource: '/me/addresses', principal: mallory })).json.items).toEqual([]);
    expect(await listAddresses(alice.subject, deps())).toEqual([mine]);
  });

  it('refuses bad input with a problem naming what was wrong, writing nothing', async () => {
    const alice = shopper(aShopper());
    const add = (body: unknown) => call(addHandler, { method: 'POST', resource: '/me/addresses', body, principal: alice });
    expect(fieldsOf((await add({ ...home, postcode: 'SW1' })).json)).toEqual(['body.postcode']);
    expect((await add({ ...home, postcode: 'SW1' })).json.errors[0].message).toMatch(/not a GB postcode \(for example SW1A 1AA\)/);
    expect(fieldsOf((await add({ ...home, country: 'gb' })).json)).toEqual(['body.country']);
    const notServed = await add({ ...home, country: 'ZZ', postcode: '12345' });
    expect([notServed.status, notServed.json.type, notServed.json.detail]).toEqual([422, expect.stringMatching(/country-not-served$/), 'We do not deliver to ZZ.']);
    expect(fieldsOf((await add({ ...home, instructions: 'x'.repeat(301) })).json)).toEqual(['body.instructions']);
    expect(fieldsOf((await add({ ...home, phone: '0207 123' })).json)).toEqual(['body.phone']);
    expect(fieldsOf((await add({ ...home, shopperId: 'someone-else' })).json)).toEqual(['body']);
    expect(fieldsOf((await add({ label: 'Home' })).json)).toEqual(['body.city', 'body.country', 'body.line1', 'body.postcode', 'body.recipientName']);
    expect(await listAddresses(alice.subject, deps())).toEqual([]);
    expect(await book(alice.subject)).toBeUndefined();

    const mine = await addAddress(alice.subject, home, deps());
    const patch = (body: unknown, headers: Record<string, string> = {}) =>
      call(updateHandler, { method: 'PATCH', resource: '/me/addresses/{id}', pathParameters: { id: mine.id }, body, principal: alice, headers });
    expect(fieldsOf((await patch({ label: 'No version' })).json)).toEqual(['body.version']);
    expect(fieldsOf((await patch({ version: 1 })).json)).toEqual(['body']);
    expect(fieldsOf((await patch({ version: 1, label: null })).json)).toEqual(['body.label']);
    expect(fieldsOf((await patch({ version: 1, country: 'IE' })).json)).toEqual(['body.postcode']);
    expect((await patch({ version: 1, label: 'x' }, { 'If-Match': '"2"' })).status).toBe(400);
    expect((await patch({ version: 7, label: 'Stale' })).status).toBe(409);
    expect(fieldsOf((await call(updateHandler, { method: 'PATCH', resource: '/me/addresses/{id}', pathParameters: { id: 'not-an-id' }, body: { version: 1, label: 'x' }, principal: alice })).json)).toEqual(['path.id']);
    expect(await listAddresses(alice.subject, deps())).toEqual([mine]);
  });
});
