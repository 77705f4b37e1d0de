import { beforeAll, describe, expect, inject, it } from 'vitest';
import { COLUMNS } from '../../shared/catalog/import/columns.js';
import type { ImportUploadView } from '../../shared/catalog/import/create-import-upload.js';
import type { ImportJobView } from '../../shared/catalog/import/job.js';
import { ApiClient, type Problem } from '../support/api-client.js';
import { eventually } from '../support/e2e.js';

/**
 * A catalog file larger than a request body may be, imported over HTTP through a presigned
 * upload: every API response is checked against the OpenAPI document by the client; the upload
 * itself goes straight to storage, as a client would send it.
 */

const run = Date.now().toString(36).toUpperCase();
const api = new ApiClient(inject('baseUrl'));
const INLINE_LIMIT = 6 * 1024 * 1024;
/** Rows of the file: two variants a product, each row padded with a description so the file passes 6 MB quickly. */
const ROWS = 8_000;
const BAD_ROWS = new Set([17, 4_242]);
let admin: ApiClient;

/** A CSV of `ROWS` rows in the seeded `pantry/tins` category; the rows in `BAD_ROWS` (0-based) have a price in pounds. */
function largeCsv(): string {
  const description = `A store cupboard staple for run ${run} with a long description that makes every row weigh about a kilobyte. `.repeat(8).trim();
  const lines = [COLUMNS.join(',')];
  for (let i = 0; i < ROWS; i++) {
    const product = Math.floor(i / 2);
    const cells: Record<string, string> = {
      product_slug: `e2e-large-${run.toLowerCase()}-${product}`,
      product_name: `Large Import Tin ${product}`,
      brand: 'Larder Co',
      description,
      category_path: 'pantry/tins',
      tags: 'tinned|e2e',
      tax_category: 'food',
      sku: `E2E-${run}-L-${i}`,
      variant_name: i % 2 === 0 ? '400 g tin' : '4 x 400 g',
      sold_by: i % 2 === 0 ? 'each' : 'pack',
      price: BAD_ROWS.has(i) ? '1.20' : String(90 + (i % 50)),
      currency: 'GBP',
      net_quantity: i % 2 === 0 ? '400' : '1600',
      net_unit: 'g',
      pack_size: i % 2 === 0 ? '' : '4',
    };
    lines.push(COLUMNS.map((c) => cells[c] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  admin = api.as({ token: await api.mintToken(`e2e-large-${run}`, ['admin']) });
});

describe('a catalog file over 6 MB', () => {
  const csv = largeCsv();
  const sizeBytes = Buffer.byteLength(csv);

  it('is too large for the inline import: 413', async () => {
    expect(sizeBytes).toBeGreaterThan(INLINE_LIMIT);
    const refused = await admin.post<Problem>('/products/import', csv, { contentType: 'text/csv' });
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toContain(`at most ${INLINE_LIMIT}`);
  });

  it('is uploaded to a presigned URL, started, and imported to completion with every row counted', async () => {
    const created = await admin.post<ImportUploadView>('/imports', { format: 'csv', sizeBytes });
    expect(created.status).toBe(201);
    const { id, upload } = created.body;
    expect(created.headers.get('location')).toBe(`/imports/${id}`);
    expect(created.body).toMatchObject({ status: 'awaiting-upload', sizeBytes, progress: { expectedRows: null, percent: 0 } });

    const early = await admin.post<Problem>(`/imports/${id}/start`);
    expect(early.status).toBe(409);
    expect(early.body.type).toMatch(/\/upload-missing$/);

    const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: csv });
    expect(put.status).toBe(200);

    const started = await admin.post<ImportJobView>(`/imports/${id}/start`);
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/imports/${id}`);
    expect(['queued', 'running']).toContain(started.body.status);

    const percents: number[] = [];
    const done = await eventually(
      'the import to finish',
      async () => {
        const { body } = await admin.get<ImportJobView>(`/imports/${id}`);
        percents.push(body.progress.percent);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      150_000,
    );
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ total: ROWS, created: ROWS - BAD_ROWS.size, updated: 0, unchanged: 0, failed: BAD_ROWS.size });
    expect(done.errors.map((e) => [e.row, e.sku, e.field])).toEqual([...BAD_ROWS].map((i) => [i + 2, `E2E-${run}-L-${i}`, 'price']));
    expect(done.progress).toEqual({ processedRows: ROWS, expectedRows: null, percent: 100 });
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    const again = await admin.post<ImportJobView>(`/imports/${id}/start`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ status: 'completed', counts: done.counts });
  }, 200_000);
});
