/**
 * The one description of SmartShelf's wiring: functions, routes, queues, event rules,
 * schedules, state machines and secrets (`./secrets.ts`). The CDK app (`infra/cdk`) and the local runtime
 * (`infra/local`) both read it, so the two can never drift apart; `test/infra/wiring-agreement`
 * proves it against the synthesized template.
 *
 * Grants are declared here too (`access`), and each reader turns them into the same thing
 * (`grantedVariables` in `./environment.ts`): IAM grants plus environment variables on AWS, environment variables
 * locally, where each function sees only its own. Ids are literal types and rules name event contracts, so a typo
 * fails to compile; the wiring imports nothing but `events/` (docs/wiring.md).
 */

import type { EventContract } from '../events/contract.js';
import { categoryCreatedV1 } from '../events/catalog/category-created.v1.js';
import { productCreatedV1 } from '../events/catalog/product-created.v1.js';
import { productImageUploadedV1 } from '../events/catalog/product-image-uploaded.v1.js';
import { productPriceChangedV1 } from '../events/catalog/product-price-changed.v1.js';
import { productUpdatedV1 } from '../events/catalog/product-updated.v1.js';
import { stockAdjustedV1 } from '../events/inventory/stock-adjusted.v1.js';
import { stockReleasedV1 } from '../events/inventory/stock-released.v1.js';
import { stockReservedV1 } from '../events/inventory/stock-reserved.v1.js';
import { orderCompletedV1 } from '../events/orders/order-completed.v1.js';
import { orderRefundedV1 } from '../events/orders/order-refunded.v1.js';
import { orderStatusChangedV1 } from '../events/orders/order-status-changed.v1.js';
import { erasureRequestedV1 } from '../events/personal-data/erasure-requested.v1.js';
import { exportRequestedV1 } from '../events/personal-data/export-requested.v1.js';
import { SUBSCRIBABLE_EVENTS } from '../events/webhooks/subscribable.js';
import type { Scope } from './scopes.js';
import { secrets, type SecretId, type SecretSpec } from './secrets.js';
import { OUTBOX_STREAM_FILTER, type StreamFilter } from './stream-filter.js';

export { secrets, secretById, type SecretId, type SecretSpec } from './secrets.js';

/** The buckets functions may be granted (`access.buckets`). */
export const BUCKET_IDS = ['media', 'imports', 'exports'] as const;
export type BucketId = (typeof BUCKET_IDS)[number];
export type Level = 'read' | 'write';

/** What a function may touch. `write` implies `read`. */
export interface Access {
  table?: Level;
  /**
   * With `table: 'read'`: the only partitions (key patterns, `*` a wildcard) the function may read, by item key and
   * never through an index (IAM's `dynamodb:LeadingKeys`), for public functions whose reads are that narrow.
   */
  tablePartitions?: readonly string[];
  buckets?: Partial<Record<BucketId, Level>>;
  /** May publish to the event bus. */
  events?: boolean;
  /** Queue ids this function may send to. */
  sendTo?: readonly string[];
  /** Secrets Manager secrets this function may read (locally their values come from the environment). */
  secrets?: readonly SecretId[];
  /**
   * State machines this function drives, by id: `start` starts and describes executions (it gets the machine's ARN);
   * `callback` completes the task tokens a `.waitForTaskToken` state handed out.
   */
  workflows?: Readonly<Record<string, 'start' | 'callback'>>;
  /**
   * Every wiring queue's dead letters: `read` their depths and the queues' (GetQueueAttributes); `redrive` also move them
   * back (consume from each DLQ, send to its queue). Granted on the queues' name pattern (`<prefix>-*`) with the queue
   * ids and the URL prefix in the environment, so a new queue adds no grant, variable or stack parameter.
   */
  deadLetters?: 'read' | 'redrive';
  /**
   * `delete`: may delete shoppers' sign-in identities (an erasure), `cognito-idp:AdminDeleteUser` on the shoppers' user
   * pool only, with its id in `SHOPPER_USER_POOL_ID`. Locally there is no pool, so nothing is set.
   */
  shopperIdentities?: 'delete';
  /**
   * `manage`: may read and change staff roles, the Cognito groups of the staff pool (list users and their groups, add
   * and remove them, make a store's group on first use), with the pool's id in `STAFF_USER_POOL_ID`; `read`: only list
   * them. Locally there is no pool, so nothing is set and roles live in the table's store of principals.
   */
  staffIdentities?: 'read' | 'manage';
  /**
   * `manage`: may put API keys in API Gateway's integrations usage plan and take them out (find the plan by its name,
   * find, create and delete API keys, add one to the plan), with the plan's name in `INTEGRATIONS_USAGE_PLAN`. Locally
   * nothing meters by key, so nothing is set and the functions keep no usage plan.
   */
  usagePlanKeys?: 'manage';
}

export interface FunctionSpec {
  /** Kebab-case id, `<context>-<verb-noun>`; also the logical name on AWS. */
  id: string;
  /** Source file, relative to the repository root. It exports only `handler`. */
  entry: string;
  memoryMb?: number;
  timeoutSeconds?: number;
  access: Access;
}

/**
 * The entries of the real wiring, which may name only what it declares: a typo in an id fails to compile. The readers
 * (the CDK app, the local runtime) take the plain specs, so that tests can hand them wirings of their own.
 * A function's `access.workflows` names declared state machines only; its `sendTo` is checked by {@link SendToQueueId}.
 */
export interface WiredFunction extends Omit<FunctionSpec, 'access'> {
  access: Omit<Access, 'workflows'> & { workflows?: Readonly<Partial<Record<StateMachineId, 'start' | 'callback'>>> };
}
export type WiredRoute = RouteSpec & { fn: FunctionId };
export type WiredQueue = QueueSpec & { consumer: FunctionId };
export type WiredRule = RuleSpec & { target: { queue: QueueId } };
export type WiredStream = StreamSpec & { consumer: FunctionId };
export type WiredSchedule = ScheduleSpec & { target: { fn: FunctionId } };

export type RouteAuth = { kind: 'public' } | { kind: 'scope'; scope: Scope };

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `/products/{id}`. */
  path: string;
  fn: string;
  auth: RouteAuth;
  /** Per-route throttling (requests per second, burst). */
  throttle?: { rate: number; burst: number };
  /** Largest accepted body in bytes; larger ones get 413 before the handler runs. */
  maxBodyBytes?: number;
}

export interface QueueSpec {
  id: string;
  consumer: string;
  batchSize: number;
  /** Seconds a message stays invisible while a consumer works on it; at least 6x the consumer's timeout on AWS. */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's DLQ. */
  maxReceiveCount: number;
}

export interface RuleSpec {
  id: string;
  /**
   * The event contracts (`events/`) the rule routes: its EventBridge pattern is derived from them ({@link rulePattern}),
   * so a rule cannot name a source or detail-type that no contract has.
   */
  events: readonly EventContract[];
  target: { queue: string };
}

/**
 * A rule's EventBridge pattern, as the CDK app installs it and the local bus matches it: the sources and detail-types of
 * its contracts, each once, in the order first named. EventBridge matches the two lists independently, so a rule whose
 * contracts span sources also matches their cross pairs; no contract has such a pair, so none is ever published.
 */
export function rulePattern(rule: Pick<RuleSpec, 'events'>): { source: string[]; detailType: string[] } {
  const unique = (values: string[]) => [...new Set(values)];
  return { source: unique(rule.events.map((e) => e.source)), detailType: unique(rule.events.map((e) => e.detailType)) };
}

export interface ScheduleSpec {
  id: string;
  /** EventBridge Scheduler expression, `cron(m h dom mon dow y)`. */
  expression: string;
  timezone: string;
  target: { fn: string; input: Record<string, unknown> };
}

/**
 * A consumer of the table's stream, read from the oldest record still in it (TRIM_HORIZON). A batch
 * that keeps failing is retried from its first failed record (`batchItemFailures`); once the
 * retries or the record's age run out, the record's position goes to the stream's DLQ and the shard moves on.
 */
