import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as createListHandler } from '../../../functions/shopping/create-list.js';
import { handler as getListHandler } from '../../../functions/shopping/get-list.js';
import { handler as updateListHandler } from '../../../functions/shopping/update-list.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { dynamo } from '../../../shared/db/client.js';
import { keys } from '../../../shared/db/keys.js';
import { listItem } from '../../../shared/shopping/list-repository.js';
import { MAX_LIST_LINES, MAX_LISTS } from '../../../shared/shopping/model.js';
import { createList, deleteList, getList, listLists, updateList } from '../../../shared/shopping/lists.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { appError, aWorld, itemAt, shopper, testDeps } from '../carts/fixtures.js';

/**
 * Shopping lists against DynamoDB Local: the limits hold as conditions (concurrent creates never make a 21st list),
 * bad input is refused naming what was wrong and changes nothing, and another shopper's list is a 404.
 */

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body: string }>;

const principalOf = (subject: string): Principal => ({ subject, kind: 'user', roles: ['shopper'], scopes: ['cart:write', 'orders:read', 'account:read', 'account:write'], stores: [] });

async function call(handler: unknown, input: { method: string; resource: string; pathParameters?: Record<string, string>; body?: unknown; headers?: Record<string, string>; principal?: Principal }) {
  const body = input.body === undefined ? null : JSON.stringify(input.body);
  const response = await (handler as Handler)(apiEvent({ ...input, headers: { 'Content-Type': 'application/json', ...input.headers }, body }), lambdaContext());
  return { status: response.statusCode, headers: response.headers ?? {}, body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
}

const countOf = async (subject: string) => (await itemAt(keys.shoppingListCount(subject)))?.lists as number | undefined;

describe('shopping lists', () => {
  it('makes a named list with its lines in the SKU’s unit, merging a SKU given twice', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const { subject } = shopper();
    const list = await createList(
      subject,
      {
        name: 'Weekly shop',
        lines: [
          { sku: world.skus.milk, quantity: { count: 2 } },
          { sku: world.skus.bananas, quantity: { count: 3 } },
          { sku: world.skus.oil, quantity: { millilitres: 500 } },
          { sku: world.skus.milk, quantity: { count: 1 } },
        ],
      },
      deps,
    );
    expect(list.lines.map((l) => [l.sku, l.quantity])).toEqual([
      [world.skus.milk, { count: 3 }],
      [world.skus.bananas, { count: 3, grams: 360 }],
      [world.skus.oil, { millilitres: 500 }],
    ]);
    expect(await getList(subject, list.id, deps)).toEqual(list);
    expect(await countOf(subject)).toBe(1);
  });

  it('renames, removes, changes and adds lines under the version read; a stale version is a 409 changing nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const { subject } = shopper();
    const list = await createList(subject, { name: 'Party', lines: [{ sku: world.skus.milk, quantity: { count: 2 } }, { sku: world.skus.oil, quantity: { millilitres: 500 } }] }, deps);
    const [milk, oil] = list.lines;
    const next = await updateList(
      subject,
      list.id,
      { version: 1, name: 'Big party', remove: [oil!.lineId], set: [{ lineId: milk!.lineId, quantity: { count: 6 } }], add: [{ sku: world.skus.cheese, quantity: { grams: 400 } }] },
      deps,
    );
    expect(next).toMatchObject({ name: 'Big party', version: 2 });
    expect(next.lines.map((l) => [l.lineId === milk!.lineId ? 'milk' : l.sku, l.quantity])).toEqual([
      ['milk', { count: 6 }],
      [world.skus.cheese, { grams: 400 }],
    ]);
    const stale = await appError(updateList(subject, list.id, { version: 1, name: 'Lost update' }, deps));
    expect(stale).toMatchObject({ kind: 'conflict', code: 'version-mismatch' });
    expect(await getList(subject, list.id, deps)).toEqual(next);
  });

  it('refuses bad lines naming each one, and changes nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const { subject } = shopper();
    const list = await createList(subject, { name: 'Basics', lines: [{ sku: world.skus.milk, quantity: { count: 1 } }] }, deps);
    const unknown = await appError(
      updateList(
        subject,
        list.id,
        { version: 1, add: [{ sku: 'NO-SUCH-SKU', quantity: { count: 1 } }, { sku: world.skus.oil, quantity: { count: 2 } }, { sku: world.skus.milk, quantity: { count: 1 } }] },
        deps,
      ),
    );
    expect(unknown).toMatchObject({ kind: 'invalid' });
    expect(unknown.fields).toEqual([
      { field: 'body.add.0.sku', message: 'no product has the SKU NO-SUCH-SKU' },
      { field: 'body.add.1.quantity', message: expect.stringContaining('sold by volume') },
    ]);
    const missingLine = await appError(updateList(subject, list.id, { version: 1, remove: ['01JBQ8Y0000000000000000001'] }, deps));
    expect(missingLine.fields).toEqual([{ field: 'body.remove.0', message: 'the list has no line 01JBQ8Y0000000000000000001' }]);
    const archived = await appError(updateList(subject, list.id, { version: 1, add: [{ sku: world.skus.archived, quantity: { count: 1 } }] }, deps));
    expect(archived).toMatchObject({ kind: 'conflict', code: 'product-archived' });
    const tooMuch = await appError(updateList(subject, list.id, { version: 1, add: [{ sku: world.skus.milk, quantity: { count: 99 } }] }, deps));
    expect(tooMuch.fields?.[0]?.field).toBe('body.add.0.quantity');
    expect(await getList(subject, list.id, deps)).toEqual(list);
    const badCreate = await appError(createList(subject, { name: 'Nope', lines: [{ sku: 'NO-SUCH-SKU', quantity: { count: 1 } }] }, deps));
    expect(badCreate.fields).toEqual([{ field: 'body.lines.0.sku', message: 'no product has the SKU NO-SUCH-SKU' }]);
    expect((await listLists(subject, deps)).items).toEqual([list]);
    expect(await countOf(subject)).toBe(1);
  });

  it(`holds a list to ${MAX_LIST_LINES} lines (422 list-too-many-lines), changing nothing`, async () => {
    const world = await aWorld();
    const { subject } = shopper();
    const deps = testDeps();
    const list = await createList(subject, { name: 'Long', lines: [{ sku: world.skus.milk, quantity: { count: 1 } }] }, deps);
    // A SKU given twice is one line, so a full list is written straight to its item: the milk and 99 other lines.
    const lines = Array.from({ length: MAX_LIST_LINES }, (_, i) => ({ ...list.lines[0]!, lineId: `01JBQ8Y${String(i).padStart(19, '0')}`, sku: i === 0 ? world.skus.milk : `FILLER-${i}` }));
    const full = { ...list, lines, version: 3 };
    await dynamo.send(new PutCommand({ TableName: deps.tableName, Item: listItem(subject, full) }));
    const refused = await appError(updateList(subject, list.id, { version: 3, add: [{ sku: world.skus.oil, quantity: { millilitres: 500 } }] }, deps));
    expect(refused).toMatchObject({ kind: 'unprocessable', code: 'list-too-many-lines' });
    expect((await getList(subject, list.id, deps)).lines).toHaveLength(MAX_LIST_LINES);
    // Adding to a line already there still works on a full list.
    expect((await updateList(subject, list.id, { version: 3, add: [{ sku: world.skus.milk, quantity: { count: 1 } }] }, deps)).lines[0]!.quantity).toEqual({ count: 2 });
  });

  it(`keeps at most ${MAX_LISTS} lists even when creates race (422 too-many-lists), and a delete makes room`, async () => {
    const deps = testDeps();
    const { subject } = shopper();
    const results = await Promise.allSettled(Array.from({ length: MAX_LISTS + 5 }, (_, i) => createList(subject, { name: `List ${i}`, lines: [] }, deps)));
    const made = results.filter((r) => r.status === 'fulfilled');
    expect(made).toHaveLength(MAX_LISTS);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'too-many-lists' });
    expect((await listLists(subject, deps)).items).toHaveLength(MAX_LISTS);
    expect(await countOf(subject)).toBe(MAX_LISTS);
    const first = (made[0] as PromiseFulfilledResult<{ id: string }>).value;
    await deleteList(subject, first.id, deps);
    expect(await appError(deleteList(subject, first.id, deps))).toMatchObject({ kind: 'not-found' });
    expect(await countOf(subject)).toBe(MAX_LISTS - 1);
    await createList(subject, { name: 'One more', lines: [] }, deps);
    expect(await appError(createList(subject, { name: 'Too many', lines: [] }, deps))).toMatchObject({ kind: 'unprocessable', code: 'too-many-lists' });
  });

  it('answers another shopper’s list 404, as one that does not exist, and lets them change nothing', async () => {
    const deps = testDeps();
    const world = await aWorld();
    const owner = shopper().subject;
    const stranger = shopper().subject;
    const list = await createList(owner, { name: 'Mine', lines: [{ sku: world.skus.milk, quantity: { count: 1 } }] }, deps);
    expect(await appError(getList(stranger, list.id, deps))).toMatchObject({ kind: 'not-found' });
    expect(await appError(updateList(stranger, list.id, { version: 1, name: 'Theirs' }, deps))).toMatchObject({ kind: 'not-found' });
    expect(await appError(deleteList(stranger, list.id, deps))).toMatchObject({ kind: 'not-found' });
    expect((await listLists(stranger, deps)).items).toEqual([]);
    expect(await getList(owner, list.id, deps)).toEqual(list);
  });

  it('through the handlers: 201 with Location, a replay with the same key is the same list, 400s name the field, 404 for a stranger', async () => {
    const world = await aWorld();
    const alice = principalOf(shopper().subject);
    const bob = principalOf(shopper().subject);
    const key = { 'Idempotency-Key': `list-${world.store.id}` };
    const body = { name: 'Handler list', lines: [{ sku: world.skus.milk, quantity: { count: 2 } }] };
    const made = await call(createListHandler, { method: 'POST', resource: '/me/lists', body, principal: alice, headers: key });
    expect(made.status).toBe(201);
    const id = made.body!.id as string;
    expect(made.headers.location).toBe(`/me/lists/${id}`);
    const replay = await call(createListHandler, { method: 'POST', resource: '/me/lists', body, principal: alice, headers: key });
    expect(replay.body!.id).toBe(id);
    expect(await countOf(alice.subject)).toBe(1);
    const noName = await call(createListHandler, { method: 'POST', resource: '/me/lists', body: { name: '  ' }, principal: alice });
    expect(noName.status).toBe(400);
    expect(noName.body!.errors).toEqual([expect.objectContaining({ field: 'body.name' })]);
    const nothing = await call(updateListHandler, { method: 'PATCH', resource: '/me/lists/{id}', pathParameters: { id }, body: { version: 1 }, principal: alice });
    expect(nothing.status).toBe(400);
    const stranger = await call(getListHandler, { method: 'GET', resource: '/me/lists/{id}', pathParameters: { id }, principal: bob });
    expect(stranger.status).toBe(404);
    const anonymous = await call(getListHandler, { method: 'GET', resource: '/me/lists/{id}', pathParameters: { id } });
    expect(anonymous.status).toBe(401);
    expect(await countOf(alice.subject)).toBe(1);
  });
});
