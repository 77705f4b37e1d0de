import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { Profile } from '../../shared/accounts/model.js';
import type { Subscription } from '../../shared/billing/subscriptions.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, fieldsOf, problem } from '../support/e2e.js';

/**
 * A shopper's account end to end on the local platform, through the contract-checking client: a brand-new subject
 * (with the sign-in email its token carries, as the shoppers' pool's do) gets a profile on first `GET /me`, changes
 * it with a merge patch under its ETag, and a second shopper sees only their own; staff have no profile. Then a
 * delivery pass: created in the billing sandbox by the billing-sync worker, cancelled at the end of its paid period
 * (billing told, the pass still active), ended by billing's webhook; cancelling again answers the same; another
 * shopper's pass is a 404.
 */

const run = Date.now().toString(36);
const baseUrl = inject('baseUrl');
const api = new ApiClient(baseUrl);
const runtime = JSON.parse(await readFile(join(inject('dataDir'), 'runtime.json'), 'utf8')) as { billingSandboxUrl: string };

/** A token for a subject nobody has seen, minted the way README shows: POST /local/tokens, here with an email claim. */
async function newShopper(name: string, email?: string): Promise<ApiClient> {
  const response = await fetch(`${baseUrl}/local/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subject: `e2e-accounts-${name}-${run}`, roles: ['shopper'], ...(email ? { email } : {}) }),
  });
  expect(response.status).toBe(200);
  return api.as({ token: ((await response.json()) as { token: string }).token });
}

describe('the profile', () => {
  it('is made on first use for a brand-new shopper, changed under its ETag, and each shopper sees only their own', async () => {
    const alice = await newShopper('alice', `alice-${run}@example.com`);
    const first = await alice.get<Profile>('/me');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ shopperId: `e2e-accounts-alice-${run}`, email: `alice-${run}@example.com`, marketingConsent: { granted: false, at: null }, version: 1 });
    expect(first.headers.get('etag')).toBe('"1"');
    // Concurrent first reads of another new shopper make one profile.
    const carol = await newShopper('carol');
    const reads = await Promise.all(Array.from({ length: 5 }, () => carol.get<Profile>('/me')));
    expect(new Set(reads.map((r) => `${r.status} ${r.body.createdAt} ${r.body.version}`)).size).toBe(1);

    const patched = await alice.patch<Profile>(
      '/me',
      { givenName: 'Alice', familyName: 'Example', phone: '+447700900123', marketingConsent: { granted: true }, preferredStoreId: 'london-bridge' },
      { contentType: 'application/merge-patch+json', headers: { 'if-match': '"1"' } },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ givenName: 'Alice', phone: '+447700900123', preferredStoreId: 'london-bridge', version: 2 });
    expect(Date.parse(patched.body.marketingConsent.at!)).toBeGreaterThan(0);
    expect(patched.headers.get('etag')).toBe('"2"');

    // A stale ETag, bad fields, an unknown store and another email than the sign-in one change nothing.
    expect(await problem(alice.patch('/me', { displayName: 'Late' }, { headers: { 'if-match': '"1"' } }), 409, 'version-mismatch')).toMatchObject({ currentVersion: 2 });
    const bad = await problem(alice.patch('/me', { phone: '07700 900123', givenName: '' }), 400);
    expect(fieldsOf(bad)).toEqual(['body.givenName', 'body.phone']);
    await problem(alice.patch('/me', { preferredStoreId: 'nowhere-at-all' }), 422, 'unknown-store');
    await problem(alice.patch('/me', { email: 'someone-else@example.com' }), 422, 'email-managed-by-sign-in');
    expect((await alice.get<Profile>('/me')).body).toEqual(patched.body);

    const bob = await newShopper('bob');
    const bobs = await bob.get<Profile>('/me');
    expect(bobs.body).toMatchObject({ shopperId: `e2e-accounts-bob-${run}`, version: 1 });
    expect(bobs.body).not.toHaveProperty('givenName');
    expect(bobs.body).not.toHaveProperty('email');
    expect((await bob.patch<Profile>('/me', { displayName: 'Bob' })).body.version).toBe(2);
    expect((await alice.get<Profile>('/me')).body).toEqual(patched.body);
  });

  it('is for shoppers only: staff get 403, nobody without credentials', async () => {
    const manager = api.as({ token: await api.mintToken(`e2e-accounts-manager-${run}`, ['store-manager'], ['london-bridge']) });
    expect(await problem(manager.get('/me'), 403)).toMatchObject({ requiredScope: 'account:read' });
    expect(await problem(manager.patch('/me', { displayName: 'Staff' }), 403)).toMatchObject({ requiredScope: 'account:write' });
    await problem(api.get('/me'), 401);
  });
});

describe('cancelling a delivery pass', () => {
  it('runs it to the end of its paid period with billing told, ends it on billing’s word, and answers the same when asked again', async () => {
    const dana = await newShopper('dana');
    const created = await dana.post<Subscription>('/subscriptions', { plan: 'delivery-pass-monthly' }, { headers: { 'idempotency-key': `pass-${run}` } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const active = await eventually('the pass created in billing', async () => {
      const { body } = await dana.get<Subscription>(`/subscriptions/${id}`);
      return body.status === 'active' && body.billingSubscriptionId ? body : undefined;
    });

    const stranger = await newShopper('stranger');
    await problem(stranger.post(`/subscriptions/${id}/cancel`), 404);

    const cancelled = await dana.post<Subscription>(`/subscriptions/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    // The worker tells billing, whose answer says when the paid period ends; until then the pass stays active.
    const told = await eventually('billing told', async () => {
      const { body } = await dana.get<Subscription>(`/subscriptions/${id}`);
      return body.currentPeriodEnd ? body : undefined;
    });
    expect(Date.parse(told.currentPeriodEnd!)).toBeGreaterThan(Date.now());
    expect(told.status).toBe('active');
    const inBilling = await fetch(`${runtime.billingSandboxUrl}/_sandbox/state`).then((r) => r.json() as Promise<{ subscriptions: { billingSubscriptionId: string; cancelAtPeriodEnd?: boolean }[] }>);
    expect(inBilling.subscriptions.find((s) => s.billingSubscriptionId === active.billingSubscriptionId)).toMatchObject({ cancelAtPeriodEnd: true });

    const again = await dana.post<Subscription>(`/subscriptions/${id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancelRequestedAt: cancelled.body.cancelRequestedAt });

    // The period ends in billing, which says so by webhook.
    const ended = await fetch(`${runtime.billingSandboxUrl}/_sandbox/subscriptions/${active.billingSubscriptionId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'cancelled' }),
    });
    expect(ended.status).toBe(200);
    await eventually('the pass ended', async () => ((await dana.get<Subscription>(`/subscriptions/${id}`)).body.status === 'cancelled' ? true : undefined));
    expect((await dana.post<Subscription>(`/subscriptions/${id}/cancel`)).body).toMatchObject({ status: 'cancelled', cancelAtPeriodEnd: true });
  });

  it('ends a pass cancelled while still pending at once', async () => {
    const erin = await newShopper('erin');
    const created = await erin.post<Subscription>('/subscriptions', { plan: 'delivery-pass-annual' }, { headers: { 'idempotency-key': `pass-erin-${run}` } });
    const cancelled = await erin.post<Subscription>(`/subscriptions/${created.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    // The worker may have created it in billing first; either way it ends, at once.
    if (cancelled.body.cancelAtPeriodEnd === false) expect(cancelled.body.status).toBe('cancelled');
    await problem(erin.post(`/subscriptions/${'x'.repeat(65)}/cancel`), 400);
  });
});
