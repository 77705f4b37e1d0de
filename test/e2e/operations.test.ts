import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/engines/credentials.js';
import type { Role } from '../../shared/auth/roles.js';
import type { DeadLetterQueueList, DeadLetterQueueSummary } from '../../shared/ops/dead-letters.js';
import type { RedriveReport } from '../../shared/ops/redrive.js';
import { queues } from '../../wiring/index.js';
import { ApiClient } from '../support/api-client.js';
import { eventually, fieldsOf, problem } from '../support/e2e.js';

/**
 * The console's Operations page on the running local platform: a message its consumer cannot take is dead-lettered for
 * real (five failed receives), `GET /admin/queues` lists it, `POST /admin/queues/{id}/redrive` moves it back and the
 * DLQ is empty; only admins reach either route.
 */

// Nothing else on the platform dead-letters into this queue: its consumer only takes carts' expired holds.
const QUEUE = 'carts-expired-holds';
const run = Date.now().toString(36);
const dataDir = inject('dataDir');
const api = new ApiClient(inject('baseUrl'));
const admin = api.as({ apiKey: inject('adminApiKey') });
const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { endpoints: { sqs: string }; queueUrls: Record<string, string> };
const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.endpoints.sqs });
afterAll(() => sqs.destroy());

const as = async (roles: Role[], stores: string[] = []) => api.as({ token: await api.mintToken(`e2e-ops-${roles.join('-')}-${run}`, roles, stores) });

async function queueOf(client: ApiClient): Promise<DeadLetterQueueSummary> {
  const listed = await client.get<DeadLetterQueueList>('/admin/queues');
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body.items.find((q) => q.id === QUEUE) ?? expect.fail(`${QUEUE} is not listed`);
}

describe('GET /admin/queues and POST /admin/queues/{id}/redrive', () => {
  it('lists every wiring queue, a dead-lettered message with depth 1, redrives it and the DLQ is empty', async () => {
    const listed = await admin.get<DeadLetterQueueList>('/admin/queues');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect(listed.body.items.map((q) => q.id)).toEqual(queues.map((q) => q.id).sort());
    expect(listed.body.items.every((q) => q.deadLetterQueue === `${q.id}-dlq`)).toBe(true);
    expect((await queueOf(admin)).deadLetters.depth).toBe(0);

    // Not an expired hold: the consumer refuses it on each of its 5 receives, and SQS moves it to the DLQ.
    await sqs.send(new SendMessageCommand({ QueueUrl: runtime.queueUrls[QUEUE]!, MessageBody: JSON.stringify({ poison: run }) }));
    const parked = await eventually('the message in the DLQ', async () => {
      const q = await queueOf(admin);
      return q.deadLetters.depth === 1 ? q : undefined;
    }, 120_000, 1000);
    expect(parked).toMatchObject({ deadLetters: { depth: 1, inFlight: 0 }, source: { depth: 0, inFlight: 0 }, redriving: false });

    const adminPerson = await as(['admin']);
    const redriven = await adminPerson.post<RedriveReport>(`/admin/queues/${QUEUE}/redrive`);
    expect(redriven.status, JSON.stringify(redriven.body)).toBe(200);
    expect(redriven.body).toEqual({ queueId: QUEUE, moved: 1, failed: 0, notDeleted: 0, more: false });
    // Back on its queue; it fails there again, but only after five more receives, seconds from now.
    expect((await queueOf(adminPerson)).deadLetters).toMatchObject({ depth: 0, inFlight: 0 });
  });

  it('lets admins alone in: head office, a store manager and a shopper get 403, no credentials 401', async () => {
    for (const client of [await as(['head-office']), await as(['store-manager'], ['london-bridge']), await as(['shopper'])]) {
      await problem(client.get('/admin/queues'), 403, 'insufficient-scope');
      await problem(client.post(`/admin/queues/${QUEUE}/redrive`), 403, 'insufficient-scope');
    }
    expect((await api.get('/admin/queues')).status).toBe(401);
    expect((await api.post(`/admin/queues/${QUEUE}/redrive`)).status).toBe(401);
  });

  it('answers a malformed queue id 400 naming it and an unknown one 404', async () => {
    const bad = await problem(admin.post('/admin/queues/Not_A_Queue/redrive'), 400);
    expect(fieldsOf(bad)).toEqual(['path.id']);
    await problem(admin.post('/admin/queues/no-such-queue/redrive'), 404);
  });
});
