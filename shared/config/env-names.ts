import { GRANT_ENV } from '../../wiring/environment.js';

/**
 * Names of the environment variables that carry SmartShelf's configuration. The CDK app and the
 * local runtime write them (from `wiring/index.ts`); `config.ts` is their only reader.
 */
export const ENV = {
  stage: 'STAGE',
  tableName: GRANT_ENV.tableName,
  eventBusName: GRANT_ENV.eventBusName,
  mediaBucket: GRANT_ENV.mediaBucket,
  importsBucket: GRANT_ENV.importsBucket,
  exportsBucket: GRANT_ENV.exportsBucket,
  mediaBaseUrl: 'MEDIA_BASE_URL',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  jwksUrl: 'JWKS_URL',
  shopperJwtIssuer: 'SHOPPER_JWT_ISSUER',
  shopperJwtAudience: 'SHOPPER_JWT_AUDIENCE',
  shopperJwksUrl: 'SHOPPER_JWKS_URL',
  peopleUsageKeySecretArn: 'PEOPLE_USAGE_KEY_SECRET_ARN',
  /** The shoppers' Cognito user pool, for the erasure worker that deletes a shopper's sign-in; absent locally. */
  shopperUserPoolId: GRANT_ENV.shopperUserPoolId,
  /** The staff Cognito user pool, for the functions that give and take staff roles (its groups); absent locally. */
  staffUserPoolId: GRANT_ENV.staffUserPoolId,
  /** The name of API Gateway's integrations usage plan, which API keys made through the API join on AWS; absent locally. */
  integrationsUsagePlan: GRANT_ENV.integrationsUsagePlan,
  paymentWebhookSecretsArn: 'PAYMENT_WEBHOOK_SECRETS_ARN',
  paymentWebhookSecret: 'STRIPE_WEBHOOK_SECRET',
  paymentWebhookSecretPrevious: 'STRIPE_WEBHOOK_SECRET_PREVIOUS',
  paymentApiSecretArn: 'PAYMENT_API_SECRET_ARN',
  paymentSecretKey: 'STRIPE_SECRET_KEY',
  paymentApiBase: 'STRIPE_API_BASE',
  /** Stripe's publishable key (`pk_...`), handed to the shoppers' apps with a SetupIntent; optional. */
  paymentPublishableKey: 'STRIPE_PUBLISHABLE_KEY',
  billingWebhookSecretsArn: 'BILLING_WEBHOOK_SECRETS_ARN',
  billingWebhookSecret: 'BILLING_WEBHOOK_SECRET',
  billingWebhookSecretPrevious: 'BILLING_WEBHOOK_SECRET_PREVIOUS',
  checkoutCaptureOnConfirm: 'CHECKOUT_CAPTURE_ON_CONFIRM',
  checkoutAuthenticationTimeoutSeconds: 'CHECKOUT_AUTHENTICATION_TIMEOUT_SECONDS',
  substitutionResponseSeconds: 'SUBSTITUTION_RESPONSE_SECONDS',
  handoverCodesSecretArn: 'HANDOVER_CODES_SECRET_ARN',
  handoverCodeKey: 'HANDOVER_CODE_KEY',
  billingApiSecretArn: 'BILLING_API_SECRET_ARN',
  billingApiBase: 'BILLING_API_BASE',
  billingApiToken: 'BILLING_API_TOKEN',
  billingSigningSecret: 'BILLING_SIGNING_SECRET',
  courierApiSecretArn: 'COURIER_API_SECRET_ARN',
  courierId: 'COURIER_ID',
  courierApiBase: 'COURIER_API_BASE',
  courierApiToken: 'COURIER_API_TOKEN',
  courierWebhookSecretsArn: 'COURIER_WEBHOOK_SECRETS_ARN',
  courierWebhookSecret: 'COURIER_WEBHOOK_SECRET',
  courierWebhookSecretPrevious: 'COURIER_WEBHOOK_SECRET_PREVIOUS',
  /** How staff sign in to the console: `local` (pick a role, loopback only) or `cognito` (the staff pool's hosted UI). */
  consoleSignIn: 'CONSOLE_SIGN_IN',
  /** The staff pool's hosted UI, an https URL without a path (`https://<domain>`); cognito sign-in only. */
  consoleCognitoDomain: 'CONSOLE_COGNITO_DOMAIN',
  /** The console's app client of the staff pool (public, PKCE); cognito sign-in only. */
  consoleClientId: 'CONSOLE_CLIENT_ID',
  /** The master key webhook signing secrets are derived from (`shared/webhooks`); on AWS the `webhook-signing` secret instead. */
  webhookSigningKey: 'WEBHOOK_SIGNING_KEY',
  webhookSigningSecretArn: 'WEBHOOK_SIGNING_SECRET_ARN',
  /** Seconds between a webhook delivery's attempts, comma-separated (`5,300,1800`); the production schedule when unset. */
  webhookRetryDelaysSeconds: 'WEBHOOK_RETRY_DELAYS_SECONDS',
  /** The hard limit of one webhook attempt, in milliseconds (10 s when unset). */
  webhookSendTimeoutMs: 'WEBHOOK_SEND_TIMEOUT_MS',
  /**
   * `true` only on the local platform: webhook endpoints may point at loopback, private and link-local addresses, over
   * plain http (`shared/webhooks/url-policy.ts`); on AWS they are refused.
   */
  webhookAllowPrivateUrls: 'WEBHOOK_ALLOW_PRIVATE_URLS',
} as const;

/**
 * What grants give (`access` in the wiring) is named by the wiring itself (`wiring/environment.ts`), since the CDK app
 * and the local runtime both turn grants into these variables; `config.ts` reads them from here.
 */
export {
  DEAD_LETTER_ENV,
  SECRET_ARN_ENV,
  bucketEnvName,
  queueUrlEnvName,
  stateMachineArnEnvName,
} from '../../wiring/environment.js';
export type { SecretId } from '../../wiring/secrets.js';
