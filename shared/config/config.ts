import { z } from 'zod';
import type { QueueId, StateMachineId } from '../../wiring/index.js';
import { DEAD_LETTER_ENV, ENV, queueUrlEnvName, stateMachineArnEnvName } from './env-names.js';
import { isVisible } from './granted-view.js';

const boolFromEnv = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

/**
 * The base URL of an outside API: https, or plain http only to this machine (the local sandboxes), so that a
 * misconfigured deployment never sends a bearer token or a signed request in the clear.
 */
export const OutsideApiBase = z.url({ protocol: /^https?$/ }).refine((value) => {
  // zod runs refinements after a failed check too: a value that is no URL at all was refused above already.
  if (!URL.canParse(value)) return true;
  const url = new URL(value);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}, 'must be https (plain http only to localhost, 127.0.0.1 or [::1])');

/** A courier's id, as shipments name their carrier: lower-case words joined by hyphens (`acme-parcels`). */
export const CourierIdText = z.string().max(40).regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens');

/** A webhook retry schedule: seconds between attempts, comma-separated, each at most a week (`5,300,1800`). */
const WebhookRetryDelays = z
  .string()
  .regex(/^\d+(?:,\d+)*$/, 'must be whole seconds separated by commas, such as 5,300,1800')
  .transform((text) => text.split(',').map(Number))
  .refine((delays) => delays.every((delay) => delay <= 7 * 24 * 60 * 60), 'each delay must be at most 604800 seconds (a week)');

const ConfigSchema = z.object({
  [ENV.stage]: z.string().min(1).default('dev'),
  [ENV.tableName]: z.string().min(1).optional(),
  [ENV.eventBusName]: z.string().min(1).optional(),
  [ENV.mediaBucket]: z.string().min(1).optional(),
  [ENV.importsBucket]: z.string().min(1).optional(),
  [ENV.exportsBucket]: z.string().min(1).optional(),
  [ENV.mediaBaseUrl]: z.url().optional(),
  [ENV.s3ForcePathStyle]: boolFromEnv,
  [ENV.jwtIssuer]: z.string().min(1).optional(),
  [ENV.jwtAudience]: z.string().min(1).optional(),
  [ENV.jwksUrl]: z.url().optional(),
  [ENV.shopperJwtIssuer]: z.string().min(1).optional(),
  [ENV.shopperJwtAudience]: z.string().min(1).optional(),
  [ENV.shopperJwksUrl]: z.url().optional(),
  [ENV.peopleUsageKeySecretArn]: z.string().startsWith('arn:').optional(),
  // Cognito's user pool id: `<region>_<id>`.
  [ENV.shopperUserPoolId]: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id (<region>_<id>)').optional(),
  [ENV.staffUserPoolId]: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id (<region>_<id>)').optional(),
  [ENV.integrationsUsagePlan]: z.string().regex(/^[\w.-]{1,128}$/, 'must be a usage plan name (letters, digits, _ . -)').optional(),
  [ENV.paymentWebhookSecretsArn]: z.string().startsWith('arn:').optional(),
  [ENV.paymentWebhookSecret]: z.string().startsWith('whsec_').optional(),
  [ENV.paymentWebhookSecretPrevious]: z.string().startsWith('whsec_').optional(),
  [ENV.paymentApiSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.paymentSecretKey]: z.string().startsWith('sk_').optional(),
  [ENV.paymentApiBase]: OutsideApiBase.optional(),
  [ENV.paymentPublishableKey]: z.string().startsWith('pk_').optional(),
  [ENV.billingWebhookSecretsArn]: z.string().startsWith('arn:').optional(),
  [ENV.billingWebhookSecret]: z.string().min(1).optional(),
  [ENV.billingWebhookSecretPrevious]: z.string().min(1).optional(),
  [ENV.checkoutCaptureOnConfirm]: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  [ENV.checkoutAuthenticationTimeoutSeconds]: z.coerce.number().int().min(1).max(86_400).default(900),
  [ENV.substitutionResponseSeconds]: z.coerce.number().int().min(1).max(86_400).default(1800),
  [ENV.handoverCodesSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.handoverCodeKey]: z.string().min(32, 'must be at least 32 characters').optional(),
  [ENV.billingApiSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.billingApiBase]: OutsideApiBase.optional(),
  [ENV.billingApiToken]: z.string().min(1).optional(),
  [ENV.billingSigningSecret]: z.string().min(1).optional(),
  [ENV.courierApiSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.courierId]: CourierIdText.optional(),
  [ENV.courierApiBase]: OutsideApiBase.optional(),
  [ENV.courierApiToken]: z.string().min(1).optional(),
  [ENV.courierWebhookSecretsArn]: z.string().startsWith('arn:').optional(),
  [ENV.courierWebhookSecret]: z.string().min(1).optional(),
  [ENV.courierWebhookSecretPrevious]: z.string().min(1).optional(),
  [ENV.consoleSignIn]: z.enum(['local', 'cognito']).optional(),
  // The hosted UI's origin: https (plain http only to this machine, for a test's fake token endpoint), no path.
  [ENV.consoleCognitoDomain]: OutsideApiBase.refine((v) => !URL.canParse(v) || new URL(v).pathname === '/', 'must be an origin without a path').optional(),
  [ENV.consoleClientId]: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an app client id').optional(),
  [ENV.webhookSigningSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.webhookSigningKey]: z.string().min(32, 'must be at least 32 characters').optional(),
  [ENV.webhookRetryDelaysSeconds]: WebhookRetryDelays.optional(),
  [ENV.webhookSendTimeoutMs]: z.coerce.number().int().min(100).max(60_000).optional(),
  [ENV.webhookAllowPrivateUrls]: boolFromEnv,
});

