import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { productImageUploadedV1 } from '../../../events/catalog/product-image-uploaded.v1.js';
import { handler as generateThumbnailsHandler } from '../../../functions/catalog/generate-thumbnails.js';
import { handler as uploadHandler } from '../../../functions/catalog/upload-product-image.js';
import type { Principal } from '../../../shared/auth/principal.js';
import type { CatalogDeps } from '../../../shared/catalog/deps.js';
import { generateThumbnails } from '../../../shared/catalog/images/thumbnails.js';
import { MAX_IMAGE_BYTES, uploadProductImage, type MediaDeps } from '../../../shared/catalog/images/upload-image.js';
import { getProduct } from '../../../shared/catalog/product-queries.js';
import { createProduct } from '../../../shared/catalog/products.js';
import { keys } from '../../../shared/db/keys.js';
import { s3 } from '../../../shared/storage/s3.js';
import { engines, takeMessage } from '../../support/engines.js';
import { apiEvent, lambdaContext } from '../../support/lambda.js';
import { testDeps, categoryTree, itemAt, outboxEventOf, productInput, staff, uniqueSku } from './fixtures.js';

const writer: Principal = { subject: 'user-writer', kind: 'user', roles: ['head-office'], scopes: ['catalog:write'], stores: ['*'] };
const importerOnly: Principal = { subject: 'user-importer', kind: 'user', roles: ['catalog-feed'], scopes: ['catalog:import'], stores: [] };

function mediaDeps(): MediaDeps {
  return { ...testDeps(), s3, mediaBucket: engines().buckets.media, mediaBaseUrl: engines().env.MEDIA_BASE_URL! };
}

async function newProduct(deps: CatalogDeps) {
  const { fruit } = await categoryTree(deps);
  return createProduct(productInput(fruit.id, [uniqueSku('IMG')], { attributes: { brand: 'Acme' } }), staff, deps);
}

/** A real image of the given format, drawn by sharp: a gradient so that encoders have something to encode. */
async function picture(format: 'png' | 'jpeg' | 'webp', width = 800, height = 600): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).composite([
    { input: Buffer.from(`<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#2a7"/></svg>`) },
  ]);
  return base.toFormat(format).toBuffer();
}

async function objectKeys(prefix: string): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: engines().buckets.media, Prefix: prefix }));
  return Contents.map((c) => c.Key!).sort();
}

async function objectBytes(key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: engines().buckets.media, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

const BOUNDARY = 'smartshelf-test-boundary-7d1f';

/** A multipart/form-data request body with one file part, base64-encoded as API Gateway hands binary bodies over. */
function multipart(content: Buffer, filename: string, type: string, field = 'file'): string {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  );
  return Buffer.concat([head, content, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]).toString('base64');
}

function uploadEvent(productId: string, body: string | null, principal: Principal | null = writer, contentType = `multipart/form-data; boundary=${BOUNDARY}`) {
  return apiEvent({
    method: 'POST',
    resource: '/products/{id}/images',
    pathParameters: { id: productId },
    headers: { 'Content-Type': contentType },
    body,
    isBase64Encoded: true,
    ...(principal ? { principal } : {}),
  });
}

async function upload(event: ReturnType<typeof uploadEvent>) {
  const res = await uploadHandler(event, lambdaContext('catalog-upload-product-image'));
  return { ...res, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined };
}

function thumbnailRecord(data: { productId: string; imageId: string; key: string; contentType: string }): SQSRecord {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    receiptHandle: 'r',
    body: JSON.stringify({
      version: '0',
      id: 'evt-1',
      'detail-type': 'product.image-uploaded',
      source: 'smartshelf.catalog',
      detail: { id: 'env-1', version: 1, occurredAt: new Date().toISOString(), data },
    }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:catalog-thumbnails',
    awsRegion: 'eu-west-2',
  };
}

