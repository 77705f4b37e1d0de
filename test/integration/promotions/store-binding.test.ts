import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../../functions/promotions/create-promotion.js';
import { handler as getHandler } from '../../../functions/promotions/get-promotion.js';
import { handler as listHandler } from '../../../functions/promotions/list-promotions.js';
import { handler as updateHandler } from '../../../functions/promotions/update-promotion.js';
import { ALL_STORES, type Principal } from '../../../shared/auth/principal.js';
import { scopesForRoles, type Role } from '../../../shared/auth/roles.js';
import { CODE_ALPHABET, GENERATED_CODE_LENGTH } from '../../../shared/promotions/coupon-codes.js';
import type { PromotionPage, PromotionView } from '../../../shared/promotions/model.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { aStore } from '../carts/fixtures.js';
import { cartPercentOff, uniqueCode } from './fixtures.js';

/**
 * Promotions bound to stores over the HTTP stack (issue 11): a store manager acts only on promotions whose stores are all
 * theirs, another store's is a 404 like a missing one, a chain-wide one is head office's; and a single-use coupon needs a
 * code nobody can guess.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const staff = (subject: string, role: Role, stores: string[]): Principal => ({ subject, kind: 'user', roles: [role], scopes: scopesForRoles([role]), stores });

async function call<T = Record<string, unknown>>(handler: unknown, input: { method: string; resource: string; pathParameters?: Record<string, string>; query?: Record<string, string>; body?: unknown; headers?: Record<string, string>; principal: Principal }) {
  const body = input.body === undefined ? null : JSON.stringify(input.body);
  const response = await (handler as Handler)(apiEvent({ ...input, headers: { 'Content-Type': 'application/json', ...input.headers }, body }), lambdaContext());
  return { status: response.statusCode, json: (response.body ? JSON.parse(response.body) : undefined) as T };
}

const create = (principal: Principal, body: unknown) => call<PromotionView & { type?: string; errors?: { field: string; message: string }[] }>(createHandler, { method: 'POST', resource: '/promotions', body, principal });
const read = (principal: Principal, id: string) => call<PromotionView & { type?: string }>(getHandler, { method: 'GET', resource: '/promotions/{id}', pathParameters: { id }, principal });
const change = (principal: Principal, id: string, body: unknown) =>
  call<PromotionView & { type?: string }>(updateHandler, { method: 'PATCH', resource: '/promotions/{id}', pathParameters: { id }, body, principal });

/** Every promotion the principal may list, across pages. */
async function listed(principal: Principal): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { json: PromotionPage } = await call<PromotionPage>(listHandler, { method: 'GET', resource: '/promotions', query: { limit: '100', ...(cursor ? { cursor } : {}) }, principal });
    ids.push(...page.json.items.map((p) => p.id));
    cursor = page.json.nextCursor;
  } while (cursor);
  return ids;
}

