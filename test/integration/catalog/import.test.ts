import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { productCreatedV1 } from '../../../events/catalog/product-created.v1.js';
import { productPriceChangedV1 } from '../../../events/catalog/product-price-changed.v1.js';
import { productUpdatedV1 } from '../../../events/catalog/product-updated.v1.js';
import { handler as getImportHandler } from '../../../functions/catalog/get-import.js';
import { handler as processImportHandler } from '../../../functions/catalog/process-import.js';
import { handler as startImportHandler } from '../../../functions/catalog/start-import.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import type { CatalogDeps } from '../../../shared/catalog/deps.js';
import { COLUMNS } from '../../../shared/catalog/import/columns.js';
import { getJob, getRowErrors, toImportJobView, type ImportJobView } from '../../../shared/catalog/import/job.js';
import { runImport, type ImportDeps, type RunOptions } from '../../../shared/catalog/import/run-import.js';
import { startImport } from '../../../shared/catalog/import/start-import.js';
import { getProduct } from '../../../shared/catalog/product-queries.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { seedSampleCatalog } from '../../../shared/catalog/seed.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { keys } from '../../../shared/db/keys.js';
import { s3 } from '../../../shared/storage/s3.js';
import { engines, queueUrl, takeMessage, testSqs, uniqueId } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { auditItemsOf, testDeps, itemAt, outboxEventOf, productInput, staff, uniqueSku, uniqueSlug } from './fixtures.js';

type Cells = Partial<Record<(typeof COLUMNS)[number], string | number | boolean>>;

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A CSV with the full documented header and one line per row: row N of the array is line N + 2 of the file. */
function csvOf(rows: readonly Cells[]): string {
  const lines = rows.map((row) => COLUMNS.map((c) => quote(row[c] === undefined ? '' : String(row[c]))).join(','));
  return `${COLUMNS.join(',')}\n${lines.join('\n')}\n`;
}

/** Import dependencies on the test engines. */
function importDeps(): ImportDeps & { sqs: ReturnType<typeof testSqs>; queueUrl: string } {
  return { ...testDeps(), s3, importsBucket: engines().buckets.imports, sqs: testSqs(), queueUrl: queueUrl('catalog-import') };
}

/** A fresh category subtree: a root whose products need `origin` and may have `organic`, `allergens`, `servings`, and `<root>/tins`. */
async function importCategories(deps: CatalogDeps) {
  const root = await createCategory(
    {
      slug: uniqueSlug('pantry'),
      name: 'Pantry',
      attributes: [
        { name: 'origin', type: 'string', required: true },
        { name: 'organic', type: 'boolean', required: false },
        { name: 'allergens', type: 'multi-enum', values: ['milk', 'soya', 'gluten'], required: false },
        { name: 'servings', type: 'number', required: false },
      ],
    },
    staff,
    deps,
  );
  const tins = await createCategory({ slug: 'tins', name: 'Tins', parentId: root.id }, staff, deps);
  return { root, tins };
}

/** One valid variant row. */
function variantRow(categoryPath: string, slug: string, sku: string, extra: Cells = {}): Cells {
  return {
    product_slug: slug,
    product_name: `Product ${slug}`,
    category_path: categoryPath,
    attributes: 'origin=UK',
    tax_category: 'food',
    sku,
    variant_name: '400 g',
    sold_by: 'each',
    price: 120,
    currency: 'GBP',
    net_quantity: 400,
    net_unit: 'g',
    ...extra,
  };
}

/** Accepts a file as the API would and runs the worker on it to the end. */
async function importFile(deps: ImportDeps & { sqs: ReturnType<typeof testSqs>; queueUrl: string }, body: string, mediaType = 'text/csv', options: RunOptions = {}) {
  const accepted = await startImport({ body, mediaType }, { actor: 'user-importer' }, deps);
  const outcome = await runImport(deps, accepted.id, options);
  return { id: accepted.id, outcome, view: await viewOf(deps, accepted.id) };
}

