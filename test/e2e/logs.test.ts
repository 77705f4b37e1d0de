import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { eventually } from '../support/e2e.js';
import { TERMINAL_FILE } from '../support/platform.js';

/**
 * What a developer sees of `npm start`, and what its log files keep: every local function shares one process and their
 * invocations overlap, yet each request's lines name its own function and carry its own correlation id, on the
 * terminal (one short line per request) and in that function's file under `logs/` (the full JSON entries), and in no
 * other function's file.
 */

const dataDir = inject('dataDir');
const api = new ApiClient(inject('baseUrl'));
const logsDir = join(dataDir, 'logs');
const MISSING_PRODUCT = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

interface Entry {
  level: string;
  message: string;
  function_name?: string;
  correlationId?: string;
}

async function entriesOf(fnId: string): Promise<Entry[]> {
  const text = await readFile(join(logsDir, `${fnId}.log`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as Entry);
}

describe('local logs', () => {
  it('keep each of many overlapping requests in its own function’s file and terminal line, with its correlation id', async () => {
    const run = ulid();
    const requests = Array.from({ length: 12 }, (_, i) => [
      { fn: 'catalog-get-product', correlationId: `logs-${run}-product-${i}`, path: `/products/${MISSING_PRODUCT}` },
      { fn: 'stores-get-store', correlationId: `logs-${run}-store-${i}`, path: `/stores/nowhere-${i}` },
    ]).flat();
    const answers = await Promise.all(requests.map((r) => api.request('GET', r.path, { headers: { 'x-correlation-id': r.correlationId } })));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(404);
      expect(answer.headers.get('x-correlation-id')).toBe(requests[i]!.correlationId);
    }

    for (const { fn, correlationId } of requests) {
      const entries = await eventually(`${correlationId} in ${fn}.log`, async () => {
        const mine = (await entriesOf(fn)).filter((e) => e.correlationId === correlationId);
        return mine.length > 0 ? mine : undefined;
      });
      for (const entry of entries) expect(entry.function_name).toBe(`smartshelf-local-${fn}`);
    }
    // No entry of this run sits in another function's file. (platform.log is the runtime's own: it keeps the request lines.)
    for (const file of (await readdir(logsDir)).filter((f) => f !== 'platform.log')) {
      const fnId = file.replace(/\.log$/, '');
      const text = await readFile(join(logsDir, file), 'utf8');
      const others = requests.filter((r) => r.fn !== fnId && text.includes(r.correlationId));
      expect(others.map((r) => r.correlationId), file).toEqual([]);
    }

    const terminal = await eventually('the request lines on the terminal', async () => {
      const text = await readFile(join(dataDir, TERMINAL_FILE), 'utf8');
      return requests.every((r) => text.includes(` ${r.correlationId}\n`)) ? text : undefined;
    });
    for (const { fn, correlationId, path } of requests) {
      const lines = terminal.split('\n').filter((line) => line.endsWith(` ${correlationId}`));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^GET ${path} 404 \\d+ ms ${fn} ${correlationId}$`));
    }
  });

  it('shows a function’s warnings on the terminal in full, and its INFO entries only in its file', async () => {
    const admin = api.as({ apiKey: inject('adminApiKey') });
    const { body: categories } = await api.get<{ items: { id: string; path: string }[] }>('/categories');
    const categoryId = categories.items.find((c) => c.path === 'pantry')!.id;
    const run = ulid();
    const product = await admin.post<{ id: string }>('/products', {
      name: `Log Test Jam ${run}`,
      categoryId,
      taxCategory: 'food',
      variants: [{ sku: `LOGS-${run}`, name: '370g', soldBy: 'each', price: { amount: 265, currency: 'GBP' } }],
    });
    expect(product.status).toBe(201);
    // A PNG cut short passes the upload's type check and fails in the thumbnail worker, which warns and gives up on it.
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 200, g: 30, b: 60 } } }).png().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png.subarray(0, 64))], { type: 'image/png' }), 'cut.png');
    const image = await admin.post<{ id: string }>(`/products/${product.body.id}/images`, form);
    expect(image.status).toBe(202);

    const warning = await eventually('the worker’s warning on the terminal', async () => {
      const text = await readFile(join(dataDir, TERMINAL_FILE), 'utf8');
      return text.split('\n').find((line) => line.startsWith('WARN catalog-generate-thumbnails: image cannot be decoded') && line.includes(image.body.id));
    });
    // In full: the entry's own fields (product, image, the error), without the Lambda boilerplate every entry repeats.
    const fields = JSON.parse(warning.slice(warning.indexOf('{'))) as Record<string, unknown>;
    expect(fields).toMatchObject({ productId: product.body.id, imageId: image.body.id, error: { name: expect.any(String), message: expect.any(String) } });
    expect(fields).not.toHaveProperty('function_arn');
    const inFile = (await entriesOf('catalog-generate-thumbnails')).find((e) => e.level === 'WARN' && JSON.stringify(e).includes(image.body.id));
    expect(inFile?.function_name).toBe('smartshelf-local-catalog-generate-thumbnails');

    // Every rejected request logs "request rejected" at INFO: kept in the files, never on the terminal at the default level.
    const terminal = await readFile(join(dataDir, TERMINAL_FILE), 'utf8');
    expect((await entriesOf('catalog-get-product')).some((e) => e.message === 'request rejected')).toBe(true);
    expect(terminal).not.toContain('request rejected');
    expect(terminal).not.toMatch(/^\{"level"/m);
  });
});
