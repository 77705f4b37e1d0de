import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSqsClient } from '../../../infra/local/queues.js';
import { spawnPlatform, type RunningPlatform } from '../../support/platform.js';

/**
 * `npm start` twice on one data directory: everything acknowledged before a Ctrl-C is there after
 * the next start, including messages that were still queued in the in-memory SQS.
 */

let dataDir: string;
const running: RunningPlatform[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'smartshelf-restart-'));
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await rm(dataDir, { recursive: true, force: true });
});

async function start(fresh: boolean): Promise<RunningPlatform> {
  const platform = await spawnPlatform({ dataDir, fresh, seed: false });
  running.push(platform);
  return platform;
}

interface RuntimeFile {
  endpoints: { sqs: string };
  queueUrls: Record<string, string>;
}

async function runtime(): Promise<RuntimeFile> {
  return JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeFile;
}

describe('local platform restart', () => {
  it('keeps tables, keys, tokens and queued messages across a stop and start', { timeout: 240_000 }, async () => {
    const first = await start(true);
    const slug = `restart-${Date.now().toString(36)}`;
    const tokenResponse = await fetch(`${first.baseUrl}/local/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'restart', roles: ['admin'], expiresInSeconds: 600 }),
    });
    const { token } = (await tokenResponse.json()) as { token: string };
    const created = await fetch(`${first.baseUrl}/categories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': first.adminApiKey },
      body: JSON.stringify({ name: 'Restart', slug }),
    });
    expect(created.status).toBe(201);

    const before = await runtime();
    const sqs1 = localSqsClient(before.endpoints.sqs);
    await sqs1.send(new SendMessageCommand({ QueueUrl: before.queueUrls['catalog-import-dlq'], MessageBody: JSON.stringify({ slug }) }));
    sqs1.destroy();

    expect(await first.stop()).toEqual({ code: 0, orphans: false });
    // The DLQ message, and whatever the category's event had reached when the queue pollers stopped.
    expect(first.output()).toMatch(/saved \d+ queued message\(s\)/);
    await expect(stat(join(dataDir, 'runtime.json'))).rejects.toThrow();

    const second = await start(false);
    expect(second.adminApiKey).toBe(first.adminApiKey);
    expect(second.output()).toMatch(/Re-queued \d+ message\(s\)/);
    const categories = (await (await fetch(`${second.baseUrl}/categories`)).json()) as { items: { slug: string }[] };
    expect(categories.items.map((c) => c.slug)).toContain(slug);

    const withOldToken = await fetch(`${second.baseUrl}/categories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'Restart 2', slug: `${slug}-2` }),
    });
    expect(withOldToken.status).toBe(201);

    const after = await runtime();
    const sqs2 = localSqsClient(after.endpoints.sqs);
    const { Messages = [] } = await sqs2.send(new ReceiveMessageCommand({ QueueUrl: after.queueUrls['catalog-import-dlq'], WaitTimeSeconds: 2 }));
    sqs2.destroy();
    expect(Messages.map((m) => m.Body)).toEqual([JSON.stringify({ slug })]);

    expect(await second.stop()).toEqual({ code: 0, orphans: false });
    const third = await start(true);
    const wiped = (await (await fetch(`${third.baseUrl}/categories`)).json()) as { items: { slug: string }[] };
    expect(wiped.items.map((c) => c.slug)).not.toContain(slug);
    expect(third.adminApiKey).toBe(first.adminApiKey);
    expect(await third.stop()).toEqual({ code: 0, orphans: false });
  });

  it('refuses a second runtime on a data directory that is in use', { timeout: 240_000 }, async () => {
    const first = await start(false);
    await expect(spawnPlatform({ dataDir, seed: false, timeoutMs: 60_000 })).rejects.toThrow(/another SmartShelf runtime/);
    expect(await first.stop()).toEqual({ code: 0, orphans: false });
  });
});