async function viewOf(deps: CatalogDeps, id: string): Promise<ImportJobView> {
  return toImportJobView((await getJob(deps, id))!, await getRowErrors(deps, id));
}

async function productIdOf(sku: string): Promise<string> {
  const claim = await itemAt(keys.sku(sku));
  if (!claim) throw new Error(`SKU ${sku} is not claimed`);
  return claim.productId as string;
}

const importer: Principal = { subject: 'user-importer', kind: 'user', roles: ['head-office'], scopes: ['catalog:import', 'catalog:write'], stores: ['*'] };
const shopper: Principal = { subject: 'user-shopper', kind: 'user', roles: ['shopper'], scopes: ['cart:write'], stores: [] };

function sqsRecord(body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    receiptHandle: 'r',
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:catalog-import',
    awsRegion: 'eu-west-2',
  };
}

const longContext = (): Context => ({ ...lambdaContext('catalog-process-import'), getRemainingTimeInMillis: () => 900_000 });

describe('importing a catalog file', () => {
  it('lands the good rows and reports the bad ones with their row numbers, columns and SKUs', async () => {
    const deps = importDeps();
    const { root, tins } = await importCategories(deps);
    const [beans1, beans2, soup, bad1, bad2, orphan] = ['BN', 'BN', 'SP', 'X', 'Y', 'Z'].map((p) => uniqueSku(p)) as [string, ...string[]];
    const csv = csvOf([
      variantRow(tins.path, 'baked-beans', beans1, { attributes: 'origin=UK|organic=yes|allergens=soya,gluten|servings=2', tags: 'vegan|tinned' }),
      variantRow(tins.path, 'baked-beans', beans2!, {
        attributes: 'origin=UK|organic=yes|allergens=soya,gluten|servings=2',
        tags: 'vegan|tinned',
        variant_name: '4 x 400 g',
        sold_by: 'pack',
        pack_size: 4,
        net_quantity: 1600,
        price: 400,
      }),
      variantRow(tins.path, 'tomato-soup', bad1!, { price: '1.20' }),
      variantRow(tins.path, 'tomato-soup', soup!, { barcode: '5012345678900' }),
      variantRow(`${root.path}/nowhere`, 'lost-product', orphan!),
      variantRow(tins.path, 'no-origin', bad2!, { attributes: 'organic=maybe' }),
    ]);
    const { outcome, view } = await importFile(deps, csv);

    expect(outcome.kind).toBe('completed');
    expect(view).toMatchObject({
      status: 'completed',
      format: 'csv',
      counts: { total: 6, created: 3, updated: 0, unchanged: 0, failed: 3 },
      progress: { processedRows: 6, expectedRows: 6, percent: 100 },
      errorsTruncated: false,
    });
    expect(view.errors).toEqual([
      { row: 4, sku: bad1, field: 'price', message: 'must be a whole number from 0 to 100000000' },
      { row: 6, sku: orphan, field: 'category_path', message: `no category has the path ${root.path}/nowhere` },
      { row: 7, sku: bad2, field: 'attributes', message: 'organic must be a boolean' },
      { row: 7, sku: bad2, field: 'attributes', message: 'origin is required in this category and must be a string' },
    ]);

    const beans = await getProduct(await productIdOf(beans1), deps);
    expect(beans).toMatchObject({
      slug: 'baked-beans',
      categoryPath: tins.path,
      tags: ['vegan', 'tinned'],
      attributes: { origin: 'UK', organic: true, allergens: ['soya', 'gluten'], servings: 2 },
      version: 1,
      status: 'active',
      images: [],
    });
    expect(beans.variants.map((v) => [v.sku, v.soldBy, v.price.amount, v.packSize])).toEqual([
      [beans1, 'each', 120, undefined],
      [beans2, 'pack', 400, 4],
    ]);
    const soupProduct = await getProduct(await productIdOf(soup!), deps);
    expect(soupProduct.variants).toEqual([expect.objectContaining({ sku: soup, barcode: '5012345678900' })]);
    for (const sku of [bad1!, bad2!, orphan!]) expect(await itemAt(keys.sku(sku))).toBeUndefined();
    const created = await outboxEventOf(productCreatedV1, beans.id);
    expect(created?.data).toMatchObject({ skus: [beans1, beans2], version: 1, actor: expect.stringMatching(/^import:/) });
    expect((await outboxEventOf(productCreatedV1, soupProduct.id))?.data.skus).toEqual([soup]);
  });

  it('changes nothing when the same file is imported again: same items, same versions, no events', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const skus = Array.from({ length: 6 }, () => uniqueSku('RE'));
    const csv = csvOf(skus.map((sku, i) => variantRow(tins.path, `product-${Math.floor(i / 2)}`, sku, { variant_name: `size ${i}` })));
    const first = await importFile(deps, csv);
    expect(first.view.counts).toEqual({ total: 6, created: 6, updated: 0, unchanged: 0, failed: 0 });
    const ids = [...new Set(await Promise.all(skus.map(productIdOf)))];
    expect(ids).toHaveLength(3);
    const before = await Promise.all(ids.map((id) => itemAt(keys.product(id))));

    const second = await importFile(deps, csv);
    expect(second.view.counts).toEqual({ total: 6, created: 0, updated: 0, unchanged: 6, failed: 0 });
    expect(await Promise.all(ids.map((id) => itemAt(keys.product(id))))).toEqual(before);
    expect(before.map((item) => item?.version)).toEqual([1, 1, 1]);
    for (const id of ids) expect(await outboxEventOf(productUpdatedV1, `${id}:v2`)).toBeUndefined();
    for (const id of ids) expect(await auditItemsOf(id)).toEqual([]);
  });

  it('updates a product found by SKU, adds new variants, keeps the others, and audits price changes', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const [kept, repriced, added] = [uniqueSku('K'), uniqueSku('R'), uniqueSku('A')];
    const existing = await createProduct(productInput(tins.id, [kept, repriced], { attributes: { origin: 'UK' } }), staff, deps);

    const csv = csvOf([
      variantRow(tins.path, 'renamed-beans', repriced, { product_name: 'Renamed beans', price: 999, variant_name: '800 g', net_quantity: 800 }),
      variantRow(tins.path, 'renamed-beans', added, { product_name: 'Renamed beans', variant_name: 'single', net_quantity: 200, price: 70 }),
    ]);
    const { view } = await importFile(deps, csv);
    expect(view.counts).toEqual({ total: 2, created: 1, updated: 1, unchanged: 0, failed: 0 });

    const after = await getProduct(existing.id, deps);
    expect(after).toMatchObject({ name: 'Renamed beans', slug: 'renamed-beans', version: 2 });
    expect(after.variants.map((v) => [v.sku, v.price.amount])).toEqual([
      [kept, 120],
      [repriced, 999],
      [added, 70],
    ]);
    expect(await productIdOf(added)).toBe(existing.id);
    const audit = await auditItemsOf(existing.id);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'price-changed',
        actor: expect.stringMatching(/^import:/),
        before: { [repriced]: { amount: 240, currency: 'GBP' } },
        after: { [repriced]: { amount: 999, currency: 'GBP' } },
      }),
    ]);
    expect((await outboxEventOf(productUpdatedV1, `${existing.id}:v2`))?.data).toMatchObject({
      productId: existing.id,
      addedSkus: [added],
      removedSkus: [],
      version: 2,
    });
    expect((await outboxEventOf(productPriceChangedV1, `${existing.id}:v2`))?.data).toMatchObject({ changes: [{ sku: repriced }] });
  });

  it('reports a SKU that another product owns as a row error and still imports the rest of that product', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const [owned, mine] = [uniqueSku('OWN'), uniqueSku('MINE')];
    const owner = await createProduct(productInput(tins.id, [owned], { attributes: { origin: 'UK' } }), staff, deps);
    const otherProduct = await createProduct(productInput(tins.id, [uniqueSku('OTHER')], { attributes: { origin: 'UK' } }), staff, deps);
    const otherSku = otherProduct.variants[0]!.sku;

    const { view } = await importFile(
      deps,
      csvOf([variantRow(tins.path, 'owners-product', owned), variantRow(tins.path, 'owners-product', otherSku), variantRow(tins.path, 'owners-product', mine)]),
    );
    expect(view.counts).toEqual({ total: 3, created: 1, updated: 1, unchanged: 0, failed: 1 });
    expect(view.errors).toEqual([
      { row: 3, sku: otherSku, field: 'sku', message: `SKU ${otherSku} already belongs to another product (${otherProduct.id})` },
    ]);
    expect(await productIdOf(otherSku)).toBe(otherProduct.id);
    expect(await productIdOf(mine)).toBe(owner.id);
  });

  it('applies two slugs of one file that both name SKUs of the same existing product', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const [first, second] = [uniqueSku('TWO'), uniqueSku('TWO')];
    const existing = await createProduct(productInput(tins.id, [first, second], { attributes: { origin: 'UK' } }), staff, deps);
    const { view } = await importFile(
      deps,
      csvOf([
        variantRow(tins.path, 'test-product', first, { product_name: 'Test product', price: 111 }),
        variantRow(tins.path, 'test-product-again', second, { product_name: 'Test product', variant_name: '800 g', net_quantity: 800, price: 222 }),
      ]),
    );
    expect(view.counts.failed).toBe(0);
    expect(view.counts.updated).toBe(2);
    const after = await getProduct(existing.id, deps);
    expect(after.variants.map((v) => v.price.amount)).toEqual([111, 222]);
    expect(after.version).toBe(3);
  });

  it('imports a JSON array and NDJSON with numbers and booleans, numbering rows by element and by line', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const [a, b, c] = [uniqueSku('J'), uniqueSku('J'), uniqueSku('N')];
    const rows = [
      { ...variantRow(tins.path, 'json-product', a), price: 150, net_quantity: 400, age_restricted: false, brand: null },
      { ...variantRow(tins.path, 'json-product', b), price: '1.50' },
    ];
    const json = await importFile(deps, JSON.stringify(rows), 'application/json');
    expect(json.view).toMatchObject({ format: 'json', counts: { total: 2, created: 1, failed: 1 } });
    expect(json.view.errors).toEqual([{ row: 2, sku: b, field: 'price', message: 'must be a whole number from 0 to 100000000' }]);
    expect((await getProduct(await productIdOf(a), deps)).variants[0]?.price).toEqual({ amount: 150, currency: 'GBP' });

    const ndjson = `${JSON.stringify(variantRow(tins.path, 'ndjson-product', c, { price: 80 }))}\n\n{"product_slug": oops}\n`;
    const lines = await importFile(deps, ndjson, 'application/x-ndjson');
    expect(lines.view).toMatchObject({ format: 'ndjson', counts: { total: 2, created: 1, failed: 1 } });
    expect(lines.view.errors[0]).toMatchObject({ row: 3, field: 'row', message: expect.stringMatching(/^is not valid JSON/) });
  });

  it('fails the job, keeping the rows already written, when the stored file turns out unreadable', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const [a, b] = [uniqueSku('OK'), uniqueSku('OK')];
    const accepted = await startImport({ body: csvOf([variantRow(tins.path, 'p', a)]), mediaType: 'text/csv' }, { actor: 'user-importer' }, deps);
    const broken = `${csvOf([variantRow(tins.path, 'first', a), variantRow(tins.path, 'second', b)])}"unclosed,quote\n`;
    await s3.send(new PutObjectCommand({ Bucket: engines().buckets.imports, Key: `imports/${accepted.id}/source.csv`, Body: broken }));

    const outcome = await runImport(deps, accepted.id);
    expect(outcome.kind).toBe('failed');
    const view = await viewOf(deps, accepted.id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatch(/^The CSV cannot be read: /);
    expect(view.counts).toMatchObject({ created: 2 });
    expect(await productIdOf(b)).toBeDefined();
  });

  it('does nothing for a redelivered message of a finished job', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const sku = uniqueSku('ONCE');
    const { id, view } = await importFile(deps, csvOf([variantRow(tins.path, 'once', sku)]));
    expect(await runImport(deps, id)).toEqual({ kind: 'skipped', reason: 'the job is already completed' });
    const again = await viewOf(deps, id);
    expect(again).toEqual(view);
    expect(await outboxEventOf(productUpdatedV1, `${await productIdOf(sku)}:v2`)).toBeUndefined();
  });

  it('resumes a run that stopped half-way from its checkpoint without counting a row twice', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const skus = Array.from({ length: 60 }, () => uniqueSku('RS'));
    const csv = csvOf(skus.map((sku, i) => variantRow(tins.path, `resume-${i}`, sku, i === 30 ? { price: 'x' } : {})));
    const accepted = await startImport({ body: csv, mediaType: 'text/csv' }, { actor: 'user-importer' }, deps);
    let asked = 0;
    const first = await runImport(deps, accepted.id, { chunkRows: 10, chunkConcurrency: 1, checkpointRows: 1, shouldStop: () => ++asked > 3 });
    expect(first).toEqual({ kind: 'paused', checkpointRow: 31 });
    const paused = await viewOf(deps, accepted.id);
    expect(paused).toMatchObject({ status: 'running', counts: { total: 30, created: 30, failed: 0 } });

    const second = await runImport(deps, accepted.id, { chunkRows: 10 });
    expect(second.kind).toBe('completed');
    const view = await viewOf(deps, accepted.id);
    expect(view.counts).toEqual({ total: 60, created: 59, updated: 0, unchanged: 0, failed: 1 });
    expect(view.errors.map((e) => e.row)).toEqual([32]);
    expect((await getJob(deps, accepted.id))?.attempts).toBe(2);
  });

  it('imports the published sample file into the sample catalog without a single row error, and again without a change', async () => {
    const tableName = uniqueId('import-sample');
    const client = localDynamoClient(engines().endpoints.dynamodb);
    try {
      await migrate({ tableName, createTable: true, log: () => undefined, client });
    } finally {
      client.destroy();
    }
    const deps = importDeps();
    const sampleDeps = { ...deps, tableName };
    await seedSampleCatalog({ deps: sampleDeps });
    const csv = readFileSync('integration-files/catalog/sample-import.csv', 'utf8');
    const first = await importFile(sampleDeps, csv);
    expect(first.view.errors).toEqual([]);
    expect(first.view.counts).toEqual({ total: 21, created: 21, updated: 0, unchanged: 0, failed: 0 });
    const beer = await getProduct((await sampleDeps.db.send(new GetCommand({ TableName: tableName, Key: keys.sku('IMP-HAZY-IPA-440ML') }))).Item!.productId as string, sampleDeps);
    expect(beer).toMatchObject({ ageRestricted: true, attributes: { abv: 6.5, style: 'ipa', vegan: true, allergens: ['gluten'] } });
    const second = await importFile(sampleDeps, csv);
    expect(second.view.counts).toEqual({ total: 21, created: 0, updated: 0, unchanged: 21, failed: 0 });
    // A table of its own, migrated and seeded: on a busy machine that alone took most of the default minute.
  }, 180_000);

  it('claims each SKU once when two imports of overlapping files run at the same moment', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    // Several pairs, so that some of them truly interleave: both jobs read "free" before either writes.
    for (let round = 0; round < 4; round++) {
      const skus = Array.from({ length: 9 }, () => uniqueSku('RACE'));
      const fileA = csvOf(skus.slice(0, 6).map((sku) => variantRow(tins.path, `race-a-${round}`, sku)));
      const fileB = csvOf(skus.slice(3).map((sku) => variantRow(tins.path, `race-b-${round}`, sku)));
      const [a, b] = await Promise.all([importFile(deps, fileA), importFile(deps, fileB)]);

      expect([a.outcome.kind, b.outcome.kind]).toEqual(['completed', 'completed']);
      expect(a.view.counts.failed + b.view.counts.failed).toBe(0);
      // Every SKU was created by exactly one of the two; the other job found it claimed and updated or kept it.
      expect(a.view.counts.created + b.view.counts.created).toBe(skus.length);
      const owners = new Map(await Promise.all(skus.map(async (sku) => [sku, await productIdOf(sku)] as const)));
      const listed = new Map<string, string>();
      for (const id of new Set(owners.values())) {
        for (const variant of (await getProduct(id, deps)).variants) {
          expect(listed.get(variant.sku), `${variant.sku} is listed by two products`).toBeUndefined();
          listed.set(variant.sku, id);
        }
      }
      expect(listed).toEqual(owners);
    }
  });

  it('imports 10,000 rows with counters that add up', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const prefix = uniqueSku('BULK');
    const rows: Cells[] = [];
    for (let i = 0; i < 10_000; i++) {
      const product = Math.floor(i / 2);
      rows.push(
        variantRow(tins.path, `bulk-${product}`, `${prefix}-${i}`, {
          variant_name: i % 2 === 0 ? 'single' : 'double',
          price: i % 997 === 0 ? 'bad' : 100 + (i % 50),
        }),
      );
    }
    const started = performance.now();
    const { view } = await importFile(deps, csvOf(rows));
    const seconds = (performance.now() - started) / 1000;
    const { rss } = process.memoryUsage();
    console.log(`10k-row import: ${seconds.toFixed(1)} s, ${Math.round(10_000 / seconds)} rows/s, rss ${Math.round(rss / 2 ** 20)} MiB`);

    const bad = rows.filter((r) => r.price === 'bad').length;
    expect(view.status).toBe('completed');
    expect(view.counts).toEqual({ total: 10_000, created: 10_000 - bad, updated: 0, unchanged: 0, failed: bad });
    const { created, updated, unchanged, failed } = view.counts;
    expect(created + updated + unchanged + failed).toBe(view.counts.total);
    expect(view.errors).toHaveLength(bad);
    expect(await productIdOf(`${prefix}-9999`)).toBe(await productIdOf(`${prefix}-9998`));
  }, 600_000);
});