export interface StreamSpec {
  id: string;
  consumer: string;
  /** Which records reach the consumer (Lambda's filter criteria on AWS, the same test locally). */
  filter: StreamFilter;
  batchSize: number;
  /** Retries of a failing record before it goes to the DLQ. */
  retryAttempts: number;
  /** A failing record older than this goes to the DLQ without further retries. */
  maxRecordAgeSeconds: number;
  /** Split a batch whose invocation throws, to isolate the record that breaks it. */
  bisectOnError: boolean;
}

export interface StateMachineSpec {
  id: string;
  /** ASL file relative to the repository root; `${fn:<id>}` placeholders name task functions. */
  definition: string;
}

/** The platform's API Gateway authorizer; it checks bearer tokens and API keys. */
export const AUTHORIZER_FN = 'auth-authorize';

/**
 * The shoppers' user pool's pre-token-generation trigger (a Cognito trigger, not a route): it adds the verified email
 * to their access tokens on AWS. Locally nothing calls it, since the runtime mints tokens with the email already.
 */
export const SHOPPER_TOKEN_CLAIMS_FN = 'accounts-add-token-claims';

const table = { table: 'read' } as const;
const tableWrite = { table: 'write' } as const;

const declaredFunctions = [
  { id: AUTHORIZER_FN, entry: 'functions/auth/authorize.ts', access: table },
  // The staff console's session (docs/console-sign-in.md): the cookie is read by these and by the authorizer.
  { id: 'auth-get-sign-in-options', entry: 'functions/auth/get-sign-in-options.ts', access: {} },
  // Signing in and refreshing read the staff directory (the staff pool's groups on AWS) for the roles.
  { id: 'auth-create-session', entry: 'functions/auth/create-session.ts', access: { ...tableWrite, staffIdentities: 'read' } },
  { id: 'auth-get-session', entry: 'functions/auth/get-session.ts', access: table },
  { id: 'auth-refresh-session', entry: 'functions/auth/refresh-session.ts', access: { ...tableWrite, staffIdentities: 'read' } },
  { id: 'auth-delete-session', entry: 'functions/auth/delete-session.ts', access: tableWrite },
  { id: 'docs-get-openapi', entry: 'functions/docs/get-openapi.ts', access: {} },
  { id: 'docs-get-docs', entry: 'functions/docs/get-docs.ts', access: {} },
  { id: 'ops-get-health', entry: 'functions/ops/get-health.ts', access: { ...table, tablePartitions: ['MIGRATION'] } },
  { id: 'catalog-list-categories', entry: 'functions/catalog/list-categories.ts', access: table },
  { id: 'catalog-create-category', entry: 'functions/catalog/create-category.ts', access: tableWrite },
  { id: 'catalog-list-products', entry: 'functions/catalog/list-products.ts', access: table },
  { id: 'catalog-get-product', entry: 'functions/catalog/get-product.ts', access: table },
  { id: 'catalog-create-product', entry: 'functions/catalog/create-product.ts', access: tableWrite },
  { id: 'catalog-update-product', entry: 'functions/catalog/update-product.ts', access: tableWrite },
  { id: 'catalog-list-admin-categories', entry: 'functions/catalog/list-admin-categories.ts', access: table },
  { id: 'catalog-update-category', entry: 'functions/catalog/update-category.ts', access: tableWrite },
  { id: 'catalog-retire-category', entry: 'functions/catalog/retire-category.ts', access: tableWrite },
  { id: 'catalog-retire-product', entry: 'functions/catalog/retire-product.ts', access: tableWrite },
  { id: 'catalog-reinstate-product', entry: 'functions/catalog/reinstate-product.ts', access: tableWrite },
  { id: 'catalog-list-price-history', entry: 'functions/catalog/list-price-history.ts', access: table },
  { id: 'carts-create-cart', entry: 'functions/carts/create-cart.ts', access: tableWrite },
  { id: 'carts-get-cart', entry: 'functions/carts/get-cart.ts', access: table },
  { id: 'carts-add-cart-line', entry: 'functions/carts/add-cart-line.ts', access: tableWrite },
  { id: 'carts-update-cart-line', entry: 'functions/carts/update-cart-line.ts', access: tableWrite },
  { id: 'carts-remove-cart-line', entry: 'functions/carts/remove-cart-line.ts', access: tableWrite },
  { id: 'carts-apply-coupon', entry: 'functions/carts/apply-coupon.ts', access: tableWrite },
  { id: 'carts-remove-coupon', entry: 'functions/carts/remove-coupon.ts', access: tableWrite },
  { id: 'carts-redeem-loyalty', entry: 'functions/carts/redeem-loyalty.ts', access: tableWrite },
  { id: 'carts-choose-fulfillment', entry: 'functions/carts/choose-fulfillment.ts', access: tableWrite },
  { id: 'carts-hold-cart', entry: 'functions/carts/hold-cart.ts', access: tableWrite },
  { id: 'carts-release-cart-hold', entry: 'functions/carts/release-cart-hold.ts', access: tableWrite },
  { id: 'carts-reopen-expired-hold', entry: 'functions/carts/reopen-expired-hold.ts', access: tableWrite },
  { id: 'carts-release-order-hold', entry: 'functions/carts/release-order-hold.ts', access: tableWrite },
  {
    id: 'catalog-start-import',
    entry: 'functions/catalog/start-import.ts',
    access: { ...tableWrite, buckets: { imports: 'write' }, sendTo: ['catalog-import'] },
  },
  {
    id: 'catalog-create-import-upload',
    entry: 'functions/catalog/create-import-upload.ts',
    // A presigned PUT carries the signer's permissions: without PutObject the upload is refused.
    access: { ...tableWrite, buckets: { imports: 'write' } },
  },
  {
    id: 'catalog-start-uploaded-import',
    entry: 'functions/catalog/start-uploaded-import.ts',
    access: { ...tableWrite, buckets: { imports: 'read' }, sendTo: ['catalog-import'] },
  },
  { id: 'catalog-get-import', entry: 'functions/catalog/get-import.ts', access: table },
  { id: 'fulfillment-list-slots', entry: 'functions/fulfillment/list-slots.ts', access: table },
  { id: 'fulfillment-generate-slots', entry: 'functions/fulfillment/generate-slots.ts', timeoutSeconds: 120, access: tableWrite },
  { id: 'stores-list-stores', entry: 'functions/stores/list-stores.ts', access: table },
  { id: 'stores-get-store', entry: 'functions/stores/get-store.ts', access: { ...table, tablePartitions: ['STORE#*'] } },
  // Writes its event to the table's outbox in the same transaction as the stock, so it needs no bus access.
  { id: 'inventory-adjust-stock', entry: 'functions/inventory/adjust-stock.ts', access: tableWrite },
  { id: 'inventory-get-stock', entry: 'functions/inventory/get-stock.ts', access: table },
  { id: 'inventory-list-store-stock', entry: 'functions/inventory/list-store-stock.ts', access: table },
  // Reads the audit trail's partition of one stock item.
  { id: 'inventory-list-adjustments', entry: 'functions/inventory/list-adjustments.ts', access: table },
  { id: 'inventory-sweep-reservations', entry: 'functions/inventory/sweep-reservations.ts', timeoutSeconds: 50, access: tableWrite },
  {
    id: 'catalog-process-import',
    entry: 'functions/catalog/process-import.ts',
    memoryMb: 1024,
    timeoutSeconds: 900,
    access: { ...tableWrite, buckets: { imports: 'read' } },
  },
  {
    id: 'catalog-upload-product-image',
    entry: 'functions/catalog/upload-product-image.ts',
    access: { ...tableWrite, buckets: { media: 'write' } },
  },
  {
    id: 'catalog-generate-thumbnails',
    entry: 'functions/catalog/generate-thumbnails.ts',
    memoryMb: 1024,
    timeoutSeconds: 60,
    access: { ...tableWrite, buckets: { media: 'write' } },
  },
  // Search and recommendations serve from an in-memory index, loaded at cold start from the snapshot under exports/search-index/.
  { id: 'search-search-products', entry: 'functions/search/search-products.ts', memoryMb: 1024, access: { ...table, buckets: { exports: 'read' } } },
  { id: 'search-get-recommendations', entry: 'functions/search/get-recommendations.ts', memoryMb: 1024, access: { ...table, buckets: { exports: 'read' } } },
  { id: 'search-record-search-change', entry: 'functions/search/record-search-change.ts', access: tableWrite },
  { id: 'search-record-order-history', entry: 'functions/search/record-order-history.ts', access: tableWrite },
  {
    id: 'search-write-index-snapshot',
    entry: 'functions/search/write-index-snapshot.ts',
    memoryMb: 1769,
    timeoutSeconds: 300,
    access: { ...table, buckets: { exports: 'write' } },
  },
  // Stream read is granted by its event source; the relay touches nothing else in the table.
  { id: 'events-relay-outbox', entry: 'functions/events/relay-outbox.ts', timeoutSeconds: 60, access: { events: true } },
  { id: 'promotions-create-promotion', entry: 'functions/promotions/create-promotion.ts', access: tableWrite },
  { id: 'promotions-list-promotions', entry: 'functions/promotions/list-promotions.ts', access: table },
  { id: 'promotions-get-promotion', entry: 'functions/promotions/get-promotion.ts', access: table },
  { id: 'promotions-update-promotion', entry: 'functions/promotions/update-promotion.ts', access: tableWrite },
  // Issues the shopper's loyalty identifier on first sight, so it writes.
  { id: 'loyalty-get-loyalty', entry: 'functions/loyalty/get-loyalty.ts', access: tableWrite },
  // Its shopper sees the handover code of an order waiting at the desk, derived with the handover-codes key.
  { id: 'orders-get-order', entry: 'functions/orders/get-order.ts', access: { ...table, secrets: ['handover-codes'] } },
  { id: 'orders-list-orders', entry: 'functions/orders/list-orders.ts', access: table },
  // A till or phone sale becomes an order and starts its saga; the saga's own steps talk to the payment provider.
  { id: 'orders-create-order', entry: 'functions/orders/create-order.ts', access: { ...tableWrite, workflows: { checkout: 'start' } } },
  { id: 'orders-refund-order', entry: 'functions/orders/refund-order.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  // Returns: a request refunds fresh food at once, an inspection moves the stock and refunds the rest, to the card.
  { id: 'orders-request-return', entry: 'functions/orders/request-return.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  { id: 'orders-receive-return', entry: 'functions/orders/receive-return.ts', access: tableWrite },
  { id: 'orders-inspect-return', entry: 'functions/orders/inspect-return.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  { id: 'orders-list-returns', entry: 'functions/orders/list-returns.ts', access: table },
  { id: 'orders-get-return', entry: 'functions/orders/get-return.ts', access: table },
  // Nightly: our books against billing's exports and the payment gateway's balance transactions; writes the report,
  // records each discrepancy once, re-enqueues missing invoices.
  {
    id: 'billing-reconcile-day',
    entry: 'functions/billing/reconcile-day.ts',
    memoryMb: 512,
    timeoutSeconds: 300,
    access: { ...tableWrite, buckets: { exports: 'write' }, sendTo: ['billing-sync'], secrets: ['billing-api', 'payment-api'] },
  },
  { id: 'billing-get-reconciliation-report', entry: 'functions/billing/get-reconciliation-report.ts', access: table },
  // Reports: running totals per store and local day, kept by one consumer; the reports read one Query of a store's days.
  { id: 'reports-get-sales-report', entry: 'functions/reports/get-sales-report.ts', access: table },
  { id: 'reports-get-refunds-report', entry: 'functions/reports/get-refunds-report.ts', access: table },
  { id: 'reports-get-tax-report', entry: 'functions/reports/get-tax-report.ts', access: table },
  { id: 'reports-record-totals', entry: 'functions/reports/record-totals.ts', access: tableWrite },
  // The audit trail is read-only through the API: no route writes, changes or deletes an entry (test/unit/wiring/audit-routes).
  { id: 'audit-list-audit', entry: 'functions/audit/list-audit.ts', access: table },
  { id: 'loyalty-earn-points', entry: 'functions/loyalty/earn-points.ts', access: tableWrite },
  { id: 'loyalty-take-back-points', entry: 'functions/loyalty/take-back-points.ts', access: tableWrite },
  { id: 'tax-get-tax-rates', entry: 'functions/tax/get-tax-rates.ts', access: table },
  { id: 'tax-replace-tax-rates', entry: 'functions/tax/replace-tax-rates.ts', access: tableWrite },
  // Verifies and queues only: Stripe waits on this answer, the table work happens behind the queue.
  {
    id: 'payments-receive-webhook',
    entry: 'functions/payments/receive-webhook.ts',
    access: { sendTo: ['payments-webhooks'], secrets: ['payment-webhooks'] },
  },
  // Resumes a checkout waiting on 3-D Secure once the intent's webhook says how it went.
  { id: 'payments-process-webhook', entry: 'functions/payments/process-webhook.ts', access: { ...tableWrite, workflows: { checkout: 'callback' } } },
  // Checkout: POST /checkout starts the saga; one function per Task state of infra/workflows/checkout.asl.json.
  // Asks the payment provider for the shopper's Customer (made on first use) and whose the payment method is.
  {
    id: 'checkout-start-checkout',
    entry: 'functions/checkout/start-checkout.ts',
    access: { ...tableWrite, secrets: ['payment-api'], workflows: { checkout: 'start' } },
  },
  { id: 'checkout-reserve-stock', entry: 'functions/checkout/reserve-stock.ts', access: tableWrite },
  { id: 'checkout-create-payment', entry: 'functions/checkout/create-payment.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  { id: 'checkout-authorize-payment', entry: 'functions/checkout/authorize-payment.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  {
    id: 'checkout-await-authentication',
    entry: 'functions/checkout/await-authentication.ts',
    access: { ...tableWrite, secrets: ['payment-api'], workflows: { checkout: 'callback' } },
  },
  { id: 'checkout-confirm-order', entry: 'functions/checkout/confirm-order.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  // Settles its own wait when the shopper authenticated the re-authorization before the token was stored.
  {
    id: 'checkout-await-reauthentication',
    entry: 'functions/checkout/await-reauthentication.ts',
    access: { ...tableWrite, secrets: ['payment-api'], workflows: { checkout: 'callback' } },
  },
  { id: 'checkout-await-pick', entry: 'functions/checkout/await-pick.ts', access: tableWrite },
  // Settles its own wait when the shopper answered every proposed substitute before the token was stored.
  { id: 'checkout-await-substitutions', entry: 'functions/checkout/await-substitutions.ts', access: { ...tableWrite, workflows: { checkout: 'callback' } } },
  { id: 'checkout-capture-payment', entry: 'functions/checkout/capture-payment.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  { id: 'checkout-commit-stock', entry: 'functions/checkout/commit-stock.ts', access: tableWrite },
  { id: 'checkout-complete-order', entry: 'functions/checkout/complete-order.ts', access: tableWrite },
  { id: 'checkout-release-payment', entry: 'functions/checkout/release-payment.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  { id: 'checkout-release-stock', entry: 'functions/checkout/release-stock.ts', access: tableWrite },
  { id: 'checkout-fail-order', entry: 'functions/checkout/fail-order.ts', access: tableWrite },
  { id: 'orders-record-pick', entry: 'functions/orders/record-pick.ts', access: { ...tableWrite, workflows: { checkout: 'callback' } } },
  { id: 'orders-cancel-order', entry: 'functions/orders/cancel-order.ts', access: { ...tableWrite, workflows: { checkout: 'callback' } } },
  // The shopper's last answer to the proposed substitutes resumes the saga's capture.
  { id: 'orders-decide-substitution', entry: 'functions/orders/decide-substitution.ts', access: { ...tableWrite, workflows: { checkout: 'callback' } } },
  // After picking: each writes the order's fulfilment change, its stock moves and fulfillment.updated in one transaction.
  { id: 'orders-pack-order', entry: 'functions/orders/pack-order.ts', access: tableWrite },
  // A shipment by courier is booked with it first (the courier-api secret) before anything is written.
  { id: 'orders-dispatch-shipment', entry: 'functions/orders/dispatch-shipment.ts', access: { ...tableWrite, secrets: ['courier-api'] } },
  { id: 'orders-record-shipment-event', entry: 'functions/orders/record-shipment-event.ts', access: tableWrite },
  { id: 'orders-ready-for-collection', entry: 'functions/orders/ready-for-collection.ts', access: tableWrite },
  { id: 'orders-hand-over-order', entry: 'functions/orders/hand-over-order.ts', access: { ...tableWrite, secrets: ['handover-codes'] } },
  // Invoices, credit notes and subscriptions out to the billing system; up to 20 s of retries per record fit its 30 s.
  { id: 'billing-sync-invoice', entry: 'functions/billing/sync-invoice.ts', timeoutSeconds: 30, access: { ...tableWrite, secrets: ['billing-api'] } },
  { id: 'ops-redrive-queue', entry: 'functions/ops/redrive-queue.ts', access: { deadLetters: 'redrive' } },
  { id: 'ops-list-queues', entry: 'functions/ops/list-queues.ts', access: { deadLetters: 'read' } },
  // Verifies and queues only: the billing system waits on this answer, the table work happens behind the queue.
  {
    id: 'billing-receive-webhook',
    entry: 'functions/billing/receive-webhook.ts',
    access: { sendTo: ['billing-webhooks'], secrets: ['billing-webhooks'] },
  },
  { id: 'billing-process-webhook', entry: 'functions/billing/process-webhook.ts', access: tableWrite },
  // The billing customer and subscription are created by the billing-sync worker, so a billing outage never fails the request.
  { id: 'billing-create-subscription', entry: 'functions/billing/create-subscription.ts', access: { ...tableWrite, sendTo: ['billing-sync'] } },
  { id: 'billing-get-subscription', entry: 'functions/billing/get-subscription.ts', access: table },
  { id: 'billing-cancel-subscription', entry: 'functions/billing/cancel-subscription.ts', access: { ...tableWrite, sendTo: ['billing-sync'] } },
  // Reading the profile writes it the first time (made on first use).
  { id: 'accounts-get-profile', entry: 'functions/accounts/get-profile.ts', access: tableWrite },
  { id: 'accounts-update-profile', entry: 'functions/accounts/update-profile.ts', access: tableWrite },
  // Reads only the event Cognito sends it.
  { id: SHOPPER_TOKEN_CLAIMS_FN, entry: 'functions/accounts/add-token-claims.ts', access: {} },
  // Verifies and queues only: the courier waits on this answer, the table work happens behind the queue.
  {
    id: 'orders-receive-courier-webhook',
    entry: 'functions/orders/receive-courier-webhook.ts',
    access: { sendTo: ['courier-webhooks'], secrets: ['courier-webhooks'] },
  },
  { id: 'orders-process-courier-webhook', entry: 'functions/orders/process-courier-webhook.ts', access: tableWrite },
  // Privacy: exports and erasures are accepted by the API and done by workers behind queues; the daily retention run.
  { id: 'personal-data-start-export', entry: 'functions/personal-data/start-export.ts', access: tableWrite },
  // Presigning the download link: the URL carries the signer's permissions, so GetObject on the exports bucket.
  { id: 'personal-data-get-export', entry: 'functions/personal-data/get-export.ts', access: { ...table, buckets: { exports: 'read' } } },
  { id: 'personal-data-erase-me', entry: 'functions/personal-data/erase-me.ts', access: tableWrite },
  { id: 'personal-data-get-erasure', entry: 'functions/personal-data/get-erasure.ts', access: table },
  { id: 'personal-data-start-customer-export', entry: 'functions/personal-data/start-customer-export.ts', access: tableWrite },
  { id: 'personal-data-get-customer-export', entry: 'functions/personal-data/get-customer-export.ts', access: { ...table, buckets: { exports: 'read' } } },
  { id: 'personal-data-erase-customer', entry: 'functions/personal-data/erase-customer.ts', access: tableWrite },
  // Builds exports and runs erasures: tells billing (billing-api), the payment provider (payment-api) and sign-in
  // (shopperIdentities: the Cognito user deleted), deletes export files.
  {
    id: 'personal-data-process-request',
    entry: 'functions/personal-data/process-request.ts',
    memoryMb: 512,
    timeoutSeconds: 120,
    access: { ...tableWrite, buckets: { exports: 'write' }, secrets: ['billing-api', 'payment-api'], shopperIdentities: 'delete' },
  },
  // Staff and API keys (admins): keys in the table (the key never, only its hash); roles in the staff pool's groups on AWS.
  { id: 'api-keys-create-api-key', entry: 'functions/api-keys/create-api-key.ts', access: { ...tableWrite, usagePlanKeys: 'manage' } },
  { id: 'api-keys-list-api-keys', entry: 'functions/api-keys/list-api-keys.ts', access: table },
  { id: 'api-keys-get-api-key', entry: 'functions/api-keys/get-api-key.ts', access: table },
  { id: 'api-keys-rotate-api-key', entry: 'functions/api-keys/rotate-api-key.ts', access: { ...tableWrite, usagePlanKeys: 'manage' } },
  { id: 'api-keys-revoke-api-key', entry: 'functions/api-keys/revoke-api-key.ts', access: { ...tableWrite, usagePlanKeys: 'manage' } },
  { id: 'staff-list-staff', entry: 'functions/staff/list-staff.ts', access: { ...table, staffIdentities: 'read' } },
  { id: 'staff-get-staff-member', entry: 'functions/staff/get-staff-member.ts', access: { ...table, staffIdentities: 'read' } },
  // Writes the audit entry (and, locally, the store of principals) beside the groups it changes.
  { id: 'staff-set-staff-roles', entry: 'functions/staff/set-staff-roles.ts', access: { ...tableWrite, staffIdentities: 'manage' } },
  { id: 'personal-data-apply-retention', entry: 'functions/personal-data/apply-retention.ts', memoryMb: 512, timeoutSeconds: 900, access: tableWrite },
  { id: 'shopping-list-lists', entry: 'functions/shopping/list-lists.ts', access: table },
  { id: 'shopping-create-list', entry: 'functions/shopping/create-list.ts', access: tableWrite },
  { id: 'shopping-get-list', entry: 'functions/shopping/get-list.ts', access: table },
  { id: 'shopping-update-list', entry: 'functions/shopping/update-list.ts', access: tableWrite },
  { id: 'shopping-delete-list', entry: 'functions/shopping/delete-list.ts', access: tableWrite },
  { id: 'shopping-get-buy-again', entry: 'functions/shopping/get-buy-again.ts', access: table },
  { id: 'shopping-reorder-into-cart', entry: 'functions/shopping/reorder-into-cart.ts', access: tableWrite },
  { id: 'accounts-list-addresses', entry: 'functions/accounts/list-addresses.ts', access: table },
  { id: 'accounts-add-address', entry: 'functions/accounts/add-address.ts', access: tableWrite },
  { id: 'accounts-update-address', entry: 'functions/accounts/update-address.ts', access: tableWrite },
  { id: 'accounts-remove-address', entry: 'functions/accounts/remove-address.ts', access: tableWrite },
  // Saved cards live at the payment provider, on the shopper's Customer; the table keeps only the Customer's id.
  { id: 'accounts-setup-payment-method', entry: 'functions/accounts/setup-payment-method.ts', access: { ...tableWrite, secrets: ['payment-api'] } },
  { id: 'accounts-list-payment-methods', entry: 'functions/accounts/list-payment-methods.ts', access: { ...table, secrets: ['payment-api'] } },
  { id: 'accounts-remove-payment-method', entry: 'functions/accounts/remove-payment-method.ts', access: { ...table, secrets: ['payment-api'] } },
  // Webhook delivery (docs/webhooks.md): an event becomes one delivery per subscribed endpoint, each sent by the sender,
  // which signs with secrets derived from the webhook-signing key and sends its own retries back to its queue.
  { id: 'webhooks-fan-out-event', entry: 'functions/webhooks/fan-out-event.ts', access: { ...tableWrite, sendTo: ['webhooks-deliveries'] } },
  {
    id: 'webhooks-send-delivery',
    entry: 'functions/webhooks/send-delivery.ts',
    // Each attempt stops at 10 s, the batch's in parallel: 30 s leaves room for the table and the queue around them.
    timeoutSeconds: 30,
    access: { ...tableWrite, sendTo: ['webhooks-deliveries'], secrets: ['webhook-signing'] },
  },
  // Webhook endpoints (admins, docs/webhooks.md): every change audited; a create and a rotation answer a signing secret,
  // derived from the webhook-signing key, once.
  { id: 'webhooks-create-endpoint', entry: 'functions/webhooks/create-endpoint.ts', access: { ...tableWrite, secrets: ['webhook-signing'] } },
  { id: 'webhooks-list-endpoints', entry: 'functions/webhooks/list-endpoints.ts', access: table },
  { id: 'webhooks-get-endpoint', entry: 'functions/webhooks/get-endpoint.ts', access: table },
  { id: 'webhooks-update-endpoint', entry: 'functions/webhooks/update-endpoint.ts', access: tableWrite },
  { id: 'webhooks-delete-endpoint', entry: 'functions/webhooks/delete-endpoint.ts', access: tableWrite },
  { id: 'webhooks-rotate-endpoint-secret', entry: 'functions/webhooks/rotate-endpoint-secret.ts', access: { ...tableWrite, secrets: ['webhook-signing'] } },
  // The delivery log (reads of the endpoint's partition) and replays, which set deliveries pending and send them to the sender.
  { id: 'webhooks-list-deliveries', entry: 'functions/webhooks/list-deliveries.ts', access: table },
  { id: 'webhooks-get-delivery', entry: 'functions/webhooks/get-delivery.ts', access: table },
  { id: 'webhooks-replay-delivery', entry: 'functions/webhooks/replay-delivery.ts', access: { ...tableWrite, sendTo: ['webhooks-deliveries'] } },
  // At most 100 deliveries a call, each an update and a message.
  { id: 'webhooks-replay-deliveries', entry: 'functions/webhooks/replay-deliveries.ts', timeoutSeconds: 60, access: { ...tableWrite, sendTo: ['webhooks-deliveries'] } },
] as const satisfies readonly WiredFunction[];
/** Every function, as the readers take them; `FunctionId` is derived from the declaration. */
export const functions: readonly FunctionSpec[] = declaredFunctions;

const staff = (scope: Scope): RouteAuth => ({ kind: 'scope', scope });
const open: RouteAuth = { kind: 'public' };
/** Shoppers' own resources: the owner is the principal's subject. */
const shopper: RouteAuth = { kind: 'scope', scope: 'cart:write' };

const declaredRoutes = [
  { method: 'GET', path: '/openapi.json', fn: 'docs-get-openapi', auth: open },
  { method: 'GET', path: '/docs', fn: 'docs-get-docs', auth: open },
  // Probes and start-up scripts poll it: one read per call, throttled like any public route.
  { method: 'GET', path: '/health', fn: 'ops-get-health', auth: open, throttle: { rate: 20, burst: 40 } },
  // The staff console's session. Public at the gateway: the session routes take the cookie (and, to change anything,
  // X-CSRF-Token) as their credential and answer 401 themselves; signing in is throttled against guessing.
  { method: 'GET', path: '/auth/sign-in-options', fn: 'auth-get-sign-in-options', auth: open, throttle: { rate: 10, burst: 20 } },
  { method: 'POST', path: '/auth/session', fn: 'auth-create-session', auth: open, throttle: { rate: 5, burst: 10 } },
  { method: 'GET', path: '/auth/session', fn: 'auth-get-session', auth: open, throttle: { rate: 20, burst: 40 } },
  { method: 'POST', path: '/auth/session/refresh', fn: 'auth-refresh-session', auth: open, throttle: { rate: 10, burst: 20 } },
  { method: 'DELETE', path: '/auth/session', fn: 'auth-delete-session', auth: open, throttle: { rate: 10, burst: 20 } },
  { method: 'GET', path: '/categories', fn: 'catalog-list-categories', auth: open },
  { method: 'POST', path: '/categories', fn: 'catalog-create-category', auth: staff('catalog:write') },
  { method: 'GET', path: '/products', fn: 'catalog-list-products', auth: open, throttle: { rate: 200, burst: 400 } },
  { method: 'POST', path: '/products', fn: 'catalog-create-product', auth: staff('catalog:write') },
  { method: 'GET', path: '/products/{id}', fn: 'catalog-get-product', auth: open, throttle: { rate: 200, burst: 400 } },
  { method: 'PATCH', path: '/products/{id}', fn: 'catalog-update-product', auth: staff('catalog:write') },
  // The console's catalog page (docs/catalog.md): the tree with retired categories, renames, moves and retirements,
  // products retired rather than deleted, and each product's price history from the audit.
  { method: 'GET', path: '/admin/categories', fn: 'catalog-list-admin-categories', auth: staff('catalog:write') },
  { method: 'PATCH', path: '/categories/{id}', fn: 'catalog-update-category', auth: staff('catalog:write') },
  { method: 'POST', path: '/categories/{id}/retire', fn: 'catalog-retire-category', auth: staff('catalog:write') },
  { method: 'POST', path: '/products/{id}/retire', fn: 'catalog-retire-product', auth: staff('catalog:write') },
  { method: 'POST', path: '/products/{id}/reinstate', fn: 'catalog-reinstate-product', auth: staff('catalog:write') },
  { method: 'GET', path: '/products/{id}/prices', fn: 'catalog-list-price-history', auth: staff('catalog:write') },
  { method: 'POST', path: '/carts', fn: 'carts-create-cart', auth: shopper },
  { method: 'GET', path: '/carts/{id}', fn: 'carts-get-cart', auth: shopper },
  { method: 'POST', path: '/carts/{id}/lines', fn: 'carts-add-cart-line', auth: shopper },
  { method: 'PATCH', path: '/carts/{id}/lines/{lineId}', fn: 'carts-update-cart-line', auth: shopper },
  { method: 'DELETE', path: '/carts/{id}/lines/{lineId}', fn: 'carts-remove-cart-line', auth: shopper },
  { method: 'POST', path: '/carts/{id}/coupons', fn: 'carts-apply-coupon', auth: shopper },
  { method: 'DELETE', path: '/carts/{id}/coupons/{code}', fn: 'carts-remove-coupon', auth: shopper },
  { method: 'PUT', path: '/carts/{id}/loyalty', fn: 'carts-redeem-loyalty', auth: shopper },
  { method: 'PUT', path: '/carts/{id}/fulfillment', fn: 'carts-choose-fulfillment', auth: shopper },
  { method: 'POST', path: '/carts/{id}/hold', fn: 'carts-hold-cart', auth: shopper },
  { method: 'DELETE', path: '/carts/{id}/hold', fn: 'carts-release-cart-hold', auth: shopper },
  {
    method: 'POST',
    path: '/products/import',
    fn: 'catalog-start-import',
    auth: staff('catalog:import'),
    throttle: { rate: 2, burst: 5 },
    maxBodyBytes: 6 * 1024 * 1024,
  },
  { method: 'POST', path: '/imports', fn: 'catalog-create-import-upload', auth: staff('catalog:import'), throttle: { rate: 2, burst: 5 } },
  { method: 'POST', path: '/imports/{id}/start', fn: 'catalog-start-uploaded-import', auth: staff('catalog:import'), throttle: { rate: 2, burst: 5 } },
  { method: 'GET', path: '/imports/{id}', fn: 'catalog-get-import', auth: staff('catalog:import') },
  { method: 'GET', path: '/stores/{id}/slots', fn: 'fulfillment-list-slots', auth: open, throttle: { rate: 100, burst: 200 } },
  { method: 'GET', path: '/stores', fn: 'stores-list-stores', auth: open },
  { method: 'GET', path: '/stores/{id}', fn: 'stores-get-store', auth: open },
  { method: 'POST', path: '/inventory/adjustments', fn: 'inventory-adjust-stock', auth: staff('inventory:write') },
  { method: 'GET', path: '/inventory/{sku}', fn: 'inventory-get-stock', auth: staff('inventory:read') },
  { method: 'GET', path: '/inventory/{sku}/adjustments', fn: 'inventory-list-adjustments', auth: staff('inventory:read') },
  { method: 'GET', path: '/stores/{id}/stock', fn: 'inventory-list-store-stock', auth: staff('inventory:read') },
  { method: 'GET', path: '/search', fn: 'search-search-products', auth: open, throttle: { rate: 200, burst: 400 } },
  { method: 'GET', path: '/products/{id}/recommendations', fn: 'search-get-recommendations', auth: open, throttle: { rate: 100, burst: 200 } },
  {
    method: 'POST',
    path: '/products/{id}/images',
    fn: 'catalog-upload-product-image',
    auth: staff('catalog:write'),
    throttle: { rate: 5, burst: 10 },
    maxBodyBytes: 6 * 1024 * 1024,
  },
  { method: 'POST', path: '/promotions', fn: 'promotions-create-promotion', auth: staff('promotions:write') },
  { method: 'GET', path: '/promotions', fn: 'promotions-list-promotions', auth: staff('promotions:write') },
  { method: 'GET', path: '/promotions/{id}', fn: 'promotions-get-promotion', auth: staff('promotions:write') },
  { method: 'PATCH', path: '/promotions/{id}', fn: 'promotions-update-promotion', auth: staff('promotions:write') },
  { method: 'GET', path: '/loyalty', fn: 'loyalty-get-loyalty', auth: staff('cart:write') },
  { method: 'GET', path: '/orders', fn: 'orders-list-orders', auth: staff('orders:read') },
  { method: 'GET', path: '/orders/{id}', fn: 'orders-get-order', auth: staff('orders:read') },
  { method: 'POST', path: '/orders', fn: 'orders-create-order', auth: staff('orders:write') },
  { method: 'POST', path: '/orders/{id}/refunds', fn: 'orders-refund-order', auth: staff('orders:refund') },
  // A shopper returns lines of their own order (staff who may change orders, at the desk, for them); staff of its store
  // receive the goods (orders:write) and inspect them (orders:refund: the inspection refunds).
  { method: 'POST', path: '/orders/{id}/returns', fn: 'orders-request-return', auth: staff('orders:read') },
  { method: 'GET', path: '/orders/{id}/returns', fn: 'orders-list-returns', auth: staff('orders:read') },
  { method: 'GET', path: '/orders/{id}/returns/{returnId}', fn: 'orders-get-return', auth: staff('orders:read') },
  { method: 'POST', path: '/orders/{id}/returns/{returnId}/receive', fn: 'orders-receive-return', auth: staff('orders:write') },
  { method: 'POST', path: '/orders/{id}/returns/{returnId}/inspect', fn: 'orders-inspect-return', auth: staff('orders:refund') },
  { method: 'GET', path: '/tax-rates', fn: 'tax-get-tax-rates', auth: staff('admin') },
  { method: 'PUT', path: '/tax-rates', fn: 'tax-replace-tax-rates', auth: staff('admin') },
  { method: 'GET', path: '/reports/reconciliation', fn: 'billing-get-reconciliation-report', auth: staff('reports:read') },
  { method: 'GET', path: '/reports/sales', fn: 'reports-get-sales-report', auth: staff('store-reports:read') },
  { method: 'GET', path: '/reports/refunds', fn: 'reports-get-refunds-report', auth: staff('store-reports:read') },
  { method: 'GET', path: '/reports/tax', fn: 'reports-get-tax-report', auth: staff('store-reports:read') },
  { method: 'GET', path: '/audit', fn: 'audit-list-audit', auth: staff('audit:read') },
  { method: 'POST', path: '/checkout', fn: 'checkout-start-checkout', auth: shopper, throttle: { rate: 50, burst: 200 } },
  { method: 'POST', path: '/orders/{id}/pick', fn: 'orders-record-pick', auth: staff('orders:pick') },
  // The shopper answers a substitute proposed for a line of their own order.
  { method: 'POST', path: '/orders/{id}/substitutions/{lineId}', fn: 'orders-decide-substitution', auth: shopper },
  // A shopper cancels their own order before picking; staff (orders:write) any order not yet completed.
  { method: 'POST', path: '/orders/{id}/cancel', fn: 'orders-cancel-order', auth: staff('orders:read') },
  // After picking, by the store's staff (pickers and store managers); another store's order is a 404.
  { method: 'POST', path: '/orders/{id}/pack', fn: 'orders-pack-order', auth: staff('orders:pick') },
  { method: 'POST', path: '/orders/{id}/shipments', fn: 'orders-dispatch-shipment', auth: staff('orders:pick') },
  { method: 'POST', path: '/orders/{id}/shipments/{shipmentId}/events', fn: 'orders-record-shipment-event', auth: staff('orders:pick') },
  { method: 'POST', path: '/orders/{id}/collection', fn: 'orders-ready-for-collection', auth: staff('orders:pick') },
  { method: 'POST', path: '/orders/{id}/collection/handover', fn: 'orders-hand-over-order', auth: staff('orders:pick') },
  // Stripe authenticates by Stripe-Signature, which the handler checks; our authorizer has nothing to check.
  { method: 'POST', path: '/webhooks/payments', fn: 'payments-receive-webhook', auth: open, throttle: { rate: 50, burst: 100 } },
  { method: 'GET', path: '/admin/queues', fn: 'ops-list-queues', auth: staff('admin') },
  { method: 'POST', path: '/admin/queues/{id}/redrive', fn: 'ops-redrive-queue', auth: staff('admin'), throttle: { rate: 1, burst: 2 } },
  // Admins only: API keys for integrations (each answered once) and staff roles; every change audited.
  { method: 'POST', path: '/api-keys', fn: 'api-keys-create-api-key', auth: staff('admin'), throttle: { rate: 2, burst: 5 } },
  { method: 'GET', path: '/api-keys', fn: 'api-keys-list-api-keys', auth: staff('admin') },
  { method: 'GET', path: '/api-keys/{id}', fn: 'api-keys-get-api-key', auth: staff('admin') },
  { method: 'POST', path: '/api-keys/{id}/rotate', fn: 'api-keys-rotate-api-key', auth: staff('admin'), throttle: { rate: 2, burst: 5 } },
  { method: 'POST', path: '/api-keys/{id}/revoke', fn: 'api-keys-revoke-api-key', auth: staff('admin') },
  { method: 'GET', path: '/staff', fn: 'staff-list-staff', auth: staff('admin') },
  { method: 'GET', path: '/staff/{subject}', fn: 'staff-get-staff-member', auth: staff('admin') },
  { method: 'PUT', path: '/staff/{subject}/roles', fn: 'staff-set-staff-roles', auth: staff('admin') },
  // The billing system authenticates by Billing-Signature, which the handler checks.
  { method: 'POST', path: '/webhooks/billing', fn: 'billing-receive-webhook', auth: open, throttle: { rate: 50, burst: 100 } },
  { method: 'POST', path: '/subscriptions', fn: 'billing-create-subscription', auth: shopper },
  { method: 'GET', path: '/subscriptions/{id}', fn: 'billing-get-subscription', auth: shopper },
  // A POST, not a DELETE: the pass is not removed, it runs to the end of its paid period and stays readable.
  { method: 'POST', path: '/subscriptions/{id}/cancel', fn: 'billing-cancel-subscription', auth: shopper },
  // The caller's own profile: no shopper id in the path, the owner is the principal's subject; shoppers only.
  { method: 'GET', path: '/me', fn: 'accounts-get-profile', auth: staff('account:read') },
  { method: 'PATCH', path: '/me', fn: 'accounts-update-profile', auth: staff('account:write') },
  // The courier authenticates by Courier-Signature, which the handler checks.
  { method: 'POST', path: '/webhooks/orders', fn: 'orders-receive-courier-webhook', auth: open, throttle: { rate: 50, burst: 100 } },
  // The caller's own personal data: an export (each one reads everything they have, so slowly), and erasure.
  { method: 'POST', path: '/me/exports', fn: 'personal-data-start-export', auth: staff('account:write'), throttle: { rate: 1, burst: 5 } },
  { method: 'GET', path: '/me/exports/{id}', fn: 'personal-data-get-export', auth: staff('account:read') },
  { method: 'DELETE', path: '/me', fn: 'personal-data-erase-me', auth: staff('account:write'), throttle: { rate: 1, burst: 5 } },
  { method: 'GET', path: '/me/erasure', fn: 'personal-data-get-erasure', auth: staff('account:read') },
  // Customer service, for a customer who asked by phone or letter: every request audited with its reason. Asking for the
  // erasure again answers its progress (and audits nothing more), so it needs no GET of its own.
  { method: 'POST', path: '/customers/{shopperId}/exports', fn: 'personal-data-start-customer-export', auth: staff('customers:privacy') },
  { method: 'GET', path: '/customers/{shopperId}/exports/{id}', fn: 'personal-data-get-customer-export', auth: staff('customers:privacy') },
  { method: 'POST', path: '/customers/{shopperId}/erasure', fn: 'personal-data-erase-customer', auth: staff('customers:privacy') },
  // The caller's own shopping lists: no shopper id in the path, the owner is the principal's subject.
  { method: 'GET', path: '/me/lists', fn: 'shopping-list-lists', auth: staff('account:read') },
  { method: 'POST', path: '/me/lists', fn: 'shopping-create-list', auth: staff('account:write') },
  { method: 'GET', path: '/me/lists/{id}', fn: 'shopping-get-list', auth: staff('account:read') },
  { method: 'PATCH', path: '/me/lists/{id}', fn: 'shopping-update-list', auth: staff('account:write') },
  { method: 'DELETE', path: '/me/lists/{id}', fn: 'shopping-delete-list', auth: staff('account:write') },
  { method: 'GET', path: '/me/buy-again', fn: 'shopping-get-buy-again', auth: staff('account:read') },
  // A past order of the caller's into one of their carts: a change of the cart, so the cart's scope.
  { method: 'POST', path: '/carts/{id}/reorder', fn: 'shopping-reorder-into-cart', auth: shopper },
  { method: 'GET', path: '/me/addresses', fn: 'accounts-list-addresses', auth: staff('account:read') },
  { method: 'POST', path: '/me/addresses', fn: 'accounts-add-address', auth: staff('account:write') },
  { method: 'PATCH', path: '/me/addresses/{id}', fn: 'accounts-update-address', auth: staff('account:write') },
  { method: 'DELETE', path: '/me/addresses/{id}', fn: 'accounts-remove-address', auth: staff('account:write') },
  { method: 'POST', path: '/me/payment-methods/setup', fn: 'accounts-setup-payment-method', auth: staff('account:write') },
  { method: 'GET', path: '/me/payment-methods', fn: 'accounts-list-payment-methods', auth: staff('account:read') },
  { method: 'DELETE', path: '/me/payment-methods/{id}', fn: 'accounts-remove-payment-method', auth: staff('account:write') },
  // Integrators' webhook endpoints, chain-wide, for admins: each change audited; the signing secret answered once.
  { method: 'POST', path: '/webhook-endpoints', fn: 'webhooks-create-endpoint', auth: staff('webhooks:manage'), throttle: { rate: 2, burst: 5 } },
  { method: 'GET', path: '/webhook-endpoints', fn: 'webhooks-list-endpoints', auth: staff('webhooks:manage') },
  { method: 'GET', path: '/webhook-endpoints/{id}', fn: 'webhooks-get-endpoint', auth: staff('webhooks:manage') },
  { method: 'PATCH', path: '/webhook-endpoints/{id}', fn: 'webhooks-update-endpoint', auth: staff('webhooks:manage') },
  { method: 'DELETE', path: '/webhook-endpoints/{id}', fn: 'webhooks-delete-endpoint', auth: staff('webhooks:manage') },
  {
    method: 'POST',
    path: '/webhook-endpoints/{id}/rotate-secret',
    fn: 'webhooks-rotate-endpoint-secret',
    auth: staff('webhooks:manage'),
    throttle: { rate: 2, burst: 5 },
  },
  { method: 'GET', path: '/webhook-endpoints/{id}/deliveries', fn: 'webhooks-list-deliveries', auth: staff('webhooks:manage') },
  { method: 'GET', path: '/webhook-endpoints/{id}/deliveries/{deliveryId}', fn: 'webhooks-get-delivery', auth: staff('webhooks:manage') },
  {
    method: 'POST',
    path: '/webhook-endpoints/{id}/deliveries/{deliveryId}/replay',
    fn: 'webhooks-replay-delivery',
    auth: staff('webhooks:manage'),
    throttle: { rate: 5, burst: 10 },
  },
  { method: 'POST', path: '/webhook-endpoints/{id}/replay', fn: 'webhooks-replay-deliveries', auth: staff('webhooks:manage'), throttle: { rate: 1, burst: 2 } },
] as const satisfies readonly WiredRoute[];
/** Every route, as the readers take them. */
export const routes: readonly RouteSpec[] = declaredRoutes;

const declaredQueues = [
  { id: 'catalog-import', consumer: 'catalog-process-import', batchSize: 1, visibilityTimeoutSeconds: 5400, maxReceiveCount: 3 },
  { id: 'carts-expired-holds', consumer: 'carts-reopen-expired-hold', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  {
    id: 'catalog-thumbnails',
    consumer: 'catalog-generate-thumbnails',
    batchSize: 5,
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
  },
  { id: 'search-changes', consumer: 'search-record-search-change', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  { id: 'search-order-history', consumer: 'search-record-order-history', batchSize: 5, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  { id: 'loyalty-earn', consumer: 'loyalty-earn-points', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  // A refund that overtook its order's points (order.completed still on its way) fails until they land; 8 receives give it time.
  { id: 'loyalty-refunds', consumer: 'loyalty-take-back-points', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 8 },
  { id: 'carts-order-holds', consumer: 'carts-release-order-hold', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  // A refund that overtook its intent's first event fails until that event lands; 8 receives give it time.
  { id: 'payments-webhooks', consumer: 'payments-process-webhook', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 8 },
  // A billing outage outlasting a record's own retries is ridden out by 5 receives, then parked for `npm run dlq:redrive`.
  { id: 'billing-sync', consumer: 'billing-sync-invoice', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  // An invoice paid before the billing-sync worker stored its mapping fails until it is there; 8 receives give it time.
  { id: 'billing-webhooks', consumer: 'billing-process-webhook', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 8 },
  // A tracking event that overtook the dispatch it reports on (the courier answered the booking first) fails until that commits.
  { id: 'courier-webhooks', consumer: 'orders-process-courier-webhook', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 8 },
  // One export or erasure per message: each reads (or rewrites) all of one shopper's data. An erasure that meets an order
  // gone into flight since it was accepted fails until the order settles; 8 receives give it time, then the DLQ.
  { id: 'personal-data-requests', consumer: 'personal-data-process-request', batchSize: 1, visibilityTimeoutSeconds: 720, maxReceiveCount: 8 },
  // Sales and refunds into the report totals: each is one small transaction, so failures are throttling or an outage; 8 receives ride it out.
  { id: 'reports-totals', consumer: 'reports-record-totals', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 8 },
  // Webhooks: events to fan out, then one message per attempt. An endpoint failing never fails a message (the sender
  // schedules its own retries), so a message failing 5 times is our fault (the table, the queue, a bug): the DLQ.
  { id: 'webhooks-fan-out', consumer: 'webhooks-fan-out-event', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  { id: 'webhooks-deliveries', consumer: 'webhooks-send-delivery', batchSize: 10, visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
] as const satisfies readonly WiredQueue[];
/** Every queue, as the readers take them; `QueueId` is derived from the declaration. */
export const queues: readonly QueueSpec[] = declaredQueues;

const declaredRules = [
  {
    // A basket hold that ran out: its stock is back on the shelf, the cart and its slot are reopened.
    id: 'stock-released-to-carts',
    events: [stockReleasedV1],
    target: { queue: 'carts-expired-holds' },
  },
  {
    id: 'product-image-uploaded-to-thumbnails',
    events: [productImageUploadedV1],
    target: { queue: 'catalog-thumbnails' },
  },
  {
    id: 'catalog-changes-to-search',
    events: [productCreatedV1, productUpdatedV1, productPriceChangedV1, categoryCreatedV1],
    target: { queue: 'search-changes' },
  },
  {
    id: 'stock-changes-to-search',
    events: [stockAdjustedV1, stockReservedV1, stockReleasedV1],
    target: { queue: 'search-changes' },
  },
  {
    id: 'order-completed-to-recommendations',
    events: [orderCompletedV1],
    target: { queue: 'search-order-history' },
  },
  {
    id: 'order-completed-to-loyalty',
    events: [orderCompletedV1],
    target: { queue: 'loyalty-earn' },
  },
  {
    // Every status change: the worker takes back points on refunds and ignores the rest.
    id: 'order-status-changed-to-loyalty',
    events: [orderStatusChangedV1],
    target: { queue: 'loyalty-refunds' },
  },
  {
    // Every status change: a checkout's reservation stops counting towards its shopper's hold limits once paid or ended.
    id: 'order-status-changed-to-carts',
    events: [orderStatusChangedV1],
    target: { queue: 'carts-order-holds' },
  },
  {
    id: 'order-completed-to-billing',
    events: [orderCompletedV1],
    target: { queue: 'billing-sync' },
  },
  {
    // Every status change (wiring patterns match source and detail-type only): the worker ignores all but refunds.
    id: 'order-status-changed-to-billing',
    events: [orderStatusChangedV1],
    target: { queue: 'billing-sync' },
  },
  {
    id: 'sales-and-refunds-to-reports',
    events: [orderCompletedV1, orderRefundedV1],
    target: { queue: 'reports-totals' },
  },
  {
    id: 'personal-data-requests-to-worker',
    events: [exportRequestedV1, erasureRequestedV1],
    target: { queue: 'personal-data-requests' },
  },
  {
    // Every event a webhook endpoint may subscribe to; the fan-out finds who did.
    id: 'events-to-webhooks',
    events: SUBSCRIBABLE_EVENTS,
    target: { queue: 'webhooks-fan-out' },
  },
] as const satisfies readonly WiredRule[];
/** Every event rule, as the readers take them. */
export const rules: readonly RuleSpec[] = declaredRules;

const declaredStreams = [
  {
    // The transactional outbox: an event item written with its change reaches the bus through here.
    id: 'outbox-relay',
    consumer: 'events-relay-outbox',
    filter: OUTBOX_STREAM_FILTER,
    batchSize: 100,
    // A record that still fails after this is malformed, not unlucky: park it so the events behind it flow.
    retryAttempts: 10,
    maxRecordAgeSeconds: 6 * 60 * 60,
    bisectOnError: true,
  },
] as const satisfies readonly WiredStream[];
/** Every table stream consumer, as the readers take them. */
export const streams: readonly StreamSpec[] = declaredStreams;

const declaredSchedules = [
  {
    // Expired holds go back on sale within a minute; each release is conditional, so overlapping runs are harmless.
    id: 'inventory-sweep-reservations',
    expression: 'cron(* * * * ? *)',
    timezone: 'UTC',
    target: { fn: 'inventory-sweep-reservations', input: {} },
  },
  {
    // Keeps a rolling week per store; runs are idempotent, so the hour only decides when a store's seventh day appears.
    id: 'fulfillment-generate-slots',
    expression: 'cron(0 2 * * ? *)',
    timezone: 'UTC',
    target: { fn: 'fulfillment-generate-slots', input: {} },
  },
  {
    // A fresh build from the table every quarter hour; warm search functions stay fresher through the change feed.
    id: 'search-write-index-snapshot',
    expression: 'cron(0/15 * * * ? *)',
    timezone: 'UTC',
    target: { fn: 'search-write-index-snapshot', input: {} },
  },
  {
    // Yesterday (UTC) once the night's late invoices and payments are in; London time, so it stays after midnight UTC all year.
    id: 'billing-reconcile-day',
    expression: 'cron(30 2 * * ? *)',
    timezone: 'Europe/London',
    target: { fn: 'billing-reconcile-day', input: {} },
  },
  {
    // Daily, in the quiet of the night: what is past its jurisdiction's retention period goes; a rerun deletes nothing more.
    id: 'personal-data-apply-retention',
    expression: 'cron(15 3 * * ? *)',
    timezone: 'Europe/London',
    target: { fn: 'personal-data-apply-retention', input: {} },
  },
] as const satisfies readonly WiredSchedule[];
/** Every schedule, as the readers take them. */
export const schedules: readonly ScheduleSpec[] = declaredSchedules;

const declaredStateMachines = [
  // Reserve → authorize (3-D Secure by task token) → confirm → capture now or after picking → commit stock → complete.
  { id: 'checkout', definition: 'infra/workflows/checkout.asl.json' },
] as const satisfies readonly StateMachineSpec[];
/** Every state machine, as the readers take them; `StateMachineId` is derived from the declaration. */
export const stateMachines: readonly StateMachineSpec[] = declaredStateMachines;

/** A function's id: a route, queue, stream or schedule naming one not declared in `functions` fails to compile. */
export type FunctionId = (typeof declaredFunctions)[number]['id'];
/** A queue's id: a rule, a `sendTo` or `config.queueUrl` naming one not declared in `queues` fails to compile. */
export type QueueId = (typeof declaredQueues)[number]['id'];
/** A state machine's id: an `access.workflows` key or `config.stateMachineArn` naming an undeclared one fails to compile. */
export type StateMachineId = (typeof declaredStateMachines)[number]['id'];
/** The entity types the stream consumers filter on: `test/unit/wiring/typed-ids.test.ts` checks them against `EntityType`. */
export type StreamEntityType = (typeof declaredStreams)[number]['filter']['entityTypes'][number];

/**
 * Every `sendTo` names a declared queue. Checked here rather than in `functions`' own type: queues name their consumers,
 * so the functions' type would need the queues' ids and the queues' type the functions' (a circular initializer).
 */
export type SendToIdsOf<F extends readonly { access: Access }[]> = F[number]['access'] extends infer A
  ? A extends { sendTo: readonly (infer Q)[] }
    ? Q
    : never
  : never;
/** `Id`, which must be one of `Known`. */
export type Declared<Id extends Known, Known> = Id;
export type SendToQueueId = Declared<SendToIdsOf<typeof declaredFunctions>, QueueId>;

/** All of the wiring, as the CDK app (`SmartShelfStack`) and the local runtime (`startPlatform`) take it. */
export interface Wiring {
  functions: readonly FunctionSpec[];
  routes: readonly RouteSpec[];
  queues: readonly QueueSpec[];
  rules: readonly RuleSpec[];
  streams: readonly StreamSpec[];
  schedules: readonly ScheduleSpec[];
  stateMachines: readonly StateMachineSpec[];
  secrets: readonly SecretSpec[];
}

/** SmartShelf's wiring, whole. */
export const wiring: Wiring = { functions, routes, queues, rules, streams, schedules, stateMachines, secrets };

/** Content types API Gateway hands to functions base64-encoded, byte for byte: uploads. */
export const BINARY_MEDIA_TYPES: readonly string[] = ['multipart/form-data', 'image/*'];

/** Default body limit for routes that do not set one: API Gateway's own is 10 MB, ours is tighter. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** Looks a function up by id, failing loudly on a typo in the description. */
export function functionById(id: string): FunctionSpec {
  const spec = functions.find((f) => f.id === id);
  if (!spec) throw new Error(`wiring: no function with id ${id}`);
  return spec;
}
