import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTHORIZER_FN, functionById, functions } from '../wiring.js';
import { claimDataDir, dataLayout, releaseDataDir, wipeData, writeRuntime } from './data-dir.js';
import { startDynamoDb, localDynamoClient, type DynamoDbEngine } from './engines/dynamodb.js';
import { startS3, type S3Engine } from './engines/s3.js';
import { startSqs, type SqsEngine } from './engines/sqs.js';
import { startEventBus } from './event-bus.js';
import { createInvoker, DEFAULT_TIMEOUT_SECONDS } from './functions.js';
import { startGateway, type Gateway } from './gateway/server.js';
import { migrate } from '../../shared/db/migrations/migrate.js';
import { ENV } from '../../shared/config/env-names.js';
import { JWKS_PATH, localRoutes, TOKENS_PATH } from './local-routes.js';
import { startPaymentsSandbox, type PaymentsSandbox } from './payments-sandbox/server.js';
import { SANDBOX_DEFAULT_TOKEN, startBillingSandbox, type BillingSandbox } from './billing-sandbox/server.js';
import { startPollers, type Pollers } from './pollers.js';
import { restoreQueues, saveQueues } from './queue-snapshot.js';
import { createQueues, dlqName, localSqsClient } from './queues.js';
import { BUCKET_IDS, LOCAL_BILLING_WEBHOOK_SECRET, LOCAL_STRIPE_SECRET_KEY, LOCAL_WEBHOOK_SECRET, platformEnv, resourceNames, type Endpoints } from './resources.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { startStepFunctions, type StepFunctions } from './step-functions.js';
import { createStreamDlqs, startStreamPollers, type StreamPollers } from './streams.js';
import { localTopology, servedWiring, type LocalTopology } from './topology.js';
import { loadIssuer } from './tokens.js';
import type { AwsJsonServer } from './aws-json-server.js';
import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import type { SampleDataReport } from '../../shared/seed/sample-data.js';

/** The repository root: handler entries in the wiring are relative to it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface PlatformOptions {
  /** HTTP port of the API; 0 picks a free one. */
  port?: number;
  /** Defaults to `SMARTSHELF_DATA_DIR`, else `.smartshelf/` in the repository. */
  dataDir?: string;
  /** Wipe tables, objects and queued messages first. */
  fresh?: boolean;
  /** Seed the sample catalog (idempotent). */
  seed?: boolean;
  /** Fixed ports for the engines and local AWS endpoints; free ones are picked for the rest. */
  ports?: EnginePorts;
  /**
   * Use a DynamoDB Local that is already running (another platform's) instead of starting one: several platform
   * processes then share one table, as Lambda's many processes share one on AWS. The owner of that engine stops it.
   */
  dynamodbEndpoint?: string;
  log?: (line: string) => void;
}

export interface Platform {
  url: string;
  adminApiKey: string;
  dataDir: string;
  endpoints: Endpoints;
  /** What seeding did, or why it did not run. */
  seeded: SampleDataReport | undefined;
  /** Messages put back in their queues from the last shutdown. */
  restoredMessages: number;
  /** Wiring functions whose entry file is missing; their routes answer 502. */
  missingFunctions: string[];
  /** What is served: routes, queues, rules, schedules, state machines. */
  topology: LocalTopology;
  /** The Stripe-compatible sandbox's URL, when no `STRIPE_SECRET_KEY` selects the real API. */
  paymentsSandboxUrl: string | undefined;
  /** The billing sandbox's URL (its faults at `/_sandbox/faults`), when no `BILLING_API_BASE` selects a real provider. */
  billingSandboxUrl: string | undefined;
  stop(): Promise<void>;
}

/** Ports of the local engines and AWS endpoints, by the name `Endpoints` gives them. */
export type EnginePorts = Partial<Record<keyof Endpoints, number>>;

const PREFIX = 'smartshelf-local';

