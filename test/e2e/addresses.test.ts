import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SavedAddress } from '../../shared/accounts/address-model.js';
import type { Cart } from '../../shared/carts/model.js';
import type { StoreListing } from '../../shared/stores/model.js';
import { ApiClient } from '../support/api-client.js';
import { fieldsOf, problem } from '../support/e2e.js';

/**
 * The address book and delivery areas end to end on the seeded platform, through the contract-checking client: a
 * shopper adds an address no store delivers to (accepted: it is only an address) and one inside London Bridge's area,
 * finds the stores for each postcode, and chooses each for a cart (422, changing nothing, then 200); a second shopper
 * sees and changes none of it.
 */

const STORE = 'london-bridge';
const run = Date.now().toString(36);
const api = new ApiClient(inject('baseUrl'));
let alice: ApiClient;
let bob: ApiClient;
let slotId: string;

beforeAll(async () => {
  alice = api.as({ token: await api.mintToken(`e2e-addresses-alice-${run}`, ['shopper']) });
  bob = api.as({ token: await api.mintToken(`e2e-addresses-bob-${run}`, ['shopper']) });
  const { body } = await api.get<{ items: { id: string; mode: string; available: boolean }[] }>(`/stores/${STORE}/slots`);
  slotId = body.items.find((s) => s.mode === 'delivery' && s.available)!.id;
});

const base = { recipientName: 'Alice Example', city: 'London', country: 'GB' };
/** Camberwell: near London Bridge (it offers collection there) but outside every store's delivery area. */
const camberwell = { ...base, label: 'Mum’s', line1: '9 Camberwell Grove', postcode: 'se58aa' };
const tooley = { ...base, label: 'Home', line1: '1 Tooley Street', postcode: 'se12tf', instructions: 'Ring the bell twice', isDefault: true };

