import type { Access, BucketId } from './index.js';
import { secretById, secrets, type SecretId } from './secrets.js';

/**
 * The environment variables a grant (`access` in `wiring/index.ts`) gives a function. The CDK app and the local
 * runtime both turn a function's grants into variables with {@link grantedVariables}, each filling in its own values,
 * so a function sees the same names on AWS and locally, and a function that lacks a grant lacks its variable in both.
 */
export const GRANT_ENV = {
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  mediaBucket: 'MEDIA_BUCKET',
  importsBucket: 'IMPORTS_BUCKET',
  exportsBucket: 'EXPORTS_BUCKET',
  /** The shoppers' Cognito user pool, for the erasure worker that deletes a shopper's sign-in; absent locally. */
  shopperUserPoolId: 'SHOPPER_USER_POOL_ID',
  /** The staff Cognito user pool, for the functions that give and take staff roles (its groups); absent locally. */
  staffUserPoolId: 'STAFF_USER_POOL_ID',
  /** The name of API Gateway's integrations usage plan, which API keys made through the API join on AWS; absent locally. */
  integrationsUsagePlan: 'INTEGRATIONS_USAGE_PLAN',
} as const;

/**
 * The dead-letter queues a function may read or redrive (`access.deadLetters`): the wiring's queue ids, comma-separated,
 * and the URL every queue's physical name follows (`<prefix><queue-id>`, its DLQ `<prefix><queue-id>-dlq`). Names, not
 * references: on AWS a reference to each queue cost the function's nested stack CloudFormation parameters.
 */
export const DEAD_LETTER_ENV = {
  queueIds: 'DEAD_LETTER_QUEUE_IDS',
  queueUrlPrefix: 'QUEUE_URL_PREFIX',
} as const;

const QUEUE_URL = 'QUEUE_URL_';
const STATE_MACHINE_ARN = 'STATE_MACHINE_ARN_';

/** `catalog-import` → `QUEUE_URL_CATALOG_IMPORT`. */
export function queueUrlEnvName(queueId: string): string {
  return `${QUEUE_URL}${queueId.toUpperCase().replace(/-/g, '_')}`;
}

/** `checkout` → `STATE_MACHINE_ARN_CHECKOUT`. */
export function stateMachineArnEnvName(machineId: string): string {
  return `${STATE_MACHINE_ARN}${machineId.toUpperCase().replace(/-/g, '_')}`;
}

/** `media` → `MEDIA_BUCKET`. */
export function bucketEnvName(bucket: BucketId): string {
  return { media: GRANT_ENV.mediaBucket, imports: GRANT_ENV.importsBucket, exports: GRANT_ENV.exportsBucket }[bucket];
}

/** Secret id → the variable holding its ARN on AWS. */
export const SECRET_ARN_ENV = Object.fromEntries(secrets.map((s) => [s.id, s.arnVariable])) as Readonly<Record<SecretId, string>>;

/** What a granted variable's value is: each reader resolves it to its own (a CloudFormation token, a local URL). */
export type GrantedResource =
  | { kind: 'table' }
  | { kind: 'event-bus' }
  | { kind: 'bucket'; bucket: BucketId }
  | { kind: 'queue-url'; queue: string }
  | { kind: 'dead-letter-queue-ids' }
  | { kind: 'queue-url-prefix' }
  /** On AWS: the secret's ARN. */
  | { kind: 'secret-arn'; secret: SecretId }
  /** Locally: one of the values the secret holds on AWS. */
  | { kind: 'secret-value'; secret: SecretId; variable: string }
  | { kind: 'state-machine-arn'; machine: string }
  | { kind: 'shopper-user-pool' }
  | { kind: 'staff-user-pool' }
  | { kind: 'integrations-usage-plan' };

export interface GrantedVariable {
  name: string;
  resource: GrantedResource;
}

/**
 * The environment variables a function's grants give it, on AWS (`aws`: secrets by ARN) or locally (`local`: secrets
 * by value). The pools and the usage plan exist on AWS only: the local runtime has no value for them and sets nothing.
 */
export function grantedVariables(access: Access, where: 'aws' | 'local'): GrantedVariable[] {
  const variables: GrantedVariable[] = [];
  const add = (name: string, resource: GrantedResource) => variables.push({ name, resource });
  if (access.table) add(GRANT_ENV.tableName, { kind: 'table' });
  for (const bucket of Object.keys(access.buckets ?? {}) as BucketId[]) add(bucketEnvName(bucket), { kind: 'bucket', bucket });
  if (access.events) add(GRANT_ENV.eventBusName, { kind: 'event-bus' });
  for (const queue of access.sendTo ?? []) add(queueUrlEnvName(queue), { kind: 'queue-url', queue });
  if (access.deadLetters) {
    add(DEAD_LETTER_ENV.queueIds, { kind: 'dead-letter-queue-ids' });
    add(DEAD_LETTER_ENV.queueUrlPrefix, { kind: 'queue-url-prefix' });
  }
  for (const secret of access.secrets ?? []) {
    if (where === 'aws') add(SECRET_ARN_ENV[secret], { kind: 'secret-arn', secret });
    else for (const variable of secretById(secret).localVariables) add(variable, { kind: 'secret-value', secret, variable });
  }
  for (const [machine, use] of Object.entries(access.workflows ?? {})) {
    // A callback completes task tokens, which name their execution: it needs no ARN.
    if (use === 'start') add(stateMachineArnEnvName(machine), { kind: 'state-machine-arn', machine });
  }
  if (access.shopperIdentities) add(GRANT_ENV.shopperUserPoolId, { kind: 'shopper-user-pool' });
  if (access.staffIdentities) add(GRANT_ENV.staffUserPoolId, { kind: 'staff-user-pool' });
  if (access.usagePlanKeys) add(GRANT_ENV.integrationsUsagePlan, { kind: 'integrations-usage-plan' });
  return variables;
}

const GRANT_NAMES: ReadonlySet<string> = new Set([
  ...Object.values(GRANT_ENV),
  ...Object.values(DEAD_LETTER_ENV),
  ...secrets.flatMap((s) => [s.arnVariable, ...s.localVariables]),
]);

/**
 * Whether a variable is one that only a grant gives (any that {@link grantedVariables} can name): the rest (the stage,
 * the JWT settings, the media URL) are configuration every function of a deployment may be given.
 */
export function isGrantVariable(name: string): boolean {
  return GRANT_NAMES.has(name) || name.startsWith(QUEUE_URL) || name.startsWith(STATE_MACHINE_ARN);
}
