import { describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { problem } from '../support/e2e.js';

/**
 * Staff and API keys against the running local platform (docs/security.md): an admin makes a key that works at once,
 * rotates it with both keys working during the overlap, revokes it and both are refused; gives and takes staff roles,
 * so the next token minted for that person carries the change; store managers and shoppers are refused every route;
 * bad input is a 400 that names what was wrong and changes nothing.
 */

const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const run = Date.now().toString(36);
const HOME = 'london-bridge';
let sequence = 0;
const key = () => ({ headers: { 'idempotency-key': `staff-${run}-${(sequence += 1)}` } });
const as = async (subject: string, roles: string[], stores: string[] = []) => api.as({ token: await api.mintToken(`${subject}-${run}`, roles, stores) });

interface Issued {
  id: string;
  apiKey: string;
  lastFour: string;
  status: string;
  predecessor?: { lastFour: string; expiresAt: string };
}

describe('API keys for integrations', () => {
  it('an admin creates a key that works, rotates it (both work during the overlap), revokes it (both refused at once)', async () => {
    const created = await admin.post<Issued>('/api-keys', { name: `WMS ${run}`, roles: ['stock-feed'], stores: ['*'] }, key());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get('location')).toBe(`/api-keys/${created.body.id}`);
    const first = api.as({ apiKey: created.body.apiKey });
    expect((await first.get('/inventory/FP-BANANAS-KG')).status).toBe(200);
    // Its scopes stop at its role's: a stock feed cannot read the tax rates.
    await problem(first.get('/tax-rates'), 403, 'insufficient-scope');

    const listed = await admin.get<{ items: Record<string, unknown>[] }>('/api-keys?limit=100');
    const row = listed.body.items.find((k) => k.id === created.body.id)!;
    expect(row).toMatchObject({ roles: ['stock-feed'], stores: ['*'], status: 'active', lastFour: created.body.apiKey.slice(-4) });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.apiKey);
    expect(row).not.toHaveProperty('apiKey');

    const rotated = await admin.post<Issued>(`/api-keys/${created.body.id}/rotate`, { overlapHours: 1 }, key());
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    expect(rotated.body.apiKey).not.toBe(created.body.apiKey);
    expect(rotated.body.predecessor?.lastFour).toBe(created.body.apiKey.slice(-4));
    const second = api.as({ apiKey: rotated.body.apiKey });
    expect((await first.get('/inventory/FP-BANANAS-KG')).status).toBe(200);
    expect((await second.get('/inventory/FP-BANANAS-KG')).status).toBe(200);

    const revoked = await admin.post<Issued>(`/api-keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await first.get('/inventory/FP-BANANAS-KG')).status).toBe(401);
    expect((await second.get('/inventory/FP-BANANAS-KG')).status).toBe(401);
  });

  it('refuses bad input with a 400 naming it, and makes no key', async () => {
    const before = (await admin.get<{ items: { id: string }[] }>('/api-keys?limit=1')).body.items[0]?.id;
    const cases: [unknown, string][] = [
      [{ name: 'x', roles: ['catalog-feed'], scopes: ['orders:refund'] }, 'scopes'],
      [{ name: 'x', roles: ['shopper'] }, 'roles'],
      [{ name: 'x', roles: ['pos'] }, 'stores'],
      [{ name: 'x', roles: ['no-such-role'] }, 'roles'],
      [{ name: '', roles: ['catalog-feed'] }, 'name'],
      [{ name: 'x', roles: ['catalog-feed'], apiKey: 'ssk_mine' }, 'apikey'],
    ];
    for (const [body, names] of cases) {
      const refused = await problem(admin.post('/api-keys', body, key()), 400);
      expect(JSON.stringify(refused).toLowerCase(), JSON.stringify(body)).toContain(names);
    }
    await problem(admin.post('/api-keys', { name: 'x', roles: ['catalog-feed'] }), 400, 'idempotency-key-required');
    expect((await admin.get<{ items: { id: string }[] }>('/api-keys?limit=1')).body.items[0]?.id).toBe(before);
  });
});

describe('staff roles', () => {
  it('an admin gives and takes roles, and the next token minted for that person carries the change', async () => {
    const subject = `staff-journey-${run}`;
    const given = await admin.request('PUT', `/staff/${subject}/roles`, { body: { roles: ['store-manager'], stores: [HOME] } });
    expect(given.status, JSON.stringify(given.body)).toBe(200);
    expect(given.body).toEqual({ subject, roles: ['store-manager'], stores: [HOME] });
    const manager = api.as({ token: await api.mintToken(subject, ['picker'], []) });
    expect((await manager.get(`/orders?store=${HOME}&date=2030-01-01`)).status).toBe(200);
    const listed = await admin.get<{ items: { subject: string }[] }>('/staff?role=store-manager&limit=60');
    expect(listed.status).toBe(200);

    expect((await admin.request('PUT', `/staff/${subject}/roles`, { body: { roles: [] } })).status).toBe(200);
    const nobody = api.as({ token: await api.mintToken(subject, ['store-manager'], [HOME]) });
    await problem(nobody.get(`/orders?store=${HOME}&date=2030-01-01`), 403, 'insufficient-scope');
    expect((await admin.get(`/staff/${subject}`)).body).toEqual({ subject, roles: [], stores: [] });
  });

  it('refuses bad input with a 400 naming it, and changes nothing', async () => {
    const subject = `staff-bad-${run}`;
    const cases: [unknown, string][] = [
      [{ roles: ['picker'] }, 'stores'],
      [{ roles: ['head-office'], stores: [HOME] }, 'stores'],
      [{ roles: ['pos'] }, 'roles'],
      [{ roles: ['shopper'] }, 'roles'],
      [{ roles: ['picker'], stores: ['Not A Store'] }, 'stores'],
      [{}, 'roles'],
    ];
    for (const [body, names] of cases) {
      const refused = await problem(admin.request('PUT', `/staff/${subject}/roles`, { body }), 400);
      expect(JSON.stringify(refused).toLowerCase(), JSON.stringify(body)).toContain(names);
    }
    await problem(admin.get(`/staff/${subject}`), 404);
  });
});

describe('who may manage staff and keys', () => {
  it('refuses a store manager and a shopper every route (403), and anyone without credentials (401)', async () => {
    const manager = await as('staff-manager', ['store-manager'], [HOME]);
    const shopper = await as('staff-shopper', ['shopper']);
    const ghost = 'key_000000000000000000000000';
    const attempts = (client: ApiClient) => [
      client.post('/api-keys', { name: 'Mine', roles: ['admin'] }, key()),
      client.get('/api-keys'),
      client.get(`/api-keys/${ghost}`),
      client.post(`/api-keys/${ghost}/rotate`, {}, key()),
      client.post(`/api-keys/${ghost}/revoke`),
      client.get('/staff'),
      client.get(`/staff/someone-${run}`),
      client.request('PUT', `/staff/staff-manager-${run}/roles`, { body: { roles: ['admin'] } }),
    ];
    for (const client of [manager, shopper]) {
      for (const response of await Promise.all(attempts(client))) {
        expect(response.status, JSON.stringify(response.body)).toBe(403);
        expect(response.body).toMatchObject({ requiredScope: 'admin' });
      }
    }
    for (const response of await Promise.all(attempts(api))) expect(response.status).toBe(401);
  });
});
