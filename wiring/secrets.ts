/**
 * The Secrets Manager secrets functions may read (`access.secrets` in `wiring/index.ts`): the CDK app makes one secret
 * per entry and gives a granted function its ARN in `arnVariable`; the local runtime, which has no Secrets Manager,
 * gives a granted function the values themselves in `localVariables` (from the user's environment or a sandbox's).
 * Either way a function without the grant gets neither.
 */
export interface SecretSpec {
  id: string;
  /** What an operator stores in it, as the secret's description on AWS. */
  description: string;
  /** On AWS: the variable holding the secret's ARN. */
  arnVariable: string;
  /** Locally: the variables holding what the secret holds on AWS. */
  localVariables: readonly string[];
}

export const secrets = [
  {
    id: 'payment-webhooks',
    description: 'Stripe webhook signing secrets for POST /webhooks/payments: {"current", "previous"?}',
    arnVariable: 'PAYMENT_WEBHOOK_SECRETS_ARN',
    localVariables: ['STRIPE_WEBHOOK_SECRET', 'STRIPE_WEBHOOK_SECRET_PREVIOUS'],
  },
  {
    id: 'payment-api',
    description: 'Stripe secret API key for the payment gateway: {"secretKey"}',
    arnVariable: 'PAYMENT_API_SECRET_ARN',
    // The base URL selects a Stripe-compatible API (the local sandbox) and belongs with the key it is called with.
    localVariables: ['STRIPE_SECRET_KEY', 'STRIPE_API_BASE'],
  },
  {
    id: 'billing-webhooks',
    description: 'Billing webhook signing keys for POST /webhooks/billing: {"current", "previous"?}',
    arnVariable: 'BILLING_WEBHOOK_SECRETS_ARN',
    localVariables: ['BILLING_WEBHOOK_SECRET', 'BILLING_WEBHOOK_SECRET_PREVIOUS'],
  },
  {
    id: 'billing-api',
    description: 'Billing system API: {"baseUrl", "token", "signingSecret"}',
    arnVariable: 'BILLING_API_SECRET_ARN',
    localVariables: ['BILLING_API_BASE', 'BILLING_API_TOKEN', 'BILLING_SIGNING_SECRET'],
  },
  {
    id: 'handover-codes',
    description: 'Key of the click-and-collect handover codes: {"key"}',
    arnVariable: 'HANDOVER_CODES_SECRET_ARN',
    localVariables: ['HANDOVER_CODE_KEY'],
  },
  {
    id: 'courier-api',
    description: 'Courier API: {"courierId", "baseUrl", "token"}',
    arnVariable: 'COURIER_API_SECRET_ARN',
    localVariables: ['COURIER_ID', 'COURIER_API_BASE', 'COURIER_API_TOKEN'],
  },
  {
    id: 'courier-webhooks',
    description: 'Courier webhook signing keys for POST /webhooks/orders: {"current", "previous"?}',
    arnVariable: 'COURIER_WEBHOOK_SECRETS_ARN',
    localVariables: ['COURIER_WEBHOOK_SECRET', 'COURIER_WEBHOOK_SECRET_PREVIOUS'],
  },
  {
    id: 'webhook-signing',
    description: "Master key of the webhook endpoints' signing secrets: {\"key\"}",
    arnVariable: 'WEBHOOK_SIGNING_SECRET_ARN',
    localVariables: ['WEBHOOK_SIGNING_KEY'],
  },
] as const satisfies readonly SecretSpec[];

/** A secret's id: `access.secrets` naming one not declared above fails to compile. */
export type SecretId = (typeof secrets)[number]['id'];

/** Looks a secret up by id. */
export function secretById(id: SecretId): SecretSpec {
  return secrets.find((s) => s.id === id)!;
}