/**
 * Starts the whole platform in this process: DynamoDB Local, fauxqs and s3rver on free ports,
 * the table migrated and buckets and queues created, the environment set exactly as the CDK app
 * sets it on AWS (before any handler is imported), then the API gateway, the event bus, the queue
 * pollers, and the admin API key and sample catalog. `stop()` drains everything in order and
 * saves queued messages for the next start.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? ((line: string) => console.log(line));
  const layout = dataLayout(options.dataDir ?? process.env.SMARTSHELF_DATA_DIR ?? join(REPO_ROOT, '.smartshelf'));
  await mkdir(layout.root, { recursive: true });
  await claimDataDir(layout, { starting: true });
  const names = resourceNames(PREFIX);
  const served = servedWiring();
  const port = (name: keyof Endpoints) => (options.ports?.[name] === undefined ? {} : { port: options.ports[name] });
  const running: Partial<{
    dynamodb: DynamoDbEngine;
    sqsEngine: SqsEngine;
    s3: S3Engine;
    gateway: Gateway;
    eventBus: AwsJsonServer;
    pollers: Pollers;
    streamPollers: StreamPollers;
    stepFunctions: StepFunctions;
    scheduler: Scheduler;
    paymentsSandbox: PaymentsSandbox;
    billingSandbox: BillingSandbox;
    saveQueues: () => Promise<void>;
    clients: { destroy(): void }[];
  }> = {};
  // The way down: stop taking requests and let those in flight finish, let scheduled runs and
  // pollers finish their batches (all may still publish events or start executions), let the
  // stream consumers finish theirs (events committed but not yet relayed wait in the stream for the
  // next start), stop the executions, close the bus, save what is still queued, then the engines.
  const stopAll = async () => {
    const step = async (name: string, stop: (() => Promise<unknown>) | undefined) => {
      if (stop) await stop().catch((error: Error) => log(`stopping ${name} failed: ${error.message}`));
    };
    await step('payments sandbox', running.paymentsSandbox?.stop);
    await step('billing sandbox', running.billingSandbox?.stop);
    await step('gateway', running.gateway?.close);
    await step('scheduler', running.scheduler?.stop);
    await step('pollers', running.pollers?.stop);
    await step('stream pollers', running.streamPollers?.stop);
    await step('Step Functions', running.stepFunctions?.close);
    await step('event bus', running.eventBus?.close);
    await step('queue snapshot', running.saveQueues);
    for (const client of running.clients ?? []) client.destroy();
    await Promise.all([
      step('fauxqs', running.sqsEngine?.stop),
      step('s3rver', running.s3?.stop),
      step('DynamoDB Local', running.dynamodb?.stop),
    ]);
    await releaseDataDir(layout);
  };

  try {
    if (options.fresh) {
      await wipeData(layout);
      log(`fresh start: wiped data under ${layout.root}`);
    }
    const [dynamodb, sqsEngine, s3] = await Promise.all([
      options.dynamodbEndpoint === undefined
        ? startDynamoDb({ dbPath: layout.dynamodb, ...port('dynamodb') }).then((e) => (running.dynamodb = e))
        : Promise.resolve({ endpoint: options.dynamodbEndpoint }),
      startSqs(port('sqs')).then((e) => (running.sqsEngine = e)),
      startS3({ directory: layout.s3, buckets: BUCKET_IDS.map((id) => names.bucket(id)), ...port('s3') }).then((e) => (running.s3 = e)),
    ]);

    const sqs = localSqsClient(sqsEngine.endpoint);
    const dynamoClient = localDynamoClient(dynamodb.endpoint);
    running.clients = [sqs, dynamoClient];
    const [created, streamDlqUrls] = await Promise.all([
      createQueues(sqsEngine.endpoint, served.queues),
      createStreamDlqs(sqs, served.streams),
      migrate({ tableName: names.table, createTable: true, log: (line) => log(`migrate: ${line}`), client: dynamoClient }),
    ]);
    const queueUrls: Record<string, string> = Object.fromEntries(created.map((q) => [q.id, q.url]));
    const urlByName = new Map([
      ...created.flatMap((q) => [[q.id, q.url] as const, [dlqName(q.id), q.dlqUrl] as const]),
      ...Object.entries(streamDlqUrls).map(([id, url]) => [dlqName(id), url] as const),
    ]);
    const restoredMessages = await restoreQueues(sqs, (name) => urlByName.get(name), layout.queueSnapshot);
    running.saveQueues = async () => {
      const saved = await saveQueues(sqsEngine, [...urlByName.keys()], layout.queueSnapshot);
      if (saved) log(`saved ${saved} queued message(s) for the next start`);
    };

    const invoker = createInvoker({ root: REPO_ROOT, functions, stage: 'local' });
    // Handlers read their configuration when first imported, so none may run before the environment is complete.
    let environmentSet!: () => void;
    const environmentReady = new Promise<void>((resolve) => (environmentSet = resolve));
    const invoke = async (fnId: string, event: unknown) => {
      await environmentReady;
      return invoker.invoke(fnId, event);
    };

    const issuer = await loadIssuer(layout.signingKey);
    const gateway = await startGateway({
      port: options.port ?? 3000,
      routes: served.routes,
      localRoutes: localRoutes(issuer),
      authorizerFn: AUTHORIZER_FN,
      invoke,
      log,
    });
    running.gateway = gateway;
    const paymentWebhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? LOCAL_WEBHOOK_SECRET;
    // The local key is one an earlier start in this process put in the environment, not the user's.
    const stripeSecretKey = process.env.STRIPE_SECRET_KEY === LOCAL_STRIPE_SECRET_KEY ? undefined : process.env.STRIPE_SECRET_KEY;
    let paymentApi: { secretKey: string; apiBase?: string };
    if (stripeSecretKey) paymentApi = { secretKey: stripeSecretKey };
    else {
      running.paymentsSandbox = await startPaymentsSandbox({ webhook: { url: `${gateway.url}/webhooks/payments`, secret: paymentWebhookSecret } });
      paymentApi = { secretKey: LOCAL_STRIPE_SECRET_KEY, apiBase: running.paymentsSandbox.url };
    }
    const billingWebhookSecret = process.env[ENV.billingWebhookSecret] ?? LOCAL_BILLING_WEBHOOK_SECRET;
    // A provider's settings given by the user stay in the environment functions inherit; a sandbox's token there is one
    // an earlier start in this process put, not the user's.
    const billingProvider = process.env[ENV.billingApiBase] !== undefined && process.env[ENV.billingApiToken] !== SANDBOX_DEFAULT_TOKEN;
    if (!billingProvider) {
      running.billingSandbox = await startBillingSandbox({ webhook: { url: `${gateway.url}/webhooks/billing`, secrets: [billingWebhookSecret] } });
    }
    const eventBus = await startEventBus({
      busName: names.eventBus,
      rules: served.rules,
      sqs,
      queueUrl: (id) => queueUrls[id]!,
      log,
      ...port('events'),
    });
    running.eventBus = eventBus;
    const stepFunctions = await startStepFunctions({
      machines: served.stateMachines,
      root: REPO_ROOT,
      invoke,
      namePrefix: PREFIX,
      log,
      ...port('sfn'),
    });
    running.stepFunctions = stepFunctions;

    const endpoints: Endpoints = {
      dynamodb: dynamodb.endpoint,
      sqs: sqsEngine.endpoint,
      s3: s3.endpoint,
      events: eventBus.endpoint,
      sfn: stepFunctions.endpoint,
    };
    Object.assign(
      process.env,
      platformEnv({
        names,
        endpoints,
        queueUrls,
        dlqUrls: Object.fromEntries(created.map((q) => [q.id, q.dlqUrl])),
        stateMachineArns: Object.fromEntries(served.stateMachines.map((m) => [m.id, stepFunctions.stateMachineArn(m.id)])),
        jwt: { issuer: issuer.issuer, audience: issuer.audience, jwksUrl: `${gateway.url}${JWKS_PATH}` },
        paymentWebhookSecret,
        paymentApi,
        ...(running.billingSandbox ? { billingApi: running.billingSandbox.clientSettings } : {}),
        billingWebhookSecret,
        ...(process.env.LOG_LEVEL ? { logLevel: process.env.LOG_LEVEL } : {}),
        // Tests shorten the 3-D Secure wait so that an abandoned authentication times out within a run.
        ...(process.env[ENV.checkoutAuthenticationTimeoutSeconds] ? { checkoutAuthenticationTimeoutSeconds: process.env[ENV.checkoutAuthenticationTimeoutSeconds] } : {}),
      }),
    );
    environmentSet();

    running.pollers = startPollers({
      queues: created.map((q) => {
        const spec = served.queues.find((s) => s.id === q.id)!;
        return { spec, url: q.url, arn: q.arn, processingSeconds: functionById(spec.consumer).timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
      }),
      sqs,
      invoke: (fnId, event: SQSEvent) => invoke(fnId, event),
      log,
    });
    running.streamPollers = await startStreamPollers({
      streams: served.streams,
      tableName: names.table,
      endpoint: dynamodb.endpoint,
      checkpointFile: join(layout.root, 'streams.json'),
      invoke: (fnId, event: DynamoDBStreamEvent) => invoke(fnId, event),
      sqs,
      dlqUrl: (id) => streamDlqUrls[id]!,
      log,
    });
    running.scheduler = startScheduler({ schedules: served.schedules, invoke, log });

    const adminApiKey = await registerAdminKey(layout.adminApiKey);
    const seeded = options.seed === false ? undefined : await (await import('../../shared/seed/sample-data.js')).seedSampleData();
    await writeRuntime(layout, {
      url: gateway.url,
      endpoints,
      tableName: names.table,
      queueUrls: Object.fromEntries(urlByName),
      stateMachineArns: Object.fromEntries(served.stateMachines.map((m) => [m.id, stepFunctions.stateMachineArn(m.id)])),
      paymentsSandboxUrl: running.paymentsSandbox?.url,
      billingSandboxUrl: running.billingSandbox?.url,
    });
    return {
      url: gateway.url,
      adminApiKey,
      dataDir: layout.root,
      endpoints,
      seeded,
      restoredMessages,
      missingFunctions: invoker.missing().map((f) => f.id),
      topology: localTopology(served),
      paymentsSandboxUrl: running.paymentsSandbox?.url,
      billingSandboxUrl: running.billingSandbox?.url,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The local admin API key: made once, kept in the data directory, registered (idempotently) at every start. */
