import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTHORIZER_FN, functionById, wiring, type Wiring } from '../../wiring/index.js';
import { claimDataDir, dataLayout, releaseDataDir, wipeData, writeRuntime } from './data-dir.js';
import { startDynamoDb, localDynamoClient, type DynamoDbEngine } from './engines/dynamodb.js';
import { startS3, type S3Engine } from './engines/s3.js';
import { startSqs, type SqsEngine } from './engines/sqs.js';
import { startEventBus } from './event-bus.js';
import { createInvoker, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS } from './functions.js';
import { meteringRequested, startMetering, type Metering } from './metering/metering.js';
import { startGateway, type Gateway } from './gateway/server.js';
import { startConsoleSite } from './console-site.js';
import { migrate } from '../../shared/db/migrations/migrate.js';
import { ENV } from '../../shared/config/env-names.js';
import { limitGrantedVariables } from '../../shared/config/granted-view.js';
import { JWKS_PATH, localRoutes, TOKENS_PATH } from './local-routes.js';
import { startPaymentsSandbox, type PaymentsSandbox } from './payments-sandbox/server.js';
import { SANDBOX_DEFAULT_TOKEN, startBillingSandbox, type BillingSandbox } from './billing-sandbox/server.js';
import { COURIER_SANDBOX_TOKEN, startCourierSandbox, type CourierSandbox } from './courier-sandbox/server.js';
import { startPollers, type Pollers } from './pollers.js';
import { restoreQueues, saveQueues } from './queue-snapshot.js';
import { createQueues, dlqName, localSqsClient, queueUrlPrefixOf } from './queues.js';
import {
  BUCKET_IDS,
  LOCAL_BILLING_WEBHOOK_SECRET,
  LOCAL_COURIER_WEBHOOK_SECRET,
  LOCAL_STRIPE_SECRET_KEY,
  LOCAL_WEBHOOK_SECRET,
  platformEnv,
  resourceNames,
  type Endpoints,
} from './resources.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { startStepFunctions, type StepFunctions } from './step-functions.js';
import { createStreamDlqs, startStreamPollers, type StreamPollers } from './streams.js';
import { localTopology, type LocalTopology } from './topology.js';
import { grantedVariableView } from './granted-environment.js';
import { loadIssuer, tableStaffLookup } from './tokens.js';
import { Readiness } from './readiness.js';
import { consoleLevel, LocalConsole, type ConsoleLevel } from './console.js';
import { invocationScope } from './invocations.js';
import { captureOutput } from './log-capture.js';
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
  /** What the terminal shows (see `LocalConsole`); `LOG_LEVEL`, else INFO. Full logs go to `<data dir>/logs/` whatever it is. */
  consoleLevel?: ConsoleLevel;
  /** What the platform serves, creates and runs; the real wiring unless a test hands it its own. */
  wiring?: Wiring;
  /**
   * Count what AWS would bill (Lambda, DynamoDB capacity, Step Functions transitions, API Gateway, EventBridge, SQS, S3)
   * through counting proxies and hooks, answered at `GET /local/usage`; `SMARTSHELF_METERING=1`, else off (no proxy
   * in any path). See docs/cost.md.
   */
  metering?: boolean;
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
  /** The courier sandbox's URL (its controls under `/_sandbox/`), when no `COURIER_API_BASE` selects a real courier. */
  courierSandboxUrl: string | undefined;
  /** The terminal and the log files: the banner goes through it. */
  console: LocalConsole;
  /** The usage meter and the engines' own endpoints, when metering was asked for. */
  metering: Metering | undefined;
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
  const layout = dataLayout(options.dataDir ?? process.env.SMARTSHELF_DATA_DIR ?? join(REPO_ROOT, '.smartshelf'));
  await mkdir(layout.root, { recursive: true });
  await claimDataDir(layout, { state: 'starting' });
  // The last run's logs are kept beside this run's, for a look at what happened before a restart.
  await rm(`${layout.logs}.previous`, { recursive: true, force: true });
  await rename(layout.logs, `${layout.logs}.previous`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const terminal = process.stdout.write.bind(process.stdout);
  const out = new LocalConsole({ level: options.consoleLevel ?? consoleLevel(process.env.LOG_LEVEL), dir: layout.logs, write: (text) => void terminal(text) });
  const scope = await invocationScope();
  const releaseOutput = captureOutput(scope, out);
  const log = (line: string) => out.info(line);
  const warn = (line: string) => out.warn(line);
  const names = resourceNames(PREFIX);
  const served = options.wiring ?? wiring;
  const readiness = new Readiness();
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
    courierSandbox: CourierSandbox;
    saveQueues: () => Promise<void>;
    metering: Metering;
    clients: { destroy(): void }[];
  }> = {};
  // The way down: stop taking requests and let those in flight finish, let scheduled runs and
  // pollers finish their batches (all may still publish events or start executions), let the
  // stream consumers finish theirs (events committed but not yet relayed wait in the stream for the
  // next start), stop the executions, close the bus, save what is still queued, then the engines.
  const stopAll = async () => {
    const step = async (name: string, stop: (() => Promise<unknown>) | undefined) => {
      if (stop) await stop().catch((error: Error) => warn(`stopping ${name} failed: ${error.message}`));
    };
    await step('payments sandbox', running.paymentsSandbox?.stop);
    await step('billing sandbox', running.billingSandbox?.stop);
    await step('courier sandbox', running.courierSandbox?.stop);
    await step('gateway', running.gateway?.close);
    await step('scheduler', running.scheduler?.stop);
    await step('pollers', running.pollers?.stop);
    await step('stream pollers', running.streamPollers?.stop);
    await step('Step Functions', running.stepFunctions?.close);
    await step('event bus', running.eventBus?.close);
    await step('queue snapshot', running.saveQueues);
    await step('metering proxies', running.metering?.stop);
    for (const client of running.clients ?? []) client.destroy();
    await Promise.all([
      step('fauxqs', running.sqsEngine?.stop),
      step('s3rver', running.s3?.stop),
      step('DynamoDB Local', running.dynamodb?.stop),
    ]);
    limitGrantedVariables(undefined);
    await releaseDataDir(layout);
    releaseOutput();
    await out.close();
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

    readiness.done('engines');
    // Asked for, counting proxies stand between every AWS client and the engines; stream reads (free on AWS) go direct.
    const metering = (options.metering ?? meteringRequested()) ? await startMetering({ dynamodb: dynamodb.endpoint, sqs: sqsEngine.endpoint, s3: s3.endpoint }) : undefined;
    running.metering = metering;
    const api = metering?.endpoints ?? { dynamodb: dynamodb.endpoint, sqs: sqsEngine.endpoint, s3: s3.endpoint };
    const sqs = localSqsClient(api.sqs);
    const dynamoClient = localDynamoClient(dynamodb.endpoint);
    running.clients = [sqs, dynamoClient];
    const [created, streamDlqUrls] = await Promise.all([
      // Through the meter's proxy when it runs: fauxqs names a queue by the host it was created through.
      createQueues(api.sqs, served.queues),
      createStreamDlqs(sqs, served.streams),
      migrate({ tableName: names.table, createTable: true, log: (line) => log(`migrate: ${line}`), client: dynamoClient }),
    ]);
    readiness.done('migrations');
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

    const invoker = createInvoker({ root: REPO_ROOT, functions: served.functions, stage: 'local', scope });
    // Handlers read their configuration when first imported, so none may run before the environment is complete.
    let environmentSet!: () => void;
    const environmentReady = new Promise<void>((resolve) => (environmentSet = resolve));
    const invoke = async (fnId: string, event: unknown) => {
      await environmentReady;
      if (!metering) return invoker.invoke(fnId, event);
      return metering.meter.invocation(fnId, functionById(fnId).memoryMb ?? DEFAULT_MEMORY_MB, () => invoker.invoke(fnId, event));
    };
    // What no HTTP request waits on gets its own console line: a queue's batch, a stream's records, a schedule, a task.
    const background = (trigger: string) => async (fnId: string, event: unknown) => {
      const started = performance.now();
      const ms = () => `${Math.round(performance.now() - started)} ms`;
      try {
        const result = await invoke(fnId, event);
        const failed = batchFailures(result);
        out.invocation(`${trigger} → ${fnId}${describeBatch(event, failed)} ${ms()}`, failed > 0);
        return result;
      } catch (error) {
        out.invocation(`${trigger} → ${fnId}${describeBatch(event, undefined)} failed after ${ms()}: ${(error as Error).message}`, true);
        throw error;
      }
    };

    // Roles an admin gave or took locally (PUT /staff/{subject}/roles) decide the next token minted for that subject.
    const issuer = await loadIssuer(layout.signingKey, { staff: tableStaffLookup(dynamoClient, names.table) });
    // The staff console, built into the data directory (a second or so) and served at /admin/ on the API's origin.
    const consoleSite = await startConsoleSite({ outDir: join(layout.root, 'console'), log: warn });
    const gateway = await startGateway({
      port: options.port ?? 3000,
      routes: served.routes,
      localRoutes: [...localRoutes(issuer), ...(metering?.routes ?? [])],
      site: consoleSite,
      authorizerFn: AUTHORIZER_FN,
      invoke,
      log: warn,
      readiness,
      onRequest: (entry) => {
        out.request(entry);
        if (metering && entry.fn !== 'local') metering.meter.recordApiRequest(entry.status);
      },
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
    const courierWebhookSecret = process.env[ENV.courierWebhookSecret] ?? LOCAL_COURIER_WEBHOOK_SECRET;
    // As for billing: a courier the user names stays in the inherited environment; the sandbox's token there is an earlier start's.
    const realCourier = process.env[ENV.courierApiBase] !== undefined && process.env[ENV.courierApiToken] !== COURIER_SANDBOX_TOKEN;
    if (!realCourier) {
      running.courierSandbox = await startCourierSandbox({ webhook: { url: `${gateway.url}/webhooks/orders`, secrets: [courierWebhookSecret] } });
    }
    readiness.done('sandboxes');
    const eventBus = await startEventBus({
      busName: names.eventBus,
      rules: served.rules,
      sqs,
      queueUrl: (id) => queueUrls[id]!,
      log: (line) => out.debug(line),
      ...port('events'),
    });
    running.eventBus = eventBus;
    const stepFunctions = await startStepFunctions({
      machines: served.stateMachines,
      root: REPO_ROOT,
      invoke: background('state machine task'),
      namePrefix: PREFIX,
      ...(metering ? { onExecutionEvent: metering.meter.recordExecutionEvent.bind(metering.meter) } : {}),
      log,
      ...port('sfn'),
    });
    running.stepFunctions = stepFunctions;

    const endpoints: Endpoints = {
      dynamodb: api.dynamodb,
      sqs: api.sqs,
      s3: api.s3,
      events: metering ? await metering.proxyEvents(eventBus.endpoint) : eventBus.endpoint,
      sfn: stepFunctions.endpoint,
    };
    Object.assign(
      process.env,
      platformEnv({
        names,
        endpoints,
        queueUrls,
        deadLetters: { queueIds: created.map((q) => q.id), queueUrlPrefix: queueUrlPrefixOf(created) },
        stateMachineArns: Object.fromEntries(served.stateMachines.map((m) => [m.id, stepFunctions.stateMachineArn(m.id)])),
        jwt: { issuer: issuer.issuer, audience: issuer.audience, jwksUrl: `${gateway.url}${JWKS_PATH}` },
        paymentWebhookSecret,
        paymentApi,
        ...(running.billingSandbox ? { billingApi: running.billingSandbox.clientSettings } : {}),
        billingWebhookSecret,
        ...(running.courierSandbox ? { courierApi: running.courierSandbox.clientSettings } : {}),
        courierWebhookSecret,
        // The files keep INFO whatever the console shows; DEBUG asks for more, and POWERTOOLS_LOG_LEVEL overrides both.
        logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? (process.env.LOG_LEVEL?.toUpperCase() === 'DEBUG' ? 'DEBUG' : 'INFO'),
        // Tests shorten the 3-D Secure wait so that an abandoned authentication times out within a run.
        ...(process.env[ENV.checkoutAuthenticationTimeoutSeconds] ? { checkoutAuthenticationTimeoutSeconds: process.env[ENV.checkoutAuthenticationTimeoutSeconds] } : {}),
        ...(process.env[ENV.substitutionResponseSeconds] ? { substitutionResponseSeconds: process.env[ENV.substitutionResponseSeconds] } : {}),
      }),
    );
    // One process, one environment: each function still sees only what its grants give it, as on AWS.
    limitGrantedVariables(grantedVariableView(served.functions, () => scope.current()));
    environmentSet();

    running.pollers = startPollers({
      queues: created.map((q) => {
        const spec = served.queues.find((s) => s.id === q.id)!;
        return { spec, url: q.url, arn: q.arn, processingSeconds: functionById(spec.consumer).timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
      }),
      sqs,
      invoke: (fnId, event: SQSEvent) => background(`queue ${queueOf(event)}`)(fnId, event),
      log: warn,
    });
    running.streamPollers = await startStreamPollers({
      streams: served.streams,
      tableName: names.table,
      endpoint: dynamodb.endpoint,
      checkpointFile: join(layout.root, 'streams.json'),
      invoke: (fnId, event: DynamoDBStreamEvent) => background('table stream')(fnId, event),
      sqs,
      dlqUrl: (id) => streamDlqUrls[id]!,
      log: warn,
    });
    running.scheduler = startScheduler({ schedules: served.schedules, invoke: background('schedule'), log: warn });
    readiness.done('functions');

    const adminApiKey = await registerAdminKey(layout.adminApiKey);
    readiness.done('admin key');
    // The seed runs as if it were a function of its own, so its log entries land in logs/seed.log.
    const seed = async () => (await import('../../shared/seed/sample-data.js')).seedSampleData();
    const seeded = options.seed === false ? undefined : await scope.run('seed', randomUUID(), seed);
    // Written whole before the API opens: tools that attach through it (migrate, reconcile, redrive) wait for `ready`.
    await writeRuntime(layout, {
      state: 'ready',
      url: gateway.url,
      endpoints,
      tableName: names.table,
      queueUrls: Object.fromEntries(urlByName),
      stateMachineArns: Object.fromEntries(served.stateMachines.map((m) => [m.id, stepFunctions.stateMachineArn(m.id)])),
      paymentsSandboxUrl: running.paymentsSandbox?.url,
      billingSandboxUrl: running.billingSandbox?.url,
      courierSandboxUrl: running.courierSandbox?.url,
    });
    readiness.done('sample data');
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
      courierSandboxUrl: running.courierSandbox?.url,
      console: out,
      metering,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Records a function reported as failed in a batch answer (`batchItemFailures`), or 0. */
function batchFailures(result: unknown): number {
  const failures = (result as { batchItemFailures?: unknown } | undefined)?.batchItemFailures;
  return Array.isArray(failures) ? failures.length : 0;
}

/** `: 3 messages, 1 failed` for a batch event (SQS or stream records); nothing for any other event. */
function describeBatch(event: unknown, failed: number | undefined): string {
  const records = (event as { Records?: unknown } | undefined)?.Records;
  if (!Array.isArray(records)) return '';
  return `: ${records.length} record${records.length === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}`;
}

/** The queue id an SQS event came from: its ARN's last part without the local prefix. */
function queueOf(event: SQSEvent): string {
  const arn = event.Records[0]?.eventSourceARN ?? '';
  return arn.split(':').pop()!.replace(`${PREFIX}-`, '');
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

/** The start-up banner: where everything is, how to call it, and what to try first. */
export function banner(platform: Platform, startupInvocations = 0): string {
  const url = platform.url;
  const lines = [
    '',
    `SmartShelf local platform is ready`,
    `  API            ${url}   (GET ${url}/health answers 200 from now on)`,
    `  API docs       ${url}/docs`,
    `  Staff console  ${url.replace('127.0.0.1', 'localhost')}/admin/`,
    `  OpenAPI        ${url}/openapi.json`,
    `  Admin API key  ${platform.adminApiKey}`,
    `                 send as x-api-key; also in ${join(platform.dataDir, 'keys', 'admin-api-key')}`,
    `  Data           ${platform.dataDir}`,
    `  Logs           ${platform.console.dir}/<function>.log (full JSON); LOG_LEVEL=DEBUG|INFO|WARN|ERROR sets what shows here`,
    `  Wiring         ${summary(platform.topology)}`,
    platform.paymentsSandboxUrl
      ? `  Payments       Stripe sandbox ${platform.paymentsSandboxUrl}, webhooks to ${url}/webhooks/payments`
      : '  Payments       Stripe API (STRIPE_SECRET_KEY is set)',
    platform.billingSandboxUrl
      ? `  Billing        sandbox ${platform.billingSandboxUrl} (faults: POST /_sandbox/faults), webhooks to ${url}/webhooks/billing`
      : '  Billing        provider at BILLING_API_BASE',
    platform.courierSandboxUrl
      ? `  Courier        sandbox ${platform.courierSandboxUrl} (controls: /_sandbox/settings, /_sandbox/faults), webhooks to ${url}/webhooks/orders`
      : '  Courier        courier at COURIER_API_BASE',
  ];
  if (platform.metering) lines.push(`  Usage meter    GET ${url}/local/usage (what AWS would bill so far), DELETE to start from zero; see docs/cost.md`);
  const seeded = platform.seeded;
  for (const [context, outcome] of Object.entries(seeded ?? {})) lines.push(`  Sample ${context}: ${outcome}`);
  if (startupInvocations) lines.push(`  Start-up ran ${startupInvocations} background invocation(s); see ${join(platform.console.dir, 'platform.log')}`);
  if (platform.restoredMessages) lines.push(`  Re-queued ${platform.restoredMessages} message(s) saved at the last shutdown`);
  if (platform.missingFunctions.length) lines.push(`  Not implemented yet (answer 502): ${platform.missingFunctions.join(', ')}`);
  lines.push(
    '',
    '  Try',
    `    KEY=$(cat ${join(platform.dataDir, 'keys', 'admin-api-key')})`,
    `    curl -s ${url}/stores -H "x-api-key: $KEY"`,
    `    curl -s "${url}/search?q=bananas&store=london-bridge"`,
    `    curl -s -X POST ${url}${TOKENS_PATH} -H 'content-type: application/json' -d '{"subject":"alice","roles":["shopper"]}'`,
    '    The README\'s quick start walks through an order from import to reconciliation.',
    '',
    '  Ctrl-C stops everything and keeps the data.',
    '',
  );
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