describe('product images', () => {
  it.each([
    ['png', 'image/png', 'png'],
    ['jpeg', 'image/jpeg', 'jpg'],
    ['webp', 'image/webp', 'webp'],
  ] as const)('stores a %s original, makes 160 and 480 px WebP thumbnails and shows them on the product', async (format, contentType, ext) => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const original = await picture(format);

    const image = await uploadProductImage(product.id, { content: original, filename: `photo.${ext}`, mimetype: contentType }, staff, deps);
    const prefix = `products/${product.id}/images/${image.id}/`;
    expect(image).toMatchObject({ contentType, status: 'processing', key: `${prefix}original.${ext}`, thumbnails: {} });
    expect(image.url).toBe(`${deps.mediaBaseUrl}/${prefix}original.${ext}`);
    expect(await objectBytes(image.key)).toEqual(original);
    const event = await outboxEventOf(productImageUploadedV1, image.id);
    expect(event).toMatchObject({ detailType: 'product.image-uploaded', data: { productId: product.id, imageId: image.id, key: image.key, contentType } });
    expect((await getProduct(product.id, deps)).version).toBe(2);
    // Through the stream, the relay and the bus, the wiring rule hands it to the thumbnail queue.
    const delivered = await takeMessage('catalog-thumbnails', (body) => (body as { detail?: { id?: string } }).detail?.id === event?.id);
    expect(delivered).toMatchObject({ 'detail-type': 'product.image-uploaded', detail: { id: event?.id, data: event?.data } });

    const outcome = await generateThumbnails({ productId: product.id, imageId: image.id }, deps);
    expect(outcome.kind).toBe('ready');
    expect(await objectKeys(prefix)).toEqual([`${prefix}original.${ext}`, `${prefix}w160.webp`, `${prefix}w480.webp`]);
    const small = await sharp(await objectBytes(`${prefix}w160.webp`)).metadata();
    expect([small.format, small.width, small.height]).toEqual(['webp', 160, 120]);

    const view = await getProduct(product.id, deps);
    expect(view.version).toBe(3);
    expect(view.images).toEqual([
      {
        ...image,
        status: 'ready',
        width: 800,
        height: 600,
        thumbnails: {
          w160: { key: `${prefix}w160.webp`, width: 160, height: 120, url: `${deps.mediaBaseUrl}/${prefix}w160.webp` },
          w480: { key: `${prefix}w480.webp`, width: 480, height: 360, url: `${deps.mediaBaseUrl}/${prefix}w480.webp` },
        },
      },
    ]);
  });

  it('does nothing on a redelivered message once the image is ready', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const image = await uploadProductImage(product.id, { content: await picture('png') }, staff, deps);
    await generateThumbnails({ productId: product.id, imageId: image.id }, deps);
    const before = await itemAt(keys.product(product.id));
    expect(await generateThumbnails({ productId: product.id, imageId: image.id }, deps)).toEqual({
      kind: 'skipped',
      reason: 'the image is already ready',
    });
    expect(await itemAt(keys.product(product.id))).toEqual(before);
  });

  it('never enlarges a small image and applies EXIF orientation to the recorded size', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const tiny = await uploadProductImage(product.id, { content: await picture('png', 100, 80) }, staff, deps);
    const rotated = await sharp(await picture('jpeg', 800, 600))
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const portrait = await uploadProductImage(product.id, { content: rotated }, staff, deps);
    await generateThumbnails({ productId: product.id, imageId: tiny.id }, deps);
    await generateThumbnails({ productId: product.id, imageId: portrait.id }, deps);
    const [a, b] = (await getProduct(product.id, deps)).images;
    expect([a?.width, a?.height, a?.thumbnails.w160?.width, a?.thumbnails.w480?.width]).toEqual([100, 80, 100, 100]);
    expect([b?.width, b?.height, b?.thumbnails.w160?.width, b?.thumbnails.w160?.height]).toEqual([600, 800, 160, 213]);
  });

  it('marks an image that cannot be decoded as failed instead of retrying it forever', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const truncated = (await picture('png')).subarray(0, 64);
    const image = await uploadProductImage(product.id, { content: truncated }, staff, deps);
    const outcome = await generateThumbnails({ productId: product.id, imageId: image.id }, deps);
    expect(outcome.kind).toBe('failed');
    expect((await getProduct(product.id, deps)).images[0]).toMatchObject({ id: image.id, status: 'failed', thumbnails: {} });
  });

  it('refuses a 21st image with 409 and leaves no object and no event behind', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const png = await picture('png', 20, 20);
    for (let i = 0; i < 20; i++) await uploadProductImage(product.id, { content: png }, staff, deps);
    const refusedId = ulid();
    const error = await uploadProductImage(product.id, { content: png }, staff, { ...deps, newId: () => refusedId }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'conflict', code: 'too-many-images' });
    expect(await objectKeys(`products/${product.id}/`)).toHaveLength(20);
    expect(await outboxEventOf(productImageUploadedV1, refusedId)).toBeUndefined();
  });
});

