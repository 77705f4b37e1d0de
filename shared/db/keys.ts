/**
 * Every key shape in SmartShelf's single table, in one place. `docs/data-model.md` lists the
 * access pattern each one serves; the CDK table construct and the local migrations import the
 * attribute and index names from here, so the table and the code cannot disagree.
 */

import { createHash } from 'node:crypto';

export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** Global secondary indexes: generic overloaded attributes, as in the single-table examples we follow. */
export const INDEXES = {
  gsi1: { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' },
  gsi2: { name: 'gsi2', partition: 'gsi2pk', sort: 'gsi2sk' },
} as const;

/** How many partitions the shoppers' activity index spreads over, so a day's first visits are not one partition's writes. */
export const ACTIVITY_SHARDS = 8;

/** The activity shard of a shopper: a hash of their id, so their entry only ever moves along its sort key. */
export function activityShard(shopperId: string): number {
  return createHash('sha256').update(shopperId).digest().readUInt32BE(0) % ACTIVITY_SHARDS;
}

/** The activity index's partition for one shard (`keys.shopperActivity`), which the retention job queries shard by shard. */
export const activityPartition = (shard: number): string => `SHOPPER_ACTIVITY#${shard}`;

/** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

export interface Key {
  pk: string;
  sk: string;
}

/** Every entity type stored in the table; items carry it as `entityType`. */
export type EntityType =
  | 'Category'
  | 'CategoryPath'
  | 'Product'
  | 'SkuClaim'
  | 'ImportJob'
  | 'ImportRowError'
  | 'AuditEntry'
  | 'ApiClient'
  | 'ApiKey'
  | 'StaffPrincipal'
  | 'Migration'
  | 'IdempotencyRecord'
  | 'OutboxEvent'
  | 'Store'
  | 'Stock'
  | 'Reservation'
  | 'Slot'
  | 'Cart'
  | 'Promotion'
  | 'CouponCode'
  | 'PromotionUsage'
  | 'LoyaltyAccount'
  | 'LoyaltyEntry'
  | 'TaxRates'
  | 'SearchChange'
  | 'ProductSales'
  | 'CoPurchase'
  | 'ProcessedEvent'
  | 'Order'
  | 'PosReferenceClaim'
  | 'Subscription'
  | 'SubscriptionRef'
  | 'BillingCustomer'
  | 'BillingCustomerRef'
  | 'BillingInvoice'
  | 'InvoiceRef'
  | 'BillingCreditNote'
  | 'CreditNoteRef'
  | 'ReconciliationReport'
  | 'ReconciliationAction'
  | 'RateWindow'
  | 'HoldLimits'
  | 'HoldClaim'
  | 'LoyaltyIdClaim'
  | 'LoyaltyClawback'
  | 'ShopperProfile'
  | 'ShopperAddress'
  | 'ShopperAddressBook'
  | 'ShoppingList'
  | 'ShoppingListCount'
  | 'PersonalDataExport'
  | 'PersonalDataExportLock'
  | 'PersonalDataErasure'
  | 'WebhookEndpoint'
  | 'WebhookSubscription'
  | 'WebhookDelivery'
  | 'WebhookAttempt';

/** The partition of one entity's audit entries. */
const auditPartition = (entity: string, entityId: string): string => `AUDIT#${entity}#${entityId}`;
/** gsi1's partition of one UTC day's audit log (`yyyy-mm-dd`). */
const auditDayPartition = (day: string): string => `AUDIT#${day}`;
/** gsi2's partition of everything one actor did. */
const auditActorPartition = (actor: string): string => `AUDIT_ACTOR#${actor}`;
/** The partition of one UTC day's books (`yyyy-mm-dd`). */
const booksPartition = (day: string): string => `BOOKS#${day}`;
/** gsi1's one partition of every API key's record. */
const API_KEYS_PARTITION = 'APIKEYS';
/** gsi1's one partition of every locally managed member of staff. */
const STAFF_PARTITION = 'STAFF';

/** gsi1's one partition of every webhook endpoint. */
const WEBHOOK_ENDPOINTS_PARTITION = 'WEBHOOK_ENDPOINTS';

export const keys = {
  category: (id: string): Key => ({ pk: `CATEGORY#${id}`, sk: 'CATEGORY' }),
  /** gsi1: every category, ordered by materialized path so that a subtree is one `begins_with`. */
  categoryTree: (path: string) => ({ gsi1pk: 'CATEGORIES', gsi1sk: path }),
  /** Claims a category path so two categories can never share one. */
  categoryPath: (path: string): Key => ({ pk: `CATEGORY_PATH#${path}`, sk: 'CATEGORY_PATH' }),

  product: (id: string): Key => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' }),
  /** gsi1: products ordered by category path then id, so a category and its descendants are one query. */
  productListing: (categoryPath: string, productId: string) => ({
    gsi1pk: 'PRODUCTS',
    gsi1sk: `${categoryPath}#${productId}`,
  }),
  /** Claims a SKU for one product: uniqueness across the catalog and lookup by SKU. */
  sku: (sku: string): Key => ({ pk: `SKU#${sku}`, sk: 'SKU' }),

  importJob: (id: string): Key => ({ pk: `IMPORT#${id}`, sk: 'IMPORT' }),
  importRowError: (jobId: string, row: number): Key => ({
    pk: `IMPORT#${jobId}`,
    sk: `ERROR#${String(row).padStart(9, '0')}`,
  }),

  /** Audit entries of one entity, newest last. */
  audit: (entity: string, entityId: string, at: string, id: string): Key => ({
    pk: auditPartition(entity, entityId),
    sk: `AT#${at}#${id}`,
  }),
  auditPartition,
  /** gsi1: the whole audit log of one day, in time order. */
  auditByDay: (at: string, id: string) => ({ gsi1pk: auditDayPartition(at.slice(0, 10)), gsi1sk: `${at}#${id}` }),
  auditDayPartition,
  /** gsi2 (audit schema version 2 on): everything one actor (a person, an API key, a job) did, in time order. */
  auditByActor: (actor: string, at: string, id: string) => ({ gsi2pk: auditActorPartition(actor), gsi2sk: `${at}#${id}` }),
  auditActorPartition,

  /** An integration's API key, stored only as its SHA-256. */
  apiClient: (keyHash: string): Key => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }),
  /** An API key's record by its id (name, roles, scopes, stores, status, the hashes it answers to); never the key itself. */
  apiKey: (id: string): Key => ({ pk: `APIKEY_ID#${id}`, sk: 'APIKEY_ID' }),
  /** gsi1: every API key by creation time, for the console's list (tens of keys, one partition). */
  apiKeysByCreation: (createdAt: string, id: string) => ({ gsi1pk: API_KEYS_PARTITION, gsi1sk: `${createdAt}#${id}` }),
  apiKeysPartition: API_KEYS_PARTITION,
  /** A member of staff's roles and stores in the local store of principals (on AWS: Cognito groups instead). */
  staffPrincipal: (subject: string): Key => ({ pk: `STAFF#${subject}`, sk: 'STAFF' }),
  /** gsi1: every locally managed member of staff, by subject. */
  staffBySubject: (subject: string) => ({ gsi1pk: STAFF_PARTITION, gsi1sk: subject }),
  staffPartition: STAFF_PARTITION,
  /** A staff console session, keyed by the SHA-256 of its id (the id itself is only in the browser's cookie). */
  staffSession: (sessionHash: string): Key => ({ pk: `SESSION#${sessionHash}`, sk: 'SESSION' }),

  migration: (version: string): Key => ({ pk: 'MIGRATION', sk: version }),

  /** An event written in the same transaction as the change it reports; the stream relay puts it on the bus. */
  outboxEvent: (eventId: string): Key => ({ pk: `OUTBOX#${eventId}`, sk: 'OUTBOX' }),
  /** Marks an event (or message) id as applied by one consumer, so a redelivery is a no-op. */
  processedEvent: (consumer: string, eventId: string): Key => ({ pk: `PROCESSED#${consumer}#${eventId}`, sk: 'PROCESSED' }),

  store: (storeId: string): Key => ({ pk: `STORE#${storeId}`, sk: 'STORE' }),
  /** gsi1: every store, by id. */
  storeListing: (storeId: string) => ({ gsi1pk: 'STORES', gsi1sk: storeId }),
  /** A delivery or pickup slot, in its store's partition so that a day's slots are one query. */
  slot: (storeId: string, startsAt: string, mode: string): Key => ({ pk: `STORE#${storeId}`, sk: `SLOT#${startsAt}#${mode}` }),

  /** Stock of one SKU at one store; every store's stock of a SKU is one query. */
  stock: (sku: string, storeId: string): Key => ({ pk: `STOCK#${sku}`, sk: `STORE#${storeId}` }),
  /** gsi1: all stock at one store by SKU (index builds, stock takes). */
  stockByStore: (storeId: string, sku: string) => ({ gsi1pk: `STORE_STOCK#${storeId}`, gsi1sk: sku }),
  reservation: (reservationId: string): Key => ({ pk: `RESERVATION#${reservationId}`, sk: 'RESERVATION' }),
  /** gsi2, sparse: held reservations by the hour their hold ends, for the sweeper; removed on release or commit. */
  reservationHold: (holdUntil: string, reservationId: string) => ({
    gsi2pk: `HOLDS#${holdUntil.slice(0, 13)}`,
    gsi2sk: `${holdUntil}#${reservationId}`,
  }),

  /**
   * What one shopper holds at one store across their basket holds and checkouts awaiting payment: `active` holds and,
   * per SKU, the quantity held (attribute `q#<sku>`), moved with `ADD` under the limits as conditions.
   */
  holdLimits: (shopperId: string, storeId: string): Key => ({ pk: `HOLD_LIMITS#${shopperId}#${storeId}`, sk: 'HOLD_LIMITS' }),
  /** What one hold (a cart's reservation, or an order's) counted into its shopper's hold limits; deleted once, when the hold ends. */
  holdClaim: (reservationId: string): Key => ({ pk: `HOLD_CLAIM#${reservationId}`, sk: 'HOLD_CLAIM' }),

  cart: (cartId: string): Key => ({ pk: `CART#${cartId}`, sk: 'CART' }),
  /** gsi1: a shopper's carts, most recently updated last. */
  cartsByShopper: (shopperId: string, updatedAt: string) => ({ gsi1pk: `SHOPPER#${shopperId}#CARTS`, gsi1sk: updatedAt }),

  promotion: (promotionId: string): Key => ({ pk: `PROMOTION#${promotionId}`, sk: 'PROMOTION' }),
  /** gsi1: every promotion by start time, for loading those that apply now. */
  promotionListing: (startsAt: string, promotionId: string) => ({ gsi1pk: 'PROMOTIONS', gsi1sk: `${startsAt}#${promotionId}` }),
  /** Claims a coupon code (upper-cased) for one promotion: uniqueness and lookup by code. */
  couponCode: (code: string): Key => ({ pk: `COUPON#${code.toUpperCase()}`, sk: 'COUPON' }),
  /** How often one shopper has redeemed one promotion, for per-shopper limits. */
  promotionUsage: (promotionId: string, shopperId: string): Key => ({ pk: `PROMOTION#${promotionId}`, sk: `USAGE#${shopperId}` }),

  loyaltyAccount: (shopperId: string): Key => ({ pk: `LOYALTY#${shopperId}`, sk: 'ACCOUNT' }),
  /** One earn or redeem entry in a shopper's points ledger, oldest first. */
  loyaltyEntry: (shopperId: string, at: string, entryId: string): Key => ({ pk: `LOYALTY#${shopperId}`, sk: `ENTRY#${at}#${entryId}` }),

  /** What one order's refund took back of the points it earned, in the shopper's loyalty partition; moves only forward. */
  loyaltyClawback: (shopperId: string, orderId: string): Key => ({ pk: `LOYALTY#${shopperId}`, sk: `CLAWBACK#${orderId}` }),
  /** Claims a loyalty identifier (the code a till scans) for one shopper: uniqueness and lookup by identifier. */
  loyaltyId: (loyaltyId: string): Key => ({ pk: `LOYALTY_ID#${loyaltyId}`, sk: 'LOYALTY_ID' }),

  /** The current tax rate table (rates are data, edited without a release). */
  taxRates: (): Key => ({ pk: 'CONFIG#TAX_RATES', sk: 'CURRENT' }),

  /** gsi1: the search index's change feed, applied on top of the latest snapshot. */
  searchChange: (at: string, changeId: string): Key & { gsi1pk: string; gsi1sk: string } => ({
    pk: `SEARCH_CHANGE#${changeId}`,
    sk: 'SEARCH_CHANGE',
    gsi1pk: 'SEARCH_CHANGES',
    gsi1sk: `${at}#${changeId}`,
  }),
  /** Units of one product sold in completed orders, for "popular in this category". */
  productSales: (productId: string): Key => ({ pk: `PRODUCT#${productId}`, sk: 'SALES' }),
  /** How often two products were bought in one order, for "frequently bought together". */
  coPurchase: (productId: string, otherProductId: string): Key => ({ pk: `COPURCHASE#${productId}`, sk: `WITH#${otherProductId}` }),

  order: (orderId: string): Key => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' }),
  /** gsi1: a shopper's orders in creation order (ULIDs break ties), read newest first. */
  ordersByShopper: (shopperId: string, createdAt: string, orderId: string) => ({
    gsi1pk: `SHOPPER#${shopperId}#ORDERS`,
    gsi1sk: `${createdAt}#${orderId}`,
  }),
  /** gsi2: a store's orders of one UTC day, by status then time, so "this store, this day, this status" is one `begins_with`. */
  ordersByStoreDay: (storeId: string, createdAt: string, status: string, orderId: string) => ({
    gsi2pk: `STORE_ORDERS#${storeId}#${createdAt.slice(0, 10)}`,
    gsi2sk: `${status}#${createdAt}#${orderId}`,
  }),
  /**
   * The books of one UTC day: every sale (an order completed) and every refund, written in the same transaction as the
   * order's change. Invoicing works from the events; the nightly reconciliation reads this partition as what we owe.
   */
  financialRecord: (day: string, kind: 'SALE' | 'REFUND', ref: string): Key => ({ pk: booksPartition(day), sk: `${kind}#${ref}` }),
  booksPartition,
  /** A refund request recorded as done, in the order's partition: the same request is never recorded (or refunded) twice. */
  orderRefund: (orderId: string, refundKey: string): Key => ({ pk: `ORDER#${orderId}`, sk: `REFUND#${refundKey}` }),
  /** A shopper's return of some of an order's goods, in the order's partition (the order's returns are one query). */
  orderReturn: (orderId: string, returnId: string): Key => ({ pk: `ORDER#${orderId}`, sk: `RETURN#${returnId}` }),
  /** How much of each of an order's lines its returns have asked for so far: a line is never returned twice over. */
  orderReturned: (orderId: string): Key => ({ pk: `ORDER#${orderId}`, sk: 'RETURNED' }),
  /** Claims a POS reference within one store, so the till cannot record one sale as two orders. */
  posReference: (storeId: string, reference: string): Key => ({ pk: `POS_REF#${storeId}#${reference}`, sk: 'POS_REF' }),
  /**
   * A shipment's order: claimed in the transaction that dispatches it (so a shipment id names one shipment), read by
   * whoever knows only the shipment (a courier's tracking webhook carries our shipment id as its reference).
   */

  /** A PaymentIntent as its Stripe webhooks left it: status by rank, amounts, the order it pays for. */
  payment: (intentId: string): Key => ({ pk: `PAYMENT#${intentId}`, sk: 'PAYMENT' }),
  /** gsi1: the PaymentIntents of one order, so the checkout saga finds its intent from a webhook's order. */
  paymentsByOrder: (orderId: string, intentId: string) => ({ gsi1pk: `ORDER_PAYMENTS#${orderId}`, gsi1sk: intentId }),

  /**
   * A checkout waiting on the outside world: the task token of its `.waitForTaskToken` state. `authentication` is keyed
   * by PaymentIntent (the payment webhook knows only that), `pick` and `substitutions` (the shopper's answers to
   * proposed substitutes) by order. Deleting it under a condition is what
   * makes exactly one resumer send the token.
   */
  checkoutWait: (kind: 'authentication' | 'pick' | 'substitutions', ref: string): Key => ({ pk: `CHECKOUT_WAIT#${kind}#${ref}`, sk: 'WAIT' }),

  /** An order's invoice in the billing system: its reference and billing status (`sent`, then `paid` or `payment-failed`). */
  invoiceByOrder: (orderId: string): Key => ({ pk: `BILLING_INVOICE#${orderId}`, sk: 'INVOICE' }),
  /** The other way: the order of an invoice reference (same transaction as `invoiceByOrder`). */
  orderByInvoice: (invoiceReference: string): Key => ({ pk: `INVOICE_REF#${invoiceReference}`, sk: 'INVOICE_REF' }),
  /** A refund's credit note in the billing system, in its order's partition; `confirmed` once billing's webhook announces it. */
  creditNoteByRefund: (orderId: string, refundRef: string): Key => ({ pk: `BILLING_CREDIT#${orderId}`, sk: refundRef }),
  /** The other way: the order and refund of a credit note reference (same transaction as `creditNoteByRefund`). */
  refundByCreditNote: (creditNoteReference: string): Key => ({ pk: `CREDIT_NOTE_REF#${creditNoteReference}`, sk: 'CREDIT_NOTE_REF' }),
  /**
   * A shopper's own account: one partition per shopper (`SHOPPER#<shopperId>`) holds the profile, the address book,
   * the shopping lists and the personal-data exports, so a shopper's account is one Query for export and erasure.
   */
  shopperAccount: (shopperId: string): string => `SHOPPER#${shopperId}`,
  /** The profile: name, contact details, consents, preferred store, the payment provider's customer id; made on first use. */
  shopperProfile: (shopperId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: 'PROFILE' }),
  /**
   * gsi2, sparse, on the profile: the UTC day the shopper last used the API, over `ACTIVITY_SHARDS` partitions (fixed by
   * the shopper's id), so the retention job finds the accounts inactive before a day with one range query per shard.
   */
  shopperActivity: (shopperId: string, day: string) => ({ gsi2pk: activityPartition(activityShard(shopperId)), gsi2sk: `${day}#${shopperId}` }),
  /** One address of the shopper's address book. */
  shopperAddress: (shopperId: string, addressId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: `ADDRESS#${addressId}` }),
  /**
   * The address book's own item: how many addresses it holds (`count`, moved with `ADD` under `count < 20`) and which is
   * the default (`defaultId`, changed under a condition on what it was), so a limit and a single default hold under races.
   */
  shopperAddressBook: (shopperId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: 'ADDRESSES' }),
  /** One shopping list, its lines embedded. */
  shoppingList: (shopperId: string, listId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: `LIST#${listId}` }),
  /** How many shopping lists the shopper keeps (`lists`), moved with `ADD` under `lists < max` in each create and delete. */
  shoppingListCount: (shopperId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: 'LISTS' }),
  /** One export of the shopper's personal data, its progress and the object it wrote. */
  personalDataExport: (shopperId: string, exportId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: `EXPORT#${exportId}` }),
  /** The export in progress, if any: put under a condition with its export, so a shopper has one export running at a time. */
  personalDataExportLock: (shopperId: string): Key => ({ pk: `SHOPPER#${shopperId}`, sk: 'EXPORTING' }),
  /**
   * A shopper's erasure: its progress and the pseudonym their kept orders carry. Outside the account partition, which the
   * erasure deletes, so that a rerun finds it done and the record that the shopper asked is kept.
   */
  personalDataErasure: (shopperId: string): Key => ({ pk: `ERASURE#${shopperId}`, sk: 'ERASURE' }),
  /** A shopper's customer id in the billing system. */
  billingCustomer: (shopperId: string): Key => ({ pk: `BILLING_CUSTOMER#${shopperId}`, sk: 'CUSTOMER' }),
  /** The other way: the shopper of a billing customer id (same transaction as `billingCustomer`). */
  shopperByBillingCustomer: (billingCustomerId: string): Key => ({ pk: `BILLING_CUSTOMER_REF#${billingCustomerId}`, sk: 'CUSTOMER_REF' }),
  /** A delivery-pass subscription: plan, status by rank, and the billing system's ids once created there. */
  subscription: (subscriptionId: string): Key => ({ pk: `SUBSCRIPTION#${subscriptionId}`, sk: 'SUBSCRIPTION' }),
  /** gsi1: a shopper's subscriptions, oldest first, so pricing finds an active pass in one query. */
  subscriptionsByShopper: (shopperId: string, createdAt: string, subscriptionId: string) => ({
    gsi1pk: `SHOPPER#${shopperId}#SUBSCRIPTIONS`,
    gsi1sk: `${createdAt}#${subscriptionId}`,
  }),
  /** Our subscription id for the billing system's (same transaction as the ids stored on `subscription`). */
  subscriptionByBilling: (billingSubscriptionId: string): Key => ({ pk: `BILLING_SUBSCRIPTION#${billingSubscriptionId}`, sk: 'SUBSCRIPTION_REF' }),

  /** The nightly reconciliation's summary of one UTC day: counts by kind, totals, where the report files are. */
  reconciliationReport: (date: string): Key => ({ pk: `RECONCILIATION#${date}`, sk: 'REPORT' }),
  /**
   * What the reconciliation did about one discrepancy, put once (`attribute_not_exists`) so a rerun of the day never does it
   * twice: an adjustment with its reason, or a re-enqueue marker recording when the message was sent.
   */
  reconciliationAction: (date: string, action: 'ADJUSTMENT' | 'REENQUEUE', kind: string, ref: string): Key => ({
    pk: `RECONCILIATION#${date}`,
    sk: `${action}#${kind}#${ref}`,
  }),
  /** A store's running report totals of one local day (its own time zone): sales, refunds and the tax summary as flat counters. */
  reportDay: (storeId: string, day: string): Key => ({ pk: `REPORT#${storeId}`, sk: `DAY#${day}` }),
  /** A sale or refund counted in the report totals, put with `attribute_not_exists` in the transaction that adds it: counted once. */
  reportApplied: (ref: string): Key => ({ pk: `REPORT_APPLIED#${ref}`, sk: 'APPLIED' }),
  /** The ref a sale is counted into the report totals under, once per order (`reportApplied`). */
  reportSaleRef: (orderId: string): string => `SALE#${orderId}`,
  /** The ref a refund is counted into the report totals under, once per refund of an order (`reportApplied`). */
  reportRefundRef: (orderId: string, refundRef: string): string => `REFUND#${orderId}#${refundRef}`,
  /** Powertools idempotency's records of one function (`shared/http/idempotency.ts`); the sort key is Powertools'. */
  idempotencyPartition: (functionName: string): string => `IDEMPOTENCY#${functionName}`,
  /** One fixed window of a per-subject rate limiter: its count, under `count < :limit`; TTL an hour after the window ends. */
  rateWindow: (limiter: string, subject: string, windowStart: string): Key => ({ pk: `RATE#${limiter}#${subject}`, sk: `WINDOW#${windowStart}` }),
  /**
   * A webhook endpoint (issue 15): its URL, event types, state and secret versions, never a secret (they are derived,
   * `shared/webhooks/signing-secrets.ts`); its deliveries and their attempts share the partition.
   */
  webhookEndpoint: (endpointId: string): Key => ({ pk: `WEBHOOK_ENDPOINT#${endpointId}`, sk: 'ENDPOINT' }),
  /** gsi1: every webhook endpoint by creation time, for `GET /webhook-endpoints` (tens of endpoints, one partition). */
  webhookEndpointsByCreation: (createdAt: string, endpointId: string) => ({ gsi1pk: WEBHOOK_ENDPOINTS_PARTITION, gsi1sk: `${createdAt}#${endpointId}` }),
  webhookEndpointsPartition: WEBHOOK_ENDPOINTS_PARTITION,
  /** The endpoints subscribed to one event type: one partition per type, which the webhook fan-out reads with one Query. */
  webhookSubscribers: (eventType: string): string => `WEBHOOK_SUBSCRIBERS#${eventType}`,
  /** One endpoint's subscription to one event type, with `enabled`: written in the endpoint's own transactions, so they agree. */
  webhookSubscriber: (eventType: string, endpointId: string): Key => ({ pk: `WEBHOOK_SUBSCRIBERS#${eventType}`, sk: `ENDPOINT#${endpointId}` }),
  /** A webhook endpoint's partition: the endpoint, its deliveries and their attempts. */
  webhookEndpointPartition: (endpointId: string): string => `WEBHOOK_ENDPOINT#${endpointId}`,
  /**
   * One event to one webhook endpoint, in the endpoint's partition by the event's own time: put once per event and
   * endpoint (`attribute_not_exists`), and a time range of an endpoint's deliveries is one Query with `BETWEEN`.
   */
  webhookDelivery: (endpointId: string, eventTime: string, eventId: string): Key => ({
    pk: `WEBHOOK_ENDPOINT#${endpointId}`,
    sk: `DELIVERY#${eventTime}#${eventId}`,
  }),
  /** One attempt of a delivery (the endpoint's delivery log, in time order), put once in the transaction that counts it. */
  webhookAttempt: (endpointId: string, attemptedAt: string, deliveryId: string, n: number): Key => ({
    pk: `WEBHOOK_ENDPOINT#${endpointId}`,
    sk: `ATTEMPT#${attemptedAt}#${deliveryId}#${n}`,
  }),
} as const;

/** Key prefixes that queries use with `begins_with`. */
export const PREFIXES = {
  importRowError: 'ERROR#',
  auditEntry: 'AT#',
  slot: 'SLOT#',
  loyaltyEntry: 'ENTRY#',
  promotionUsage: 'USAGE#',
  coPurchase: 'WITH#',
  financialRecord: { sale: 'SALE#', refund: 'REFUND#' },
  orderReturn: 'RETURN#',
  shopperAddress: 'ADDRESS#',
  shoppingList: 'LIST#',
  personalDataExport: 'EXPORT#',
  reportDay: 'DAY#',
  webhookDelivery: 'DELIVERY#',
  webhookAttempt: 'ATTEMPT#',
} as const;