describe('the import endpoints', () => {
  const post = (body: string | null, headers: Record<string, string> = { 'Content-Type': 'text/csv' }, principal: Principal | null = importer) =>
    apiEvent({ method: 'POST', resource: '/products/import', body, headers, ...(principal ? { principal } : {}) });
  const call = async (event: ReturnType<typeof post>, fn = startImportHandler) => {
    const res = await fn(event, lambdaContext('catalog-start-import'));
    return { ...res, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined };
  };

  it('accepts a CSV with 202 and a Location, queues the job, and the worker and GET /imports/{id} finish the story', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const sku = uniqueSku('HTTP');
    const res = await call(post(csvOf([variantRow(tins.path, 'via-http', sku)]), { 'Content-Type': 'text/csv; charset=utf-8' }));
    expect(res.statusCode).toBe(202);
    const id = res.json?.id as string;
    expect(res.headers?.location).toBe(`/imports/${id}`);
    expect(res.json).toMatchObject({ status: 'queued', format: 'csv', counts: { total: 0 }, progress: { expectedRows: 1 }, createdBy: importer.subject });

    const message = await takeMessage('catalog-import', (body) => (body as { jobId?: string }).jobId === id);
    const result = await processImportHandler({ Records: [sqsRecord(message)] }, longContext());
    expect(result).toEqual({ batchItemFailures: [] });

    const get = (principal: Principal | undefined) =>
      getImportHandler(
        apiEvent({ method: 'GET', resource: '/imports/{id}', pathParameters: { id }, ...(principal ? { principal } : {}) }),
        lambdaContext('catalog-get-import'),
      );
    const view = await get(importer);
    expect(view.statusCode).toBe(200);
    expect(JSON.parse(view.body)).toMatchObject({ id, status: 'completed', counts: { total: 1, created: 1 }, errors: [] });
    expect((await get(undefined)).statusCode).toBe(401);
    expect((await get(shopper)).statusCode).toBe(403);
    const missing = await getImportHandler(
      apiEvent({ method: 'GET', resource: '/imports/{id}', pathParameters: { id: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }, principal: importer }),
      lambdaContext(),
    );
    expect(missing.statusCode).toBe(404);
  });

  it('answers the same job to a repeated Idempotency-Key', async () => {
    const deps = importDeps();
    const { tins } = await importCategories(deps);
    const body = csvOf([variantRow(tins.path, 'idem', uniqueSku('IDEM'))]);
    const headers = { 'Content-Type': 'text/csv', 'Idempotency-Key': uniqueSlug('key') };
    const first = await call(post(body, headers));
    const second = await call(post(body, headers));
    expect(first.statusCode).toBe(202);
    expect(second.json?.id).toBe(first.json?.id);
  });

  it('refuses a header without required columns with 400 naming them, and stores nothing', async () => {
    const res = await call(post('product_slug,sku,colour\nbeans,BN-1,red\n'));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(res.json).toMatchObject({
      type: 'https://smartshelf.dev/problems/import-file-invalid',
      missingColumns: ['product_name', 'category_path', 'tax_category', 'variant_name', 'sold_by', 'price', 'currency'],
      unknownColumns: ['colour'],
    });
  });

  it.each([
    ['a file with only a header', `${COLUMNS.join(',')}\n`, 'text/csv', 400, /no rows/],
    ['a JSON body that is not an array', '{"sku":"A"}', 'application/json', 400, /must be an array/],
    ['an empty body', '', 'text/csv', 400, /needs a request body/],
    ['a spreadsheet', 'PK\u0003\u0004', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 415, /text\/csv/],
  ])('refuses %s', async (_name, body, contentType, status, detail) => {
    const res = await call(post(body, { 'Content-Type': contentType }));
    expect(res.statusCode).toBe(status);
    expect(res.json?.detail).toMatch(detail);
  });

  it('needs credentials (401) and the catalog:import scope (403)', async () => {
    const body = `${COLUMNS.join(',')}\n`;
    expect((await call(post(body, { 'Content-Type': 'text/csv' }, null))).statusCode).toBe(401);
    expect((await call(post(body, { 'Content-Type': 'text/csv' }, shopper))).statusCode).toBe(403);
  });

  it('reports a failed run as a batch item failure so SQS redelivers it, and fails a malformed message so it reaches the DLQ', async () => {
    const poison = sqsRecord({ nonsense: true });
    const broken = await processImportHandler({ Records: [poison] }, longContext());
    expect(broken).toEqual({ batchItemFailures: [{ itemIdentifier: poison.messageId }] });
    const deps = importDeps();
    const job = await startImport({ body: csvOf([variantRow('x', 'y', uniqueSku('Z'))]), mediaType: 'text/csv' }, { actor: 'it' }, deps);
    let asked = 0;
    const expiring: Context = { ...longContext(), getRemainingTimeInMillis: () => (asked++ === 0 ? 900_000 : 1) };
    const record = sqsRecord({ jobId: job.id });
    expect(await processImportHandler({ Records: [record] }, expiring)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect((await getJob(deps, job.id))?.status).toBe('running');
  });
});
