/**
 * Names of the environment variables that carry SmartShelf's configuration. The CDK app and the
 * local runtime write them (from `wiring/index.ts`); `config.ts` is their only reader.
 */
export const ENV = {
  stage: 'STAGE',
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  mediaBucket: 'MEDIA_BUCKET',
  importsBucket: 'IMPORTS_BUCKET',
  exportsBucket: 'EXPORTS_BUCKET',
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
  shopperUserPoolId: 'SHOPPER_USER_POOL_ID',
  /** The staff Cognito user pool, for the functions that give and take staff roles (its groups); absent locally. */
  staffUserPoolId: 'STAFF_USER_POOL_ID',
  /** The name of API Gateway's integrations usage plan, which API keys made through the API join on AWS; absent locally. */
  integrationsUsagePlan: 'INTEGRATIONS_USAGE_PLAN',
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

/** Secrets Manager secrets a function may read (`access.secrets` in the wiring), by id. */
export const SECRET_ARN_ENV = {
  'payment-webhooks': ENV.paymentWebhookSecretsArn,
  'payment-api': ENV.paymentApiSecretArn,
  'billing-webhooks': ENV.billingWebhookSecretsArn,
  'billing-api': ENV.billingApiSecretArn,
  'handover-codes': ENV.handoverCodesSecretArn,
  'courier-api': ENV.courierApiSecretArn,
  'courier-webhooks': ENV.courierWebhookSecretsArn,
} as const;
export type SecretId = keyof typeof SECRET_ARN_ENV;

/** `catalog-import` → `QUEUE_URL_CATALOG_IMPORT`. */
export function queueUrlEnvName(queueId: string): string {
  return `QUEUE_URL_${queueId.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The dead-letter queues a function may read or redrive (`access.deadLetters`): the wiring's queue ids, comma-separated,
 * and the URL every queue's physical name follows (`<prefix><queue-id>`, its DLQ `<prefix><queue-id>-dlq`). Names, not
 * references: on AWS a reference to each queue cost the function's nested stack CloudFormation parameters.
 */
export const DEAD_LETTER_ENV = {
  queueIds: 'DEAD_LETTER_QUEUE_IDS',
  queueUrlPrefix: 'QUEUE_URL_PREFIX',
} as const;

/** `checkout` → `STATE_MACHINE_ARN_CHECKOUT`. */
export function stateMachineArnEnvName(machineId: string): string {
  return `STATE_MACHINE_ARN_${machineId.toUpperCase().replace(/-/g, '_')}`;
}

/** `media` → `MEDIA_BUCKET`. */
export function bucketEnvName(bucket: 'media' | 'imports' | 'exports'): string {
  return { media: ENV.mediaBucket, imports: ENV.importsBucket, exports: ENV.exportsBucket }[bucket];
}