/** A wiring queue and its dead-letter queue, by URL. */
export interface DeadLetterQueue {
  queueId: string;
  queueUrl: string;
  dlqUrl: string;
}

/** Raised at cold start when the environment is malformed, or when a function reaches for a resource it was not granted. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Raw = z.infer<typeof ConfigSchema>;

function parse(env: NodeJS.ProcessEnv): Raw {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${fields}`);
  }
  return result.data;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) {
    throw new ConfigError(`${name} is not set: the function's wiring does not grant this resource`);
  }
  return value;
}

/**
 * Typed view of the environment, parsed once per process. Resources a function was not granted
 * stay unset, and asking for one throws: a wiring mistake shows up on the first call, with its name.
 */
export function makeConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parse(env);
  // Every read goes through the view, at the time of the read: locally, which function runs decides what it sees.
  const raw = new Proxy(parsed, { get: (target, name, receiver) => (typeof name === 'string' && !isVisible(name) ? undefined : Reflect.get(target, name, receiver)) });
  const variable = (name: string) => (isVisible(name) ? env[name] : undefined);
  // Checked at cold start, not at the first sign-in: a console that cannot sign anyone in should fail its deployment.
  if (raw[ENV.consoleSignIn] === 'cognito' && (raw[ENV.consoleCognitoDomain] === undefined || raw[ENV.consoleClientId] === undefined)) {
    throw new ConfigError(`invalid configuration: ${ENV.consoleSignIn}=cognito needs ${ENV.consoleCognitoDomain} and ${ENV.consoleClientId}`);
  }
  return {
    stage: raw[ENV.stage],
    s3ForcePathStyle: raw[ENV.s3ForcePathStyle],
    get tableName() {
      return required(raw[ENV.tableName], ENV.tableName);
    },
    get eventBusName() {
      return required(raw[ENV.eventBusName], ENV.eventBusName);
    },
    get mediaBucket() {
      return required(raw[ENV.mediaBucket], ENV.mediaBucket);
    },
    get importsBucket() {
      return required(raw[ENV.importsBucket], ENV.importsBucket);
    },
    get exportsBucket() {
      return required(raw[ENV.exportsBucket], ENV.exportsBucket);
    },
    get mediaBaseUrl() {
      return required(raw[ENV.mediaBaseUrl], ENV.mediaBaseUrl);
    },
    get jwt() {
      return {
        issuer: required(raw[ENV.jwtIssuer], ENV.jwtIssuer),
        audience: required(raw[ENV.jwtAudience], ENV.jwtAudience),
        jwksUrl: required(raw[ENV.jwksUrl], ENV.jwksUrl),
      };
    },
    /**
     * The shoppers' user pool, trusted beside the staff one (`jwt`) on AWS; `undefined` where there is none (locally,
     * the one local issuer mints both). Its tokens are shoppers whatever they claim, see `authenticate`.
     */
    get shopperJwt() {
      const issuer = raw[ENV.shopperJwtIssuer];
      if (issuer === undefined) return undefined;
      return {
        issuer,
        audience: required(raw[ENV.shopperJwtAudience], ENV.shopperJwtAudience),
        jwksUrl: required(raw[ENV.shopperJwksUrl], ENV.shopperJwksUrl),
      };
    },
    /** Set on AWS only: the secret holding the API key that meters people (bearer tokens) in the usage plan. */
    peopleUsageKeySecretArn: raw[ENV.peopleUsageKeySecretArn],
    /**
     * The shoppers' user pool, whose users an erasure deletes (on AWS, given to the functions with
     * `access.shopperIdentities`); `undefined` locally, where tokens are minted for any subject and there is no user to delete.
     */
    shopperUserPoolId: raw[ENV.shopperUserPoolId],
    /**
     * The staff user pool, whose groups are staff roles (on AWS, given to the functions with `access.staffIdentities`);
     * `undefined` locally, where roles live in the table's store of principals that `POST /local/tokens` consults.
     */
    staffUserPoolId: raw[ENV.staffUserPoolId],
    /**
     * The integrations usage plan's name, which API keys made through the API join (on AWS, given to the functions with
     * `access.usagePlanKeys`); `undefined` locally, where nothing meters by key.
     */
    integrationsUsagePlan: raw[ENV.integrationsUsagePlan],
    /**
     * Where the Stripe webhook signing secrets come from: the environment (local runtime, tests), or on
     * AWS the Secrets Manager secret the function was granted.
     */
    get paymentWebhookSecrets(): { current: string; previous?: string } | { secretArn: string } {
      const current = raw[ENV.paymentWebhookSecret];
      if (current !== undefined) {
        const previous = raw[ENV.paymentWebhookSecretPrevious];
        return previous === undefined ? { current } : { current, previous };
      }
      return { secretArn: required(raw[ENV.paymentWebhookSecretsArn], ENV.paymentWebhookSecretsArn) };
    },
    /**
     * Where the billing system's webhook signing keys come from: the environment (local runtime, tests), or on AWS the
     * Secrets Manager secret the function was granted. During a rotation both keys are given.
     */
    get billingWebhookSecrets(): { current: string; previous?: string } | { secretArn: string } {
      const current = raw[ENV.billingWebhookSecret];
      if (current !== undefined) {
        const previous = raw[ENV.billingWebhookSecretPrevious];
        return previous === undefined ? { current } : { current, previous };
      }
      return { secretArn: required(raw[ENV.billingWebhookSecretsArn], ENV.billingWebhookSecretsArn) };
    },
    /**
     * Where the key of click-and-collect handover codes comes from: the environment (local runtime, tests), or on AWS
     * the Secrets Manager secret the function was granted.
     */
    get handoverCodeKey(): { key: string } | { secretArn: string } {
      const key = raw[ENV.handoverCodeKey];
      if (key !== undefined) return { key };
      return { secretArn: required(raw[ENV.handoverCodesSecretArn], ENV.handoverCodesSecretArn) };
    },
    /**
     * How staff sign in to the console: `local` (the local platform: a developer picks a role, from loopback hosts
     * only) or `cognito` (the staff pool's hosted UI, authorization code with PKCE, through the console's app client).
     */
    get consoleSignIn(): { mode: 'local' } | { mode: 'cognito'; domain: string; clientId: string } {
      const mode = raw[ENV.consoleSignIn];
      if (mode === undefined) throw new ConfigError(`${ENV.consoleSignIn} is not set: this deployment does not say how staff sign in to the console`);
      if (mode === 'local') return { mode };
      return { mode, domain: raw[ENV.consoleCognitoDomain]!.replace(/\/$/, ''), clientId: raw[ENV.consoleClientId]! };
    },
    /**
     * Where the master key of webhook signing secrets comes from: the environment (local runtime, tests), or on AWS the
     * Secrets Manager secret the function was granted.
     */
    get webhookSigningKey(): { key: string } | { secretArn: string } {
      const key = raw[ENV.webhookSigningKey];
      if (key !== undefined) return { key };
      return { secretArn: required(raw[ENV.webhookSigningSecretArn], ENV.webhookSigningSecretArn) };
    },
    /** How webhooks are delivered: the retry schedule and the limit of one attempt, when configured (`shared/webhooks` has the defaults). */
    webhooks: {
      retryDelaysSeconds: raw[ENV.webhookRetryDelaysSeconds],
      sendTimeoutMs: raw[ENV.webhookSendTimeoutMs],
      /** Whether endpoints may point at private and loopback addresses, and use plain http: the local platform only. */
      allowPrivateUrls: raw[ENV.webhookAllowPrivateUrls],
    },
    /** Stripe's publishable key for the shoppers' apps (Stripe.js confirms a SetupIntent with it), when one is configured. */
    paymentPublishableKey: raw[ENV.paymentPublishableKey],
    /**
     * Where the Stripe API key comes from: the environment (local runtime, tests), with the base URL
     * of a Stripe-compatible API such as the local sandbox when set, or on AWS the Secrets Manager
     * secret the function was granted.
     */
    get paymentApi(): { secretKey: string; apiBase?: string } | { secretArn: string } {
      const secretKey = raw[ENV.paymentSecretKey];
      if (secretKey !== undefined) {
        const apiBase = raw[ENV.paymentApiBase];
        return apiBase === undefined ? { secretKey } : { secretKey, apiBase };
      }
      return { secretArn: required(raw[ENV.paymentApiSecretArn], ENV.paymentApiSecretArn) };
    },
    /**
     * Where the billing system's address, bearer token and request-signing key come from: the
     * environment (local platform with its sandbox, tests), all three together, or on AWS the
     * Secrets Manager secret the function was granted.
     */
    get billingApi(): { baseUrl: string; token: string; signingSecret: string } | { secretArn: string } {
      const baseUrl = raw[ENV.billingApiBase];
      if (baseUrl !== undefined) {
        return {
          baseUrl,
          token: required(raw[ENV.billingApiToken], ENV.billingApiToken),
          signingSecret: required(raw[ENV.billingSigningSecret], ENV.billingSigningSecret),
        };
      }
      return { secretArn: required(raw[ENV.billingApiSecretArn], ENV.billingApiSecretArn) };
    },
    /**
     * Which courier shipments are booked with (its id, the carrier shipments name), where it is and its bearer token:
     * the environment (the local platform with its courier sandbox, tests), all three together, or on AWS the Secrets
     * Manager secret the function was granted.
     */
    get courierApi(): { courierId: string; baseUrl: string; token: string } | { secretArn: string } {
      const baseUrl = raw[ENV.courierApiBase];
      if (baseUrl !== undefined) {
        return { courierId: required(raw[ENV.courierId], ENV.courierId), baseUrl, token: required(raw[ENV.courierApiToken], ENV.courierApiToken) };
      }
      return { secretArn: required(raw[ENV.courierApiSecretArn], ENV.courierApiSecretArn) };
    },
    /**
     * Where the courier's webhook signing keys come from: the environment (local runtime, tests), or on AWS the
     * Secrets Manager secret the function was granted. During a rotation both keys are given.
     */
    get courierWebhookSecrets(): { current: string; previous?: string } | { secretArn: string } {
      const current = raw[ENV.courierWebhookSecret];
      if (current !== undefined) {
        const previous = raw[ENV.courierWebhookSecretPrevious];
        return previous === undefined ? { current } : { current, previous };
      }
      return { secretArn: required(raw[ENV.courierWebhookSecretsArn], ENV.courierWebhookSecretsArn) };
    },
    /**
     * How checkout runs: whether an order with no weighed lines is captured as soon as it is confirmed (otherwise at
     * picking, like the others), and how long a customer has to complete 3-D Secure before the hold is released.
     */
    checkout: {
      captureOnConfirm: raw[ENV.checkoutCaptureOnConfirm],
      authenticationTimeoutSeconds: raw[ENV.checkoutAuthenticationTimeoutSeconds],
    },
    /** How orders run: how long a shopper has to answer a substitute the picker proposed (the dispatch cut-off may come first). */
    orders: {
      substitutionResponseSeconds: raw[ENV.substitutionResponseSeconds],
    },
    queueUrl(queueId: QueueId): string {
      const name = queueUrlEnvName(queueId);
      return required(variable(name), name);
    },
    /**
     * The wiring queues whose dead letters a function may read or redrive (`access.deadLetters`), each with its URL and
     * its DLQ's, built from their names; empty when it was granted none. Read when asked, like the queue URLs.
     */
    get deadLetterQueues(): DeadLetterQueue[] {
      const ids = variable(DEAD_LETTER_ENV.queueIds);
      if (!ids) return [];
      const prefix = required(variable(DEAD_LETTER_ENV.queueUrlPrefix), DEAD_LETTER_ENV.queueUrlPrefix);
      return ids.split(',').map((queueId) => ({ queueId, queueUrl: `${prefix}${queueId}`, dlqUrl: `${prefix}${queueId}-dlq` }));
    },
    stateMachineArn(machineId: StateMachineId): string {
      const name = stateMachineArnEnvName(machineId);
      return required(variable(name), name);
    },
  };
}

export type Config = ReturnType<typeof makeConfig>;

/** The process-wide configuration. */
export const config: Config = makeConfig();