describe('promotions bound to stores (issue 11)', () => {
  it('lets a store manager create promotions for their own stores only: a chain-wide one or another store’s is a 403, writing nothing', async () => {
    const [a, b] = [await aStore(), await aStore()];
    const managerOfA = staff('manager-of-a', 'store-manager', [a.id]);
    const mine = await create(managerOfA, cartPercentOff({ stores: [a.id, a.id] }));
    expect(mine.status).toBe(201);
    expect(mine.json.stores).toEqual([a.id]);

    const chainWide = await create(managerOfA, cartPercentOff());
    expect([chainWide.status, chainWide.json.type]).toEqual([403, 'https://smartshelf.dev/problems/store-forbidden']);
    const theirs = await create(managerOfA, cartPercentOff({ stores: [a.id, b.id] }));
    expect([theirs.status, theirs.json.type]).toEqual([403, 'https://smartshelf.dev/problems/store-forbidden']);
    expect(theirs.json).toMatchObject({ storeIds: [b.id] });
    const unknown = await create(staff('head-office-1', 'head-office', [ALL_STORES]), cartPercentOff({ stores: ['no-such-store'] }));
    expect([unknown.status, unknown.json.errors]).toEqual([400, [{ field: 'body.stores.0', message: 'no store has the id no-such-store' }]]);
  });

  it('answers a store manager of A reading or changing store B’s promotion, or a chain-wide one, exactly like a missing one (404), and lists only A’s', async () => {
    const [a, b] = [await aStore(), await aStore()];
    const headOffice = staff('head-office-2', 'head-office', [ALL_STORES]);
    const managerOfA = staff('manager-of-a-2', 'store-manager', [a.id]);
    const ofA = (await create(managerOfA, cartPercentOff({ stores: [a.id] }))).json;
    const ofB = (await create(headOffice, cartPercentOff({ stores: [b.id] }))).json;
    const ofBoth = (await create(headOffice, cartPercentOff({ stores: [a.id, b.id] }))).json;
    const everywhere = (await create(headOffice, cartPercentOff())).json;

    const missing = await read(managerOfA, 'no-such-promotion');
    expect(missing.status).toBe(404);
    for (const other of [ofB, ofBoth, everywhere]) {
      const answer = await read(managerOfA, other.id);
      expect(answer.status, other.id).toBe(404);
      expect({ ...answer.json, instance: undefined }).toEqual({ ...missing.json, instance: undefined, detail: `Promotion ${other.id} does not exist.`, id: other.id });
      const changed = await change(managerOfA, other.id, { version: 1, status: 'disabled' });
      expect(changed.status, other.id).toBe(404);
      expect((await read(headOffice, other.id)).json).toMatchObject({ status: 'enabled', version: 1 });
    }
    expect((await read(managerOfA, ofA.id)).status).toBe(200);
    expect((await change(managerOfA, ofA.id, { version: 1, status: 'disabled' })).json).toMatchObject({ status: 'disabled', version: 2 });

    const visible = await listed(managerOfA);
    expect(visible).toContain(ofA.id);
    for (const other of [ofB, ofBoth, everywhere]) expect(visible).not.toContain(other.id);
    // A manager of both stores may act on the promotion of both; head office and admin on all.
    expect((await read(staff('manager-of-both', 'store-manager', [a.id, b.id]), ofBoth.id)).status).toBe(200);
    for (const chain of [headOffice, staff('admin-1', 'admin', [ALL_STORES])]) {
      expect(await listed(chain)).toEqual(expect.arrayContaining([ofA.id, ofB.id, ofBoth.id, everywhere.id]));
      expect((await read(chain, everywhere.id)).status).toBe(200);
    }
  });
});

describe('single-use coupon codes (issue 11)', () => {
  it('refuses a single-use coupon whose code is short or guessable (400 body.couponCode), and generates a strong one when asked', async () => {
    const headOffice = staff('head-office-3', 'head-office', [ALL_STORES]);
    const once = { limits: { total: 1 } };
    for (const code of ['SAVE5', 'ABC', 'AAAAAAAAAAAAAAAA', 'SPRINGSALE2030', 'welcome-2030-xmas']) {
      const weak = await create(headOffice, cartPercentOff({ ...once, couponCode: code }));
      expect(weak.status, code).toBe(400);
      expect(weak.json.errors?.map((e) => e.field), code).toEqual(['body.couponCode']);
    }
    const both = await create(headOffice, cartPercentOff({ ...once, couponCode: uniqueCode('X'), generateCouponCode: true }));
    expect(both.json.errors?.map((e) => e.field)).toContain('body.generateCouponCode');

    const strong = await create(headOffice, cartPercentOff({ ...once, couponCode: 'k7q2-m9xd-4hzp-8tbw' }));
    expect([strong.status, strong.json.couponCode]).toEqual([201, 'K7Q2-M9XD-4HZP-8TBW']);
    const generated = await create(headOffice, cartPercentOff({ ...once, generateCouponCode: true }));
    expect(generated.status).toBe(201);
    expect(generated.json.couponCode).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${GENERATED_CODE_LENGTH}}$`));
    expect(generated.json).not.toHaveProperty('generateCouponCode');
    // A code meant for everyone, once each, may stay short and readable.
    expect((await create(headOffice, cartPercentOff({ limits: { perShopper: 1 }, couponCode: uniqueCode('HI') }))).status).toBe(201);
  });
});