describe('the image endpoints', () => {
  it('answers 202 with the image and the product as Location', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const res = await upload(uploadEvent(product.id, multipart(await picture('jpeg'), 'photo.jpg', 'image/jpeg')));
    expect(res.statusCode).toBe(202);
    expect(res.headers?.location).toBe(`/products/${product.id}`);
    expect(res.json).toMatchObject({ contentType: 'image/jpeg', status: 'processing', url: expect.stringContaining(`/products/${product.id}/images/`) });
  });

  it('refuses a text file renamed .png with 415 naming the accepted types, storing nothing', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const res = await upload(uploadEvent(product.id, multipart(Buffer.from('just some notes, not a picture\n'), 'notes.png', 'image/png')));
    expect(res.statusCode).toBe(415);
    expect(res.json).toMatchObject({ type: 'https://smartshelf.dev/problems/unsupported-image-type', acceptedTypes: ['image/jpeg', 'image/png', 'image/webp'] });
    expect(res.json?.detail).toMatch(/image\/jpeg, image\/png, image\/webp/);
    expect(await objectKeys(`products/${product.id}/`)).toEqual([]);
    expect((await getProduct(product.id, deps)).images).toEqual([]);
  });

  it('refuses an image over 5 MB with 413, storing nothing', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const png = await picture('png', 16, 16);
    const oversize = Buffer.concat([png, Buffer.alloc(MAX_IMAGE_BYTES + 1 - png.length)]);
    const res = await upload(uploadEvent(product.id, multipart(oversize, 'big.png', 'image/png')));
    expect(res.statusCode).toBe(413);
    expect(res.json).toMatchObject({ maxBytes: MAX_IMAGE_BYTES });
    expect(await objectKeys(`products/${product.id}/`)).toEqual([]);
  });

  it.each([
    ['a form without a file part', () => multipart(Buffer.from('x'), 'x.png', 'image/png', 'photo'), undefined, 400],
    ['an empty file', () => multipart(Buffer.alloc(0), 'x.png', 'image/png'), undefined, 400],
    ['a JSON body', () => Buffer.from('{"file":"x"}').toString('base64'), 'application/json', 415],
    ['no body at all', () => null, undefined, 400],
  ])('refuses %s', async (_name, body, contentType, status) => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const res = await upload(uploadEvent(product.id, body(), writer, contentType));
    expect(res.statusCode).toBe(status);
    expect(await objectKeys(`products/${product.id}/`)).toEqual([]);
  });

  it('answers 404 for an unknown product, 401 without credentials and 403 without catalog:write', async () => {
    const body = multipart(await picture('png', 10, 10), 'x.png', 'image/png');
    expect((await upload(uploadEvent('01JZZZZZZZZZZZZZZZZZZZZZZZ', body))).statusCode).toBe(404);
    expect(await objectKeys('products/01JZZZZZZZZZZZZZZZZZZZZZZZ/')).toEqual([]);
    expect((await upload(uploadEvent('01JZZZZZZZZZZZZZZZZZZZZZZZ', body, null))).statusCode).toBe(401);
    expect((await upload(uploadEvent('01JZZZZZZZZZZZZZZZZZZZZZZZ', body, importerOnly))).statusCode).toBe(403);
  });

  it('turns the EventBridge event delivered through SQS into thumbnails, and fails a malformed message alone so it reaches the DLQ', async () => {
    const deps = mediaDeps();
    const product = await newProduct(deps);
    const image = await uploadProductImage(product.id, { content: await picture('webp') }, staff, deps);
    const record = thumbnailRecord({ productId: product.id, imageId: image.id, key: image.key, contentType: image.contentType });
    const junk = { ...record, messageId: 'junk', body: '{"detail-type":"something.else"}' };
    const result = await generateThumbnailsHandler({ Records: [record, junk] }, lambdaContext('catalog-generate-thumbnails'));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'junk' }] });
    expect((await getProduct(product.id, deps)).images[0]?.status).toBe('ready');
  });
});
