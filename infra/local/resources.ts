import { DEAD_LETTER_ENV, ENV, bucketEnvName, queueUrlEnvName, stateMachineArnEnvName } from '../../shared/config/env-names.js';
import { BUCKET_IDS, type BucketId } from '../../wiring/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './engines/credentials.js';

export { BUCKET_IDS };

/** Names of the local resources, all derived from one prefix (`smartshelf-local`, `smartshelf-test`). */
export interface ResourceNames {
  table: string;
  eventBus: string;
  bucket(id: BucketId): string;
}

/** `smartshelf-local` → table `smartshelf-local`, bucket `smartshelf-local-media`, bus `smartshelf-local-events`. */
export function resourceNames(prefix: string): ResourceNames {
  return { table: prefix, eventBus: `${prefix}-events`, bucket: (id) => `${prefix}-${id}` };
}

/** Where each local engine listens. Events and Step Functions are served by the local runtime itself. */
export interface Endpoints {
  dynamodb: string;
  sqs: string;
  s3: string;
  events?: string;
  sfn?: string;
}

export interface PlatformEnvInput {
  names: ResourceNames;
  endpoints: Endpoints;
  /** Queue id → queue URL. */
  queueUrls: Record<string, string>;
  /**
   * The wiring queues whose dead letters functions read and redrive (`access.deadLetters`), and the URL their names
   * follow (`<prefix><queue-id>`, DLQ `<prefix><queue-id>-dlq`); only the functions granted `deadLetters` see them.
   */
  deadLetters?: { queueIds: readonly string[]; queueUrlPrefix: string };
  /** State machine id → ARN. */
  stateMachineArns?: Record<string, string>;
  jwt?: { issuer: string; audience: string; jwksUrl: string };
  stage?: string;
  /** Powertools log level (what the functions' log files keep); the CDK app takes it from the environment's settings. */
  logLevel?: string;
  /** The Stripe webhook signing secret (`whsec_...`); on AWS it is read from Secrets Manager instead. */
  paymentWebhookSecret?: string;
  /**
   * The Stripe API key and, when the payments sandbox stands in for Stripe, the sandbox's URL; on
   * AWS the key is read from Secrets Manager instead.
   */
  paymentApi?: { secretKey: string; apiBase?: string };
  /** How long a checkout waits on 3-D Secure (`CHECKOUT_AUTHENTICATION_TIMEOUT_SECONDS`); config's default when absent. */
  checkoutAuthenticationTimeoutSeconds?: string;
  /** How long a shopper has to answer a proposed substitute (`SUBSTITUTION_RESPONSE_SECONDS`); config's default when absent. */
  substitutionResponseSeconds?: string;
  /** The billing system (the local billing sandbox, or a provider); on AWS read from the `billing-api` secret instead. */
  billingApi?: { baseUrl: string; token: string; signingSecret: string };
  /** The key billing webhooks are signed with; on AWS read from the `billing-webhooks` secret instead. */
  billingWebhookSecret?: string;
  /** The courier (the local courier sandbox, or a real one); on AWS read from the `courier-api` secret instead. */
  courierApi?: { courierId: string; baseUrl: string; token: string };
  /** The key courier webhooks are signed with; on AWS read from the `courier-webhooks` secret instead. */
  courierWebhookSecret?: string;
}

/**
 * The webhook signing secret between the local payments sandbox and `/webhooks/payments` when none
 * is given: both ends are on this machine, so it guards nothing and tests may sign with it.
 */
export const LOCAL_WEBHOOK_SECRET = 'whsec_smartshelf_local_sandbox';

/** The API key functions call the local payments sandbox with, which accepts any `sk_test_` key. */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_smartshelf_local';

/**
 * The key the local billing sandbox signs its webhooks to `/webhooks/billing` with when none is
 * given: both ends are on this machine, so it guards nothing and tests may sign with it.
 */
export const LOCAL_BILLING_WEBHOOK_SECRET = 'billing_whsec_local';

/**
 * The key of click-and-collect handover codes locally (on AWS the `handover-codes` secret's): the platform and its data
 * are on this machine, so it guards nothing, and tests may derive the codes with it.
 */
export const LOCAL_HANDOVER_CODE_KEY = 'smartshelf-local-handover-code-key-0123456789';

/**
 * The master key of webhook signing secrets locally (on AWS the `webhook-signing` secret's): the platform and the
 * receivers its tests start are on this machine, so it guards nothing, and tests may derive endpoints' secrets with it.
 */
export const LOCAL_WEBHOOK_SIGNING_KEY = 'smartshelf-local-webhook-signing-key-0123456789';

/**
 * The local platform's webhook retry schedule (seconds between attempts, 12 min 35 s in all): a failing receiver is
 * retried, and an endpoint failing that long disabled, while a developer watches, not over three days.
 */