describe('addresses and delivery areas', () => {
  let outside: SavedAddress;
  let inside: SavedAddress;

  it('adds an address outside every area and one inside, their postcodes written as the country writes them', async () => {
    const added = await alice.post<SavedAddress>('/me/addresses', camberwell, { headers: { 'idempotency-key': `camberwell-${run}` } });
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe(`/me/addresses/${added.body.id}`);
    expect(added.body).toMatchObject({ postcode: 'SE5 8AA', isDefault: false, version: 1 });
    outside = added.body;
    const again = await alice.post<SavedAddress>('/me/addresses', camberwell, { headers: { 'idempotency-key': `camberwell-${run}` } });
    expect([again.status, again.body.id]).toEqual([201, outside.id]);
    inside = (await alice.post<SavedAddress>('/me/addresses', tooley, { headers: { 'idempotency-key': `tooley-${run}` } })).body;
    expect(inside).toMatchObject({ postcode: 'SE1 2TF', isDefault: true, instructions: 'Ring the bell twice' });

    const { body: book } = await alice.get<{ items: SavedAddress[] }>('/me/addresses');
    expect(book.items.map((a) => [a.id, a.isDefault])).toEqual([
      [outside.id, false],
      [inside.id, true],
    ]);
  });

  it('finds the stores delivering to a postcode or offering collection near it', async () => {
    const near = (postcode: string) => api.get<{ items: StoreListing[] }>(`/stores?postcode=${encodeURIComponent(postcode)}&country=GB`);
    const atTooley = (await near('SE1 2TF')).body.items;
    expect(atTooley.map((s) => [s.id, s.delivers, s.collection])).toEqual([[STORE, true, true]]);
    const atCamberwell = (await near('se58aa')).body.items;
    expect(atCamberwell.map((s) => [s.id, s.delivers, s.collection])).toEqual([[STORE, false, true]]);
    expect((await near('EH6 6LX')).body.items.map((s) => [s.id, s.delivers, s.collection])).toEqual([['edinburgh-leith', true, false]]);
    expect((await near('ZE2 9XX')).body.items).toEqual([]);
    // Without a postcode, every store, unmarked.
    const all = (await api.get<{ items: StoreListing[] }>('/stores')).body.items;
    expect(all.map((s) => s.id)).toEqual(expect.arrayContaining(['london-bridge', 'manchester-piccadilly', 'edinburgh-leith']));
    expect(all.every((s) => s.delivers === undefined)).toBe(true);

    expect(fieldsOf(await problem(api.get('/stores?postcode=SE1'), 400))).toEqual(['query.postcode']);
    expect(fieldsOf(await problem(api.get('/stores?postcode=SE1%202TF&country=gb'), 400))).toEqual(['query.country']);
    await problem(api.get('/stores?postcode=12345&country=ZZ'), 422, 'country-not-served');
  });

  it('refuses a cart’s delivery to the address outside the store’s area (422, the cart unchanged), then takes the one inside', async () => {
    const { body: cart } = await alice.post<Cart>('/carts', { storeId: STORE }, { headers: { 'idempotency-key': `addresses-cart-${run}` } });
    const refused = await problem(alice.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId, addressId: outside.id } }), 422, 'address-outside-delivery-area');
    expect(refused).toMatchObject({ storeId: STORE, postcode: 'SE5 8AA' });
    expect(refused.detail).toBe('SmartShelf London Bridge (london-bridge) does not deliver to SE5 8AA, GB.');
    const inline = await problem(alice.request('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId, address: { line1: '9 Camberwell Grove', city: 'London', postcode: 'SE5 8AA', country: 'GB' } } }), 422);
    expect(inline.type).toMatch(/address-outside-delivery-area$/);
    expect((await alice.get<Cart>(`/carts/${cart.id}`)).body).toMatchObject({ version: cart.version });
    expect((await alice.get<Cart>(`/carts/${cart.id}`)).body.fulfillment).toBeUndefined();

    const chosen = await alice.request<Cart>('PUT', `/carts/${cart.id}/fulfillment`, { body: { mode: 'delivery', slotId, addressId: inside.id } });
    expect(chosen.status).toBe(200);
    // The lines and the recipient, copied: the order's delivery snapshot is taken from them at checkout.
    expect(chosen.body.fulfillment).toEqual({
      mode: 'delivery',
      slotId,
      address: { line1: '1 Tooley Street', city: 'London', postcode: 'SE1 2TF', country: 'GB' },
      recipient: { name: 'Alice Example', instructions: 'Ring the bell twice' },
    });
  });

  it('shows a second shopper none of it, and lets them change none of it', async () => {
    expect((await bob.get<{ items: SavedAddress[] }>('/me/addresses')).body.items).toEqual([]);
    await problem(bob.patch(`/me/addresses/${inside.id}`, { version: inside.version, label: 'Mine now' }), 404);
    await problem(bob.request('DELETE', `/me/addresses/${inside.id}`), 404);
    const { body: bobsCart } = await bob.post<Cart>('/carts', { storeId: STORE }, { headers: { 'idempotency-key': `addresses-bob-${run}` } });
    await problem(bob.request('PUT', `/carts/${bobsCart.id}/fulfillment`, { body: { mode: 'delivery', slotId, addressId: inside.id } }), 404);
    const { body: book } = await alice.get<{ items: SavedAddress[] }>('/me/addresses');
    expect(book.items.find((a) => a.id === inside.id)).toEqual(inside);
  });

  it('changes an address under its version, moves the default, and removes one', async () => {
    const patched = await alice.patch<SavedAddress>(`/me/addresses/${outside.id}`, { version: 1, isDefault: true, instructions: null, postcode: 'SE1 9RA', line1: '2 Borough Road' });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(patched.body).toMatchObject({ postcode: 'SE1 9RA', isDefault: true, version: 2 });
    const { body: book } = await alice.get<{ items: SavedAddress[] }>('/me/addresses');
    expect(book.items.filter((a) => a.isDefault).map((a) => a.id)).toEqual([outside.id]);
    await problem(alice.patch(`/me/addresses/${outside.id}`, { version: 1, label: 'Stale' }), 409, 'version-mismatch');
    expect(fieldsOf(await problem(alice.patch(`/me/addresses/${outside.id}`, { label: 'No version' }), 400))).toEqual(['body.version']);
    expect((await alice.request('DELETE', `/me/addresses/${inside.id}`)).status).toBe(204);
    await problem(alice.request('DELETE', `/me/addresses/${inside.id}`), 404);
    expect((await alice.get<{ items: SavedAddress[] }>('/me/addresses')).body.items.map((a) => a.id)).toEqual([outside.id]);
  });

  it('refuses bad input with a problem naming what was wrong, adding nothing', async () => {
    const before = (await alice.get<{ items: SavedAddress[] }>('/me/addresses')).body.items;
    expect(fieldsOf(await problem(alice.post('/me/addresses', { ...tooley, postcode: 'SE1' }), 400))).toEqual(['body.postcode']);
    await problem(alice.post('/me/addresses', { ...tooley, country: 'ZZ', postcode: '12345' }), 422, 'country-not-served');
    expect(fieldsOf(await problem(alice.post('/me/addresses', { ...tooley, shopperId: 'someone-else' }), 400))).toEqual(['body']);
    expect(fieldsOf(await problem(alice.post('/me/addresses', { ...tooley, instructions: 'x'.repeat(301) }), 400))).toEqual(['body.instructions']);
    expect((await alice.get<{ items: SavedAddress[] }>('/me/addresses')).body.items).toEqual(before);
  });
});
