import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

const retentionDays = new Set<number>(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

const Throttle = z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() });

/**
 * The alarms' thresholds (`constructs/observability.ts`); docs/operations.md says what each alarm means and what to do.
 * Rates are percentages over five minutes, and alarm only from `apiMinRequests` requests (or invocations) in those five
 * minutes, so three requests at night, one of them failing, page nobody.
 */
export const AlarmThresholdsSchema = z.strictObject({
  /** API Gateway's p99 latency over five minutes, for three periods in a row. */
  apiLatencyP99Ms: z.number().int().positive(),
  api5xxPercent: z.number().positive().max(100),
  api4xxPercent: z.number().positive().max(100),
  apiMinRequests: z.number().int().positive(),
  /** Errors of every function in the environment's account, as a share of their invocations. */
  lambdaErrorPercent: z.number().positive().max(100),
  /** Throttled invocations in five minutes above which the alarm fires. */
  lambdaThrottles: z.number().int().nonnegative(),
  /** Failed, timed-out or aborted executions of a state machine in five minutes from which the alarm fires. */
  stateMachineFailures: z.number().int().positive(),
  /** Checkouts failed on a refused payment in an hour above which the alarm fires. */
  paymentFailuresPerHour: z.number().int().nonnegative(),
  /** Checkouts failed on a wait running out (3-D Secure, the pick) in an hour above which the alarm fires. */
  checkoutTimeoutsPerHour: z.number().int().nonnegative(),
  /** The longest completion-to-invoice lag in fifteen minutes above which the alarm fires. */
  billingSyncLagSeconds: z.number().int().positive(),
  /** The p90 of the courier's event-to-receipt lag over fifteen minutes, for two periods in a row. */
  courierWebhookLagSeconds: z.number().int().positive(),
  /** The width of the orders' anomaly band, in standard deviations. */
  ordersAnomalyStdDevs: z.number().positive().max(10),
  /** Fifteen-minute periods in a row outside the band before the orders' anomaly alarm fires. */
  ordersAnomalyPeriods: z.number().int().min(1).max(24),
});
export type AlarmThresholds = z.infer<typeof AlarmThresholdsSchema>;

/** One deployment environment as written under `context.environments` in `cdk.json`. */
export const EnvironmentSettingsSchema = z
  .object({
    /**
     * The environment's own AWS account (each environment has one; `infra/cdk/deploy-target.ts` refuses a shared one and
     * credentials for another). The ids in `cdk.json` are placeholders for the grocer's accounts.
     */
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-2'),
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => retentionDays.has(d), 'must be a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, ...)'),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    /** Requests per IP per five minutes before the WAF blocks it. */
    wafRateLimit: z.number().int().min(10),
    /**
     * Requests per bearer token per five minutes before the WAF blocks it: people share one usage-plan key, so this is
     * what keeps one person from spending everyone's throttle.
     */
    wafRateLimitPerToken: z.number().int().min(10),
    /** Stage-wide API Gateway throttling; routes with their own `throttle` in the wiring override it. */
    throttling: Throttle,
    integrationsUsagePlan: Throttle.extend({ quotaPerDay: z.number().int().positive() }),
    deletionProtection: z.boolean(),
    removalPolicy: z.enum(['destroy', 'retain']),
    cognitoFeaturePlan: z.enum(['essentials', 'plus']),
    callbackUrls: z.array(z.url()).min(1),
    /**
     * The staff pool's hosted UI domain, `https://<prefix>.auth.<region>.amazoncognito.com`, where staff sign in to the
     * console. Unique in its region; Cognito refuses prefixes containing aws, amazon or cognito.
     */
    cognitoDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits and inner hyphens, at most 63 characters')
      .refine((p) => !/aws|amazon|cognito/.test(p), 'must not contain aws, amazon or cognito'),
    alarmEmail: z.email().optional(),
    alarms: AlarmThresholdsSchema,
  })
  .strict();

export type EnvironmentSettings = z.infer<typeof EnvironmentSettingsSchema>;

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * Picks and validates one environment from the `environments` context. A typo in `cdk.json`
 * or on the command line fails synth with the offending field instead of deploying defaults.
 */
export function environmentSettings(environments: unknown, name: unknown): { name: EnvironmentName; settings: EnvironmentSettings } {
  const envName = z.enum(ENVIRONMENT_NAMES).safeParse(name ?? 'dev');
  if (!envName.success) throw new Error(`-c env must be one of ${ENVIRONMENT_NAMES.join(', ')}, got ${String(name)}`);
  const all = z.record(z.string(), z.unknown()).safeParse(environments);
  if (!all.success) throw new Error('cdk.json context has no "environments" object');
  const parsed = EnvironmentSettingsSchema.safeParse(all.data[envName.data]);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`environments.${envName.data} in cdk.json is invalid: ${fields}`);
  }
  return { name: envName.data, settings: parsed.data };
}

/** Stateful resources (table, buckets, log groups) follow the environment's policy. */
export function removalPolicyOf(settings: EnvironmentSettings): RemovalPolicy {
  return settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

/** The `RetentionDays` member for the environment's log retention. */
export function logRetentionOf(settings: EnvironmentSettings): RetentionDays {
  return settings.logRetentionDays as RetentionDays;
}