export const LOCAL_WEBHOOK_RETRY_DELAYS_SECONDS = '5,30,120,600';

/**
 * The key the local courier sandbox signs its webhooks to `/webhooks/orders` with when none is given: both ends are on
 * this machine, so it guards nothing and tests may sign with it.
 */
export const LOCAL_COURIER_WEBHOOK_SECRET = 'courier_whsec_local';

/**
 * The environment of the local functions' process: the same SmartShelf variables the CDK app sets on
 * AWS, plus the SDK's standard per-service endpoint variables so that unchanged code reaches the
 * local engines, and dummy credentials they accept. Of the variables grants give (a table, a queue's URL, a secret's
 * values), each function sees only its own (`infra/local/granted-environment.ts`), as on AWS.
 */
export function platformEnv(input: PlatformEnvInput): Record<string, string> {
  const { names, endpoints } = input;
  const env: Record<string, string> = {
    [ENV.stage]: input.stage ?? 'local',
    [ENV.tableName]: names.table,
    [ENV.eventBusName]: names.eventBus,
    [ENV.mediaBaseUrl]: `${endpoints.s3}/${names.bucket('media')}`,
    [ENV.s3ForcePathStyle]: 'true',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    POWERTOOLS_TRACE_ENABLED: 'false',
    // Every function shares this one process: the X-Ray SDK that the queue consumers' tracer loads would otherwise put
    // an async hook on every promise of every function (on AWS only the consumers' own Lambdas carry it). Locally
    // tracing is off, so its automatic mode has nothing to record.
    AWS_XRAY_MANUAL_MODE: 'true',
    POWERTOOLS_SERVICE_NAME: 'smartshelf',
    POWERTOOLS_METRICS_NAMESPACE: 'SmartShelf',
    POWERTOOLS_LOG_LEVEL: input.logLevel ?? 'INFO',
    [ENV.handoverCodeKey]: LOCAL_HANDOVER_CODE_KEY,
    [ENV.webhookSigningKey]: LOCAL_WEBHOOK_SIGNING_KEY,
    [ENV.webhookRetryDelaysSeconds]: LOCAL_WEBHOOK_RETRY_DELAYS_SECONDS,
    // Tests and developers receive webhooks on this machine: loopback and plain http are allowed here, never on AWS.
    [ENV.webhookAllowPrivateUrls]: 'true',
    // The staff console signs in by picking a role (loopback hosts only); on AWS, the staff pool's hosted UI.
    [ENV.consoleSignIn]: 'local',
  };
  for (const id of BUCKET_IDS) env[bucketEnvName(id)] = names.bucket(id);
  for (const [id, url] of Object.entries(input.queueUrls)) env[queueUrlEnvName(id)] = url;
  if (input.deadLetters) {
    env[DEAD_LETTER_ENV.queueIds] = input.deadLetters.queueIds.join(',');
    env[DEAD_LETTER_ENV.queueUrlPrefix] = input.deadLetters.queueUrlPrefix;
  }
  for (const [id, arn] of Object.entries(input.stateMachineArns ?? {})) env[stateMachineArnEnvName(id)] = arn;
  if (endpoints.events) env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoints.events;
  if (endpoints.sfn) env.AWS_ENDPOINT_URL_SFN = endpoints.sfn;
  if (input.paymentWebhookSecret) env[ENV.paymentWebhookSecret] = input.paymentWebhookSecret;
  if (input.paymentApi) env[ENV.paymentSecretKey] = input.paymentApi.secretKey;
  if (input.paymentApi?.apiBase) env[ENV.paymentApiBase] = input.paymentApi.apiBase;
  if (input.checkoutAuthenticationTimeoutSeconds) env[ENV.checkoutAuthenticationTimeoutSeconds] = input.checkoutAuthenticationTimeoutSeconds;
  if (input.substitutionResponseSeconds) env[ENV.substitutionResponseSeconds] = input.substitutionResponseSeconds;
  if (input.billingApi) {
    env[ENV.billingApiBase] = input.billingApi.baseUrl;
    env[ENV.billingApiToken] = input.billingApi.token;
    env[ENV.billingSigningSecret] = input.billingApi.signingSecret;
  }
  if (input.billingWebhookSecret) env[ENV.billingWebhookSecret] = input.billingWebhookSecret;
  if (input.courierApi) {
    env[ENV.courierId] = input.courierApi.courierId;
    env[ENV.courierApiBase] = input.courierApi.baseUrl;
    env[ENV.courierApiToken] = input.courierApi.token;
  }
  if (input.courierWebhookSecret) env[ENV.courierWebhookSecret] = input.courierWebhookSecret;
  if (input.jwt) {
    env[ENV.jwtIssuer] = input.jwt.issuer;
    env[ENV.jwtAudience] = input.jwt.audience;
    env[ENV.jwksUrl] = input.jwt.jwksUrl;
  }
  return env;
}