async function registerAdminKey(file: string): Promise<string> {
  let apiKey: string;
  try {
    apiKey = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    apiKey = `ssk_${randomBytes(32).toString('base64url')}`;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, apiKey, { mode: 0o600 });
  }
  const { registerApiClient } = await import('../../shared/auth/api-clients.js');
  await registerApiClient({ apiKey, name: 'local-admin', roles: ['admin'] });
  return apiKey;
}

/** The start-up banner: where everything is and how to call it. */
export function banner(platform: Platform): string {
  const lines = [
    '',
    `SmartShelf local platform is running`,
    `  API            ${platform.url}`,
    `  API docs       ${platform.url}/docs`,
    `  OpenAPI        ${platform.url}/openapi.json`,
    `  Admin API key  ${platform.adminApiKey}   (send as x-api-key)`,
    `  Bearer token   curl -s -X POST ${platform.url}${TOKENS_PATH} -H 'content-type: application/json' \\`,
    `                   -d '{"subject":"me","roles":["admin"]}'`,
    `  Data           ${platform.dataDir}`,
    `  Wiring         ${summary(platform.topology)}`,
    platform.paymentsSandboxUrl
      ? `  Payments       Stripe sandbox ${platform.paymentsSandboxUrl}, webhooks to ${platform.url}/webhooks/payments`
      : '  Payments       Stripe API (STRIPE_SECRET_KEY is set)',
    platform.billingSandboxUrl
      ? `  Billing        sandbox ${platform.billingSandboxUrl} (faults: POST /_sandbox/faults), webhooks to ${platform.url}/webhooks/billing`
      : '  Billing        provider at BILLING_API_BASE',
  ];
  const seeded = platform.seeded;
  for (const [context, outcome] of Object.entries(seeded ?? {})) lines.push(`  Sample ${context}: ${outcome}`);
  if (platform.restoredMessages) lines.push(`  Re-queued ${platform.restoredMessages} message(s) saved at the last shutdown`);
  if (platform.missingFunctions.length) lines.push(`  Not implemented yet (answer 502): ${platform.missingFunctions.join(', ')}`);
  lines.push('  Ctrl-C stops everything and keeps the data.', '');
  return lines.join('\n');
}

function summary(topology: LocalTopology): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return [
    count(topology.routes.length, 'route'),
    count(topology.queues.length, 'queue'),
    count(topology.rules.length, 'event rule'),
    count(topology.streams.length, 'stream consumer'),
    count(topology.schedules.length, 'schedule'),
    count(topology.stateMachines.length, 'state machine'),
  ].join(', ');
}
