import { SubscribeRequest, SubscriptionView } from '../../shared/billing/subscriptions.js';
import { Profile, UpdateProfileRequest } from '../../shared/accounts/model.js';
import { ReconciliationReportQuery, ReconciliationSummary } from '../../shared/billing/reconcile.js';
import { MAX_REPORT_DAYS, RefundsReport, ReportQuery, SalesReport, TaxReport } from '../../shared/reports/reports.js';
import { OVERLAP_HOURS } from '../../shared/auth/api-key-rules.js';
import { ApiKeyId, ApiKeyPage, ApiKeyView, CreateApiKeyRequest, IssuedApiKey, ListApiKeysQuery, RotateApiKeyRequest } from '../../shared/staff/api-key-model.js';
import { ListStaffQuery, SetStaffRolesRequest, StaffMember, StaffPage, StaffSubject } from '../../shared/staff/directory.js';
import { CreateSessionRequest, SessionView, SignInOptions } from '../../shared/auth/session-sign-in.js';
import { AuditPage, DEFAULT_RANGE_DAYS, ListAuditQuery, MAX_RANGE_DAYS } from '../../shared/audit/queries.js';
import {
  CreateWebhookEndpointRequest,
  EndpointId,
  IssuedWebhookEndpoint,
  ListWebhookEndpointsQuery,
  RotateWebhookSecretRequest,
  SECRET_OVERLAP_HOURS,
  UpdateWebhookEndpointRequest,
  WebhookEndpointPage,
  WebhookEndpointView,
  WebhookEventType,
} from '../../shared/webhooks/endpoint-model.js';
import { DeliveryDetail, DeliveryPage, DeliveryRef, DeliveryView, ListDeliveriesQuery, MAX_REPLAY, ReplayRangeRequest, ReplayResult } from '../../shared/webhooks/delivery-log.js';
import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { DEFAULT_MAX_BODY_BYTES, routes, type RouteSpec } from '../../wiring/index.js';
import { CreateImportUploadRequest, type ImportUploadView } from '../../shared/catalog/import/create-import-upload.js';
import { ImportStatus, type ImportJobView } from '../../shared/catalog/import/job.js';
import { IMPORT_FORMATS } from '../../shared/catalog/import/readers.js';
import { ImportRow } from '../../shared/catalog/import/row-schema.js';
import {
  AttributeDefinition,
  AttributeValue,
  BundleComponent,
  Category,
  Currency,
  Id,
  ImageRef,
  Money,
  NetContent,
  Product,
  Sku,
  Variant,
} from '../../shared/catalog/model.js';
import {
  CreateCategoryRequest,
  CreateProductRequest,
  ListAdminCategoriesQuery,
  ListCategoriesQuery,
  ProductFilters,
  UpdateCategoryRequest,
  UpdateProductRequest,
} from '../../shared/catalog/requests.js';
import { PriceHistoryPage, PriceHistoryQuery } from '../../shared/catalog/price-history.js';
import type { CategoryNode as CategoryNodeType, CategoryView as CategoryViewType, ProductView as ProductViewType } from '../../shared/catalog/views.js';
import { GENERATION_DAYS } from '../../shared/fulfillment/generate-slots.js';
import { ListSlotsQuery, MAX_DAYS_AHEAD, type SlotList as SlotListType, type SlotView as SlotViewType } from '../../shared/fulfillment/list-slots.js';
import { SLOT_ID_PATTERN, SlotMode } from '../../shared/fulfillment/slot-id.js';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../shared/http/problem.js';
import { Recommendations, RecommendationsQuery } from '../../shared/recommendations/recommendations.js';
import { SearchQuery } from '../../shared/search/requests.js';
import { SearchPage } from '../../shared/search/views.js';
import { LoyaltySummary } from '../../shared/loyalty/model.js';
import { PromotionId } from '../../shared/pricing/promotions.js';
import { ListOrdersQuery, OrderIdParams, OrderPage } from '../../shared/orders/queries.js';
import { OrderView } from '../../shared/orders/views.js';
import { PickRequest } from '../../shared/orders/picking.js';
import { CancelOrderRequest, PickResult } from '../../shared/orders/order-actions.js';
import { SubstitutionDecisionRequest, SubstitutionParams } from '../../shared/orders/substitution-actions.js';
import { DispatchRequest, HandoverRequest, PackRequest, ReadyRequest, ShipmentEventRequest, ShipmentParams, ShipmentResult } from '../../shared/orders/fulfilment-actions.js';
import { CheckoutRequest } from '../../shared/checkout/start.js';
import { PosOrderRequest } from '../../shared/checkout/pos.js';
import { RefundRequest } from '../../shared/orders/refunds.js';
import { InspectReturnRequest, OrderReturn, ReceiveReturnRequest, ReturnList, ReturnParams, ReturnRequest } from '../../shared/orders/returns.js';
import { CreatePromotionRequest, ListPromotionsQuery, PromotionPage, PromotionView, UpdatePromotionRequest } from '../../shared/promotions/model.js';
import { ReplaceTaxRatesRequest, TAX_RATES_MAX_AGE_SECONDS, TaxRatesView } from '../../shared/tax/rates.js';
import { ACTIVE_PROMOTIONS_MAX_AGE_SECONDS } from '../../shared/promotions/queries.js';
import { Cart } from '../../shared/carts/model.js';
import { AddLineRequest, ApplyCouponRequest, CreateCartRequest, FulfillmentRequest, LoyaltyRequest, QuantityRequest, UpdateLineRequest } from '../../shared/carts/requests.js';
import { CartView } from '../../shared/carts/views.js';
import { AdjustStockRequest, AdjustmentView, BundleAtStore, SkuInventory, StockAtStore, StockCounts } from '../../shared/inventory/requests.js';
import { AddAddressRequest, AddressList, MAX_ADDRESSES, MAX_INSTRUCTIONS, SavedAddress, UpdateAddressRequest } from '../../shared/accounts/address-model.js';
import { PaymentMethodList, PaymentMethodParams, PaymentMethodSetup } from '../../shared/accounts/payment-methods.js';
import { ListStoresQuery, Store, StoreId, StoreListing } from '../../shared/stores/model.js';
import { SUPPORTED_COUNTRIES } from '../../shared/stores/postcodes.js';
import { HealthView, HEALTH_RETRY_AFTER_SECONDS } from '../../shared/ops/health.js';
import { DeadLetterQueueListView } from '../../shared/ops/dead-letters.js';
import { ListAdjustmentsQuery, ListStoreStockQuery, StockAdjustmentPage, StoreStockPage } from '../../shared/inventory/store-stock.js';
import { ErasureView } from '../../shared/personal-data/erasure.js';
import { DOWNLOAD_URL_SECONDS, ExportView } from '../../shared/personal-data/exports.js';
import { ShopperId, StaffPrivacyRequest } from '../../shared/personal-data/requests.js';
import { EXPORT_RETENTION_DAYS } from '../../shared/personal-data/retention.js';
import { MAX_LIST_LINES, MAX_LISTS, ShoppingList, ShoppingListPage } from '../../shared/shopping/model.js';
import { BUY_AGAIN_ORDERS, BuyAgainList } from '../../shared/shopping/buy-again.js';
import { ReorderView } from '../../shared/shopping/reorder.js';
import { BuyAgainQuery, CreateListRequest, ReorderRequest, UpdateListRequest } from '../../shared/shopping/requests.js';

/**
 * Builds SmartShelf's OpenAPI 3.1 document. Component schemas are generated from the zod models
 * that the handlers validate with (requests) and the view shapes they return (responses), and the
 * operations are checked against `wiring/index.ts` as they are assembled, so the document cannot
 * describe a route, scope or body limit that the platform does not have. `openapi.json` beside
 * this file is its output, checked in and tested for freshness; `write-openapi.ts` regenerates it.
 */

// ---------------------------------------------------------------------------------------------
// The parts of OpenAPI 3.1 this document uses.

/** A JSON Schema (2020-12) object. */
export type Schema = { [keyword: string]: unknown };
export interface Ref {
  $ref: string;
}
export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  schema: Schema;
  description?: string;
}
export interface MediaType {
  schema: Schema | Ref;
  encoding?: Record<string, { contentType: string }>;
}
export interface RequestBody {
  required: boolean;
  content: Record<string, MediaType>;
}
export interface Header {
  description: string;
  schema: Schema;
  required: boolean;
}
export interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  parameters?: Parameter[];
  requestBody?: RequestBody;
  responses: Record<string, Response | Ref>;
  /** Alternatives: any one of them, with the scopes it lists, is enough. Absent on public operations. */
  security?: Record<string, string[]>[];
  'x-smartshelf-max-body-bytes'?: number;
  'x-smartshelf-throttle'?: { rate: number; burst: number };
  /**
   * Parts of which at least one must be sent although each is optional on its own, because they
   * are in different places (a header and a body field) and so no schema can say it: each group
   * lists `header:<name>`, `query:<name>` or `body:<field>`; a request with none of a group is a 400.
   */
  'x-smartshelf-required-one-of'?: string[][];
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; summary: string; description: string; license: { name: string; identifier: string } };
  tags: { name: string; description: string }[];
  /** Path template → lower-case method → operation. */
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    responses: Record<string, Response>;
    securitySchemes: Record<string, Schema>;
  };
}

// ---------------------------------------------------------------------------------------------
// Response shapes. The views are TypeScript types in `shared/catalog/views.ts`; these zod mirrors
// are tied to them by the type assertions below, so a change to a view that is not made here too
// fails type-checking.

const UnitPrice = z.strictObject({
  amount: z.number().int().nonnegative(),
  currency: Currency,
  per: z.enum(['kg', 'l', 'item']),
});
const VariantView = Variant.safeExtend({ unitPrice: UnitPrice });
const Thumbnail = ImageRef.shape.thumbnails.unwrap().valueType;
const ImageView = ImageRef.omit({ thumbnails: true }).extend({
  url: z.url(),
  thumbnails: z.record(z.string(), Thumbnail.extend({ url: z.url() })),
});
const ProductView = Product.omit({ variants: true, images: true }).extend({
  variants: z.array(VariantView).min(1).max(50),
  images: z.array(ImageView).max(20),
});
const CategoryView = Category.extend({ depth: z.number().int().nonnegative() });
const CategoryNode = CategoryView.extend({
  get children(): z.ZodArray<typeof CategoryNode> {
    return z.array(CategoryNode);
  },
});
const CategoryList = z.strictObject({ items: z.union([z.array(CategoryView), z.array(CategoryNode)]) });
const ProductPage = z.strictObject({
  items: z.array(ProductView),
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});

const ImportRowError = z.strictObject({
  row: z.number().int().positive(),
  sku: z.string().optional(),
  field: z.string(),
  message: z.string(),
});
const ImportJob = z.strictObject({
  id: Id,
  status: ImportStatus,
  format: z.enum(IMPORT_FORMATS),
  sizeBytes: z.number().int().nonnegative(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  completedAt: z.iso.datetime().optional(),
  progress: z.strictObject({
    processedRows: z.number().int().nonnegative(),
    /** Null for uploaded files, whose rows are not counted in advance; `percent` is then the share of the file read. */
    expectedRows: z.number().int().nonnegative().nullable(),
    percent: z.number().int().min(0).max(100),
  }),
  counts: z.strictObject({
    total: z.number().int().nonnegative(),
    created: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
  error: z.string().optional(),
  errors: z.array(ImportRowError),
  errorsTruncated: z.boolean(),
});

const ImportUpload = ImportJob.extend({
  upload: z.strictObject({
    method: z.literal('PUT'),
    /** A presigned S3 URL; it accepts exactly the declared size with exactly these headers. */
    url: z.url(),
    headers: z.strictObject({ 'content-type': z.string() }),
    expiresAt: z.iso.datetime(),
  }),
});

const StoreList = z.strictObject({ items: z.array(StoreListing) });

const SlotView = z.strictObject({
  id: z
    .string()
    .regex(SLOT_ID_PATTERN)
    .describe('The UTC start to the minute and the mode, `2026-11-27T08:00Z~delivery`: what a cart names the slot by.'),
  storeId: StoreId,
  mode: SlotMode,
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  startsAtLocal: z.iso.datetime({ offset: true }).describe('`startsAt` at the store’s wall-clock time, with its UTC offset.'),
  endsAtLocal: z.iso.datetime({ offset: true }),
  cutoffAt: z.iso.datetime().describe('Orders for the slot close here.'),
  capacity: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
  available: z.boolean().describe('False once the slot is full, closed or past its cut-off, at the time of the request.'),
  fee: Money,
  minimumOrder: Money,
  status: z.enum(['open', 'closed']),
});
const SlotList = z.strictObject({
  storeId: StoreId,
  timezone: z.string().describe('The store’s IANA time zone.'),
  from: z.iso.date(),
  to: z.iso.date(),
  items: z.array(SlotView),
});

const FieldError = z.strictObject({ field: z.string(), message: z.string() });
/** RFC 9457 problem details; extension members (`requiredScope`, `skus`, ...) are allowed. */
const Problem = z.looseObject({
  type: z.url(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  instance: z.string(),
  errors: z.array(FieldError).optional(),
});

/** True when each type is assignable to the other and they name the same fields: one shape, however it is spelled. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Same<A, B> = Mutual<A, B> extends true ? Mutual<keyof A, keyof B> : false;
const viewsAgree: [
  Same<z.output<typeof ProductView>, ProductViewType>,
  Same<z.output<typeof CategoryView>, CategoryViewType>,
  Same<z.output<typeof CategoryNode>, CategoryNodeType>,
  Same<z.output<typeof ImportJob>, ImportJobView>,
  Same<z.output<typeof ImportUpload>, ImportUploadView>,
  Same<z.output<typeof SlotView>, SlotViewType>,
  Same<z.output<typeof SlotList>, SlotListType>,
] = [true, true, true, true, true, true, true];
void viewsAgree;

// ---------------------------------------------------------------------------------------------
// Components.

/** Shared building blocks, named in the document and referenced wherever they occur. */
const SHARED = {
  Money,
  NetContent,
  Variant,
  UnitPrice,
  VariantView,
  AttributeValue,
  AttributeDefinition,
  BundleComponent,
  ImageView,
  CategoryView,
  CategoryNode,
  ProductView,
  ImportRowError,
  Store,
  StockCounts,
  StockAtStore,
  BundleAtStore,
  SlotView,
  FieldError,
  WebhookEventType,
} satisfies Record<string, z.ZodType>;

const RESPONSES = { HealthView, CategoryList, ProductPage, ImportJob, ImportUpload, SlotList, StoreList, AdjustmentView, SkuInventory, Cart, CartView, PromotionView, PromotionPage, LoyaltySummary, Order: OrderView, OrderPage, OrderReturn, ReturnList, PickResult, ShipmentResult, Subscription: SubscriptionView, Profile, ReconciliationSummary, SalesReport, RefundsReport, TaxReport, AuditPage, PriceHistoryPage, TaxRatesView, SearchPage, Recommendations, ShoppingList, ShoppingListPage, BuyAgainList, ReorderView, SavedAddress, AddressList, PaymentMethodList, PaymentMethodSetup, PersonalDataExport: ExportView, Erasure: ErasureView, ApiKeyView, IssuedApiKey, ApiKeyPage, StaffMember, StaffPage, DeadLetterQueueList: DeadLetterQueueListView, StoreStockPage, StockAdjustmentPage, SessionView, SignInOptions, WebhookEndpoint: WebhookEndpointView, IssuedWebhookEndpoint, WebhookEndpointPage, WebhookDeliverySummary: DeliveryView, WebhookDelivery: DeliveryDetail, WebhookDeliveryPage: DeliveryPage, WebhookReplay: ReplayResult, Problem } satisfies Record<string, z.ZodType>;

const REQUESTS = {
  CheckoutRequest,
  PickRequest,
  SubstitutionDecisionRequest,
  CancelOrderRequest,
  PackRequest,
  DispatchRequest,
  ShipmentEventRequest,
  ReadyRequest,
  HandoverRequest,
  PosOrderRequest,
  RefundRequest,
  ReturnRequest,
  ReceiveReturnRequest,
  InspectReturnRequest,
  CreateCategoryRequest,
  UpdateCategoryRequest,
  CreateProductRequest,
  UpdateProductRequest,
  ImportRow,
  CreateImportUploadRequest,
  CreatePromotionRequest,
  UpdatePromotionRequest,
  ReplaceTaxRatesRequest,
  CreateCartRequest,
  AddLineRequest,
  UpdateLineRequest,
  ApplyCouponRequest,
  LoyaltyRequest,
  FulfillmentRequest,
  AddAddressRequest,
  UpdateAddressRequest,
  AdjustStockRequest,
  SubscribeRequest,
  UpdateProfileRequest,
  StaffPrivacyRequest,
  CreateListRequest,
  UpdateListRequest,
  ReorderRequest,
  CreateApiKeyRequest,
  RotateApiKeyRequest,
  SetStaffRolesRequest,
  CreateSessionRequest,
  CreateWebhookEndpointRequest,
  UpdateWebhookEndpointRequest,
  RotateWebhookSecretRequest,
  ReplayRangeRequest,
} satisfies Record<string, z.ZodType>;

const ref = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });

/**
 * Variant rules that zod checks in a refinement, which JSON Schema cannot learn from it; restated
 * here so that clients validating against the document see them too.
 */
const VARIANT_RULES: Schema[] = [
  {
    if: { properties: { soldBy: { const: 'pack' } }, required: ['soldBy'] },
    then: { required: ['packSize'] },
    else: { not: { required: ['packSize'] } },
  },
  { if: { properties: { soldBy: { enum: ['weight', 'volume'] } }, required: ['soldBy'] }, then: { not: { required: ['netContent'] } } },
  { if: { properties: { soldBy: { const: 'weight' } }, required: ['soldBy'] }, else: { not: { required: ['averageWeightGrams'] } } },
];

/** A cart line's `substituteSku` goes with `substitution: specific`, and only with it (a refinement in zod). */
const SPECIFIC_NEEDS_ITS_SKU: Schema = {
  if: { properties: { substitution: { const: 'specific' } }, required: ['substitution'] },
  then: { required: ['substituteSku'] },
  else: { not: { required: ['substituteSku'] } },
};

/**
 * Request bodies whose refinement requires one field of several, each optional on its own: restated
 * as `oneOf` (exactly one) or `anyOf` (at least one) of `required`, so that the document says a body
 * without any of them is refused (400), as the handler's zod schema does.
 */
const REQUIRED_ALTERNATIVES = new Map<z.ZodType, Schema>([
  [AdjustStockRequest, { oneOf: [{ required: ['delta'] }, { required: ['setTo'] }] }],
  [AddLineRequest, SPECIFIC_NEEDS_ITS_SKU],
  [UpdateLineRequest, { anyOf: [{ required: ['quantity'] }, { required: ['substitution'] }], ...SPECIFIC_NEEDS_ITS_SKU }],
  [UpdatePromotionRequest, { anyOf: [{ required: ['endsAt'] }, { required: ['status'] }] }],
  [UpdateListRequest, { anyOf: ['name', 'add', 'set', 'remove'].map((field) => ({ required: [field] })) }],
  // A patch changes something: any field but `version`.
  [UpdateWebhookEndpointRequest, { anyOf: ['url', 'eventTypes', 'description', 'enabled'].map((field) => ({ required: [field] })) }],
  // A patch changes something: any field but `version`.
  [UpdateProductRequest, { anyOf: Object.keys(UpdateProductRequest.shape).filter((field) => field !== 'version').map((field) => ({ required: [field] })) }],
  // A cart or sale quantity, wherever it occurs: exactly one unit.
  [QuantityRequest.in, { oneOf: [{ required: ['count'] }, { required: ['grams'] }, { required: ['millilitres'] }] }],
]);

/** Drops what zod adds for its own bookkeeping and what only makes the document noisier. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === '$id') continue;
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'pattern' && (node as { format?: string }).format === 'date-time') continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    out[key] = tidy(value);
  }
  return out;
}

function render(
  schemas: Record<string, z.ZodType>,
  io: 'input' | 'output',
): Record<string, Schema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const variants = new Set<z.ZodType>([Variant, VariantView]);
  const { schemas: rendered } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ zodSchema, jsonSchema }) => {
      if (variants.has(zodSchema as unknown as z.ZodType)) jsonSchema.allOf = VARIANT_RULES;
      const oneOfRequired = REQUIRED_ALTERNATIVES.get(zodSchema as unknown as z.ZodType);
      if (oneOfRequired) Object.assign(jsonSchema, oneOfRequired);
    },
  });
  return tidy(rendered) as Record<string, Schema>;
}

/**
 * Renders the components: responses as the server sends them (`output`, defaults applied),
 * requests as a client may send them (`input`, defaulted fields optional). A shared schema that
 * differs between the two (one with a default inside) is inlined into the requests that use it
 * rather than referenced, so each reference means one shape.
 */
function components(): Record<string, Schema> {
  const output = render({ ...SHARED, ...RESPONSES }, 'output');
  const invariant = Object.fromEntries(
    Object.entries(SHARED).filter(
      ([, schema]) => JSON.stringify(z.toJSONSchema(schema, { io: 'input' })) === JSON.stringify(z.toJSONSchema(schema, { io: 'output' })),
    ),
  );
  const input = render({ ...invariant, ...REQUESTS }, 'input');
  const requests = Object.fromEntries(Object.keys(REQUESTS).map((name) => [name, input[name]!]));
  return sortKeys({ ...output, ...requests });
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------
// Parameters, headers and problem responses.

/**
 * One query parameter per field of the route's query schema, required exactly when the schema
 * requires the field of its input (neither optional nor defaulted). Conditions across parameters
 * that a refinement checks (`inStock` needs `store`) are in the descriptions.
 */
function queryParameters(schema: z.ZodObject, skip: readonly string[] = []): Parameter[] {
  const required = new Set((z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as { required?: string[] }).required ?? []);
  return Object.entries(schema.shape)
    .filter(([name]) => !skip.includes(name))
    .map(([name, field]) => {
      const rendered = tidy(z.toJSONSchema(field as z.ZodType, { io: 'input', target: 'draft-2020-12' })) as Schema;
      const description = (field as z.ZodType).description;
      return { name, in: 'query', required: required.has(name), schema: rendered, ...(description ? { description } : {}) };
    });
}

const ID_PARAMETER: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(Id)) as Schema,
  description: 'A ULID.',
};

const SHOPPER_ID_PARAMETER: Parameter = {
  name: 'shopperId',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(ShopperId)) as Schema,
  description: 'The customer’s shopper id (the subject of their token).',
};

const STORE_ID_PARAMETER: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(StoreId)) as Schema,
  description: 'A store id, such as `london-bridge`.',
};

const SKU_PARAMETER: Parameter = {
  name: 'sku',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(Sku)) as Schema,
  description: 'A variant’s SKU, such as `FP-BANANAS-KG`.',
};

const LINE_ID_PARAMETER: Parameter = {
  name: 'lineId',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(Id)) as Schema,
  description: 'A cart line’s id (a ULID).',
};

const COUPON_CODE_PARAMETER: Parameter = {
  name: 'code',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 64 },
  description: 'A coupon code, in any case.',
};

const IDEMPOTENCY_KEY_SCHEMA: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const REPLAY = 'a repeat with the same key and body from the same caller within 24 hours gets the first response again. Reusing a key with a different body is a 422, and a repeat while the first is still being processed a 409.';

/** The console session's CSRF token, on the session operations that change it (the authorizer checks it on the rest). */
const CSRF_TOKEN_PARAMETER: Parameter = {
  name: 'X-CSRF-Token',
  in: 'header',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 128 },
  description: 'The session’s `csrfToken`. Every request authenticated by the session cookie whose method is not GET, HEAD or OPTIONS must carry it.',
};

/** The session cookie as set (or, on sign-out, expired). */
const SESSION_COOKIE_HEADER = {
  description: '`__Host-smartshelf-session=<id>; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=<seconds to the idle deadline>` (`Max-Age=0` on sign-out).',
  schema: { type: 'string', pattern: '^__Host-smartshelf-session=' },
  required: true,
};

/** For operations behind the idempotency middleware that work without a key too. */
const IDEMPOTENCY_KEY: Parameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: IDEMPOTENCY_KEY_SCHEMA,
  description: `Makes a retry safe: ${REPLAY}`,
};

/** For operations behind the idempotency middleware whose handler refuses a request without a key (400): they move money. */
const REQUIRED_IDEMPOTENCY_KEY: Parameter = {
  ...IDEMPOTENCY_KEY,
  required: true,
  description: `Required (a request without it is a 400 \`validation-failed\` naming \`header.idempotency-key\`), so that a retry cannot move money twice: ${REPLAY}`,
};

/**
 * `POST /api-keys` and its rotation handle their key themselves: the middleware would keep the first answer, and with
 * it the new API key, in the table for a day. The key names what the request made, so a repeat finds it.
 */
const API_KEY_IDEMPOTENCY_KEY: Parameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: true,
  schema: IDEMPOTENCY_KEY_SCHEMA,
  description:
    'Required (a request without it is a 400 `idempotency-key-required`): a unique value per key made, repeated on retries. A repeat from the same caller with the same body answers 200 with what the first made and without the key, which is stored nowhere; the same key with another body is a 409 `idempotency-key-reused`.',
};

const API_KEY_ID_PARAMETER: Parameter = { name: 'id', in: 'path', required: true, schema: tidy(z.toJSONSchema(ApiKeyId)) as Schema, description: 'An API key’s id (`key_` and 24 hex digits).' };

/**
 * `POST /webhook-endpoints` and its secret's rotation handle their key themselves, as the API keys' do: the middleware
 * would keep the first answer, secret and all, in the table for a day. The key names what the request made.
 */
const WEBHOOK_IDEMPOTENCY_KEY: Parameter = {
  ...API_KEY_IDEMPOTENCY_KEY,
  description:
    'Required (a request without it is a 400 `idempotency-key-required`): a unique value per change, repeated on retries. A repeat from the same caller with the same body answers 200 with what the first made and without the secret, which is stored nowhere; the same key with another body is a 409 `idempotency-key-reused`.',
};

const ENDPOINT_ID_PARAMETER: Parameter = { name: 'id', in: 'path', required: true, schema: tidy(z.toJSONSchema(EndpointId)) as Schema, description: 'A webhook endpoint’s id (`ep_` and 24 hex digits).' };

/** An endpoint's id and one of its deliveries'. */
const DELIVERY_PARAMETERS: Parameter[] = [
  ENDPOINT_ID_PARAMETER,
  { name: 'deliveryId', in: 'path', required: true, schema: tidy(z.toJSONSchema(DeliveryRef, { io: 'input' })) as Schema, description: 'A delivery’s `id` as the delivery list gives it (`dlv_...`), not its `webhookId`.' },
];

const ENDPOINT_ETAG: Header = {
  description: 'The endpoint version as a strong entity tag, for `If-Match`.',
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  required: true,
};

const STAFF_SUBJECT_PARAMETER: Parameter = {
  name: 'subject',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(StaffSubject)) as Schema,
  description: 'A member of staff’s subject: the `sub` of their tokens (a UUID in Cognito). Never an email.',
};

/**
 * `POST /checkout` handles its key itself rather than through the middleware: the key is tied to the order it made,
 * so a repeat for the same cart returns that order (whatever else the body says) and nothing answers 422 for reuse.
 */
const CHECKOUT_IDEMPOTENCY_KEY: Parameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: true,
  schema: IDEMPOTENCY_KEY_SCHEMA,
  description:
    'Required (a request without it is a 400 `idempotency-key-required`): a unique value per checkout, repeated on retries. A repeat for the same cart with the same key from the same shopper returns the same order and starts nothing new; the cart under another key is a 409 `cart-checked-out`.',
};

/**
 * `POST /me/addresses` reads the key itself (not the idempotency middleware, whose record would keep a copy of the
 * address, personal data, outside the shopper's partition): the key names the address it adds.
 */
const ADDRESS_IDEMPOTENCY_KEY: Parameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: IDEMPOTENCY_KEY_SCHEMA,
  description:
    'Makes a retry safe: a repeat from the same shopper with the same key and body adds nothing and answers 201 with the address it added (as it is now); the key with another body is a 422 `idempotency-key-reused`. The key is remembered with the address, for as long as it is kept.',
};

const IF_MATCH: Parameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  description: 'The ETag of the version being changed; an alternative to `version` in the body (one of the two is required: without either the request is a 400).',
};

/** `If-Match` and the body's `version` are alternatives: one of them must be sent. */
const VERSION_ONE_OF: string[][] = [['header:If-Match', 'body:version']];

const HEADERS: Record<string, Header> = {
  Location: { description: 'Where the new or accepted resource can be read.', schema: { type: 'string' }, required: true },
  ETag: { description: 'The product version as a strong entity tag, for `If-Match`.', schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' }, required: true },
};

/** The problem responses, by status; operations reference the ones they can answer with. */
const PROBLEMS: Record<number, { name: string; description: string; headers?: Record<string, Header> }> = {
  400: {
    name: 'BadRequest',
    description:
      'The request is malformed or fails validation: a required header, query parameter or body field is missing or wrong, or something in it reads as a card number; `errors` lists each failing field.',
  },
  401: { name: 'Unauthorized', description: 'No valid bearer token, API key or console session (with its CSRF token, for a change) was sent (for a webhook: no valid signature).' },
  403: {
    name: 'Forbidden',
    description: 'The credentials lack the scope this operation needs (`requiredScope`), or the caller does not work at the store the request names (`store-forbidden`).',
  },
  404: { name: 'NotFound', description: 'No such resource.' },
  409: {
    name: 'Conflict',
    description: 'The request conflicts with the current state (a taken SKU or path, a stale version, a request still in progress, an import whose file is not uploaded).',
  },
  410: {
    name: 'Gone',
    description:
      'The account was erased at its holder’s request, or is being erased (`account-erased`): its token still signs in for up to an hour, but nothing is added to the account or changed, and no profile is made again.',
  },
  413: { name: 'ContentTooLarge', description: 'The body exceeds this operation’s limit (`maxBytes`).' },
  415: { name: 'UnsupportedMediaType', description: 'The Content-Type is not one this operation accepts.' },
  422: {
    name: 'UnprocessableContent',
    description: 'The request is well-formed but cannot be applied as it stands (its `type` says why: a coupon’s minimum not met, a slot past its cut-off), or the Idempotency-Key was already used with a different body.',
  },
  429: {
    name: 'TooManyRequests',
    description:
      'A rate limit was exceeded: the gateway’s throttle, or a limit per caller of the operation itself (`too-many-requests`, `too-many-coupon-attempts`, with `limit` and `windowSeconds`), which says in `Retry-After` how many seconds to wait.',
    headers: { 'Retry-After': { description: 'Seconds until the caller’s limit allows the operation again (per-caller limits only).', schema: { type: 'string', pattern: '^[0-9]+$' }, required: false } },
  },
  503: {
    name: 'ServiceUnavailable',
    description:
      'Not ready to serve yet (starting, or a data migration not applied: `pending` lists what is missing), or an outside service the operation needs could not be reached (`courier-unavailable`: nothing was done); ask again after `Retry-After` seconds.',
    headers: { 'Retry-After': { description: 'Seconds to wait before asking again.', schema: { type: 'string', pattern: '^[0-9]+$' }, required: true } },
  },
};

/** Any server-side failure: the function's (500), the gateway's when a function fails (502) or times out (504). */
const SERVER_ERROR = {
  name: 'ServerError',
  description:
    'A failure on our side: unexpected (500), a function that failed (502), the service still starting (503, with `Retry-After`) or a function that timed out (504). Quote the `instance` to support.',
};

function problemResponses(): Record<string, Response> {
  return Object.fromEntries(
    [...Object.values(PROBLEMS), { ...SERVER_ERROR, headers: undefined }].map((entry): [string, Response] => {
      const headers = entry.headers;
      return [entry.name, { description: entry.description, ...(headers ? { headers } : {}), content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } }];
    }),
  );
}

const problemRef = (name: string): Ref => ({ $ref: `#/components/responses/${name}` });

const json = (schema: Schema | Ref) => ({ 'application/json': { schema } });

/** One of the reports from running totals (`shared/reports`): the same query, JSON or a CSV download. */
function reportOperation(kind: string, operationId: string, summary: string, schema: string, figures: string): OperationSpec {
  return {
    operationId,
    tag: 'Reports',
    summary,
    description:
      `For store managers, head office and operators (\`store-reports:read\`), and only for stores the caller acts at (a store manager: the stores they work at): a store’s ${kind} for each day from \`from\` to \`to\` (inclusive, at most ${MAX_REPORT_DAYS} days, calendar days in the store’s own time zone), then their totals: ${figures}. Amounts are integer minor units of \`currency\`. Built from running totals kept as orders complete and refunds are made, each counted once however often its event arrives; a range reads one item per day. \`Accept: text/csv\` or \`format=csv\` answers a CSV download instead (a row per day, then \`total\`). 404 for a store that does not exist or that the caller does not act at.`,
    parameters: queryParameters(ReportQuery).map((parameter) => ({
      ...parameter,
      description: {
        storeId: 'The store.',
        from: 'The first day, `YYYY-MM-DD`, in the store’s time zone.',
        to: `The last day, \`YYYY-MM-DD\`, on or after \`from\` and at most ${MAX_REPORT_DAYS} days from it, inclusive.`,
        format: '`csv` for a CSV download (as `Accept: text/csv` asks); `json` for JSON whatever `Accept` says.',
      }[parameter.name],
    })),
    responses: {
      200: {
        description: 'The report, as JSON or as CSV.',
        headers: { 'Content-Disposition': { description: 'With CSV: `attachment; filename="<kind>-<storeId>-<from>-to-<to>.csv"`.', schema: { type: 'string' }, required: false } },
        content: { ...json(ref(schema)), 'text/csv': { schema: { type: 'string' } } },
      },
    },
    problems: [400, 404],
  };
}

// ---------------------------------------------------------------------------------------------
// Operations, keyed like the wiring's routes.

interface OperationSpec {
  operationId: string;
  tag: 'Docs' | 'Carts' | 'Categories' | 'Products' | 'Imports' | 'Images' | 'Stores' | 'Inventory' | 'Fulfillment' | 'Promotions' | 'Loyalty' | 'Orders' | 'Tax' | 'Search' | 'Payments' | 'Billing' | 'Reports' | 'Operations' | 'Audit' | 'Shopping' | 'Accounts' | 'Staff' | 'Console' | 'Webhooks';
  summary: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: RequestBody;
  /** Success responses. */
  responses: Record<string, Response>;
  /**
   * Problem statuses this operation's handler and use-case answer with, beyond those every operation of its kind
   * can answer with (`genericStatuses`).
   */
  problems?: number[];
  /**
   * Behind the idempotency middleware (`idempotency()` in the handler): `true` when the `Idempotency-Key` is
   * optional, `'required'` when the handler also refuses a request without one.
   */
  idempotent?: true | 'required';
  /** Groups of optional parts of which one must be sent (`x-smartshelf-required-one-of`). */
  requiredOneOf?: string[][];
}

const productResponse = (description: string, headers: (keyof typeof HEADERS)[]): Response => ({
  description,
  headers: Object.fromEntries(headers.map((h) => [h, HEADERS[h]!])),
  content: json(ref('ProductView')),
});

const PROMOTION_ID_PARAMETER: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(PromotionId)) as Schema,
  description: 'A promotion id: a ULID, or a readable id such as `sample-welcome10` for seeded ones.',
};

const ORDER_ID_PARAMETER: Parameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: tidy(z.toJSONSchema(OrderIdParams.shape.id)) as Schema,
  description: 'An order id (a ULID).',
};

/** An order's id and one of its returns'. */
const RETURN_PARAMETERS: Parameter[] = [
  ORDER_ID_PARAMETER,
  { name: 'returnId', in: 'path', required: true, schema: tidy(z.toJSONSchema(ReturnParams.shape.returnId)) as Schema, description: 'A return of the order (26 symbols, spelt like a ULID).' },
];

const PROMOTION_ETAG: Header = {
  description: 'The promotion version as a strong entity tag, for `If-Match`.',
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  required: true,
};

const PROFILE_ETAG: Header = {
  description: 'The profile version as a strong entity tag, for `If-Match`.',
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  required: true,
};

/** `If-Match` where the version is optional: without one, the change applies to the version the server reads. */
const OPTIONAL_IF_MATCH: Parameter = {
  ...IF_MATCH,
  description: 'The ETag of the version being changed; optional (so is `version` in the body): a stale one is a 409, none applies the change to the version read.',
};

const ADDRESS_ETAG: Header = {
  description: 'The address version as a strong entity tag, for `If-Match`.',
  schema: { type: 'string', pattern: '^"[1-9][0-9]*"$' },
  required: true,
};

const TAX_RATES_ETAG: Header = {
  description: 'The table version as a strong entity tag, for `If-Match` on PUT; `"0"` is the built-in default.',
  schema: { type: 'string', pattern: '^"(0|[1-9][0-9]*)"$' },
  required: true,
};

const TAX_RATES_IF_MATCH: Parameter = {
  name: 'If-Match',
  in: 'header',
  required: true,
  schema: { type: 'string', pattern: '^"(0|[1-9][0-9]*)"$' },
  description: 'The ETag of the table being replaced, from `GET /tax-rates`; a stale one is a 409 `version-mismatch`, a missing one a 400.',
};

/** What an export holds and how long it lasts, said once for both ways of asking for one. */
const EXPORT_TEXT = `One JSON document of everything SmartShelf holds about the shopper: the profile with its consents, addresses, shopping lists and whatever else the account holds, orders with their returns, payments as references (intent and payment-method ids, never card data) and invoice references, loyalty, carts, delivery-pass subscriptions and the billing customer. Built in the background: \`status\` is \`requested\`, then \`ready\` with \`download\`, a link valid for ${DOWNLOAD_URL_SECONDS / 60} minutes (read the export again for a fresh one). The export and its file are deleted ${EXPORT_RETENTION_DAYS} days after it was asked for.`;

const OPERATIONS: Record<string, OperationSpec> = {
  'POST /promotions': {
    operationId: 'createPromotion',
    tag: 'Promotions',
    summary: 'Create a promotion',
    description:
      'A promotion as the pricing engine applies it: a `rule` (percent or fixed off, BOGO, buy X get Y, multi-buy, bundle price, spend threshold, free delivery), a `target` (SKUs, categories with their subtrees, or the cart), `stacking`, a `schedule` (`endsAt` exclusive, after `startsAt`), usage `limits` (in all and per shopper, enforced at checkout) and the `stores` it applies at (left out: every store). With a `couponCode` (any case, stored upper-case) it applies only to carts that applied the code; the code is claimed for this promotion alone: 409 `coupon-code-taken`. A single-use coupon (`limits.total` 1) needs a code of at least 12 symbols of Crockford base 32 (no I, L, O, U; at least 8 different), or `generateCouponCode: true` for a random 16-symbol one: 400 `body.couponCode` otherwise. A store manager creates promotions for their own stores only: one for every store, or for another store, is a 403 `store-forbidden`. 400 names any store, SKU or category that does not exist. The server assigns the id. Audited.',
    requestBody: { required: true, content: json(ref('CreatePromotionRequest')) },
    responses: {
      201: { description: 'The new promotion.', headers: { Location: HEADERS.Location!, ETag: PROMOTION_ETAG }, content: json(ref('PromotionView')) },
    },
    problems: [400, 409],
    idempotent: true,
  },
  'GET /promotions': {
    operationId: 'listPromotions',
    tag: 'Promotions',
    summary: 'List promotions',
    description:
      'Promotions newest start first, with their status and redemptions. `active=true` keeps those enabled and within their schedule now, coupons included; a store manager sees only promotions whose stores are all theirs (a page may then hold fewer than `limit`). Page with `cursor` until `nextCursor` is null.',
    parameters: queryParameters(ListPromotionsQuery),
    responses: { 200: { description: 'One page of promotions.', content: json(ref('PromotionPage')) } },
    problems: [400],
  },
  'GET /promotions/{id}': {
    operationId: 'getPromotion',
    tag: 'Promotions',
    summary: 'Get a promotion',
    description: 'The promotion with its status, version and how often it was redeemed. Another store’s promotion, or a chain-wide one, is a 404 to a store manager, exactly like a missing one.',
    parameters: [PROMOTION_ID_PARAMETER],
    responses: { 200: { description: 'The promotion.', headers: { ETag: PROMOTION_ETAG }, content: json(ref('PromotionView')) } },
    problems: [400, 404],
  },
  'PATCH /promotions/{id}': {
    operationId: 'updatePromotion',
    tag: 'Promotions',
    summary: 'End or disable a promotion',
    description: `Brings \`endsAt\` forward (never later, and still after \`startsAt\`) or sets \`status\` to \`disabled\` (or back to \`enabled\`); the rule, target, limits and stores never change once shoppers may have used them. Send the version as \`version\` or \`If-Match\`; a stale one is a 409. Another store’s promotion is a 404 to a store manager. Carts see the change within ${ACTIVE_PROMOTIONS_MAX_AGE_SECONDS} s. Audited.`,
    parameters: [PROMOTION_ID_PARAMETER, IF_MATCH],
    requestBody: {
      required: true,
      content: { 'application/merge-patch+json': { schema: ref('UpdatePromotionRequest') }, ...json(ref('UpdatePromotionRequest')) },
    },
    responses: { 200: { description: 'The promotion as changed.', headers: { ETag: PROMOTION_ETAG }, content: json(ref('PromotionView')) } },
    problems: [400, 404, 409],
    idempotent: true,
    requiredOneOf: VERSION_ONE_OF,
  },
  'GET /loyalty': {
    operationId: 'getLoyalty',
    tag: 'Loyalty',
    summary: 'Your loyalty points',
    description:
      'The caller’s own balance and lifetime points, their `loyaltyId` (issued on first sight: what they show at a till so that a sale there earns them points), the scheme’s rules (earning per spend, redemption blocks and their value, the share of goods points may pay for) and the 20 latest ledger entries, newest first. Points are credited when an order completes and taken back in the refunded share when it is refunded (a full refund also gives back the points it redeemed); a shopper who never earned sees an empty account.',
    responses: { 200: { description: 'The account.', content: json(ref('LoyaltySummary')) } },
  },
  'GET /orders': {
    operationId: 'listOrders',
    tag: 'Orders',
    summary: 'List orders',
    description:
      'A shopper gets their own orders, newest first, and may pass no filter (`store`, `date` or `status` from a shopper is a 400). Staff (`orders:write`, `orders:pick` or `admin`) list one store’s orders created on one UTC day: `store` and `date` (`YYYY-MM-DD`) are required together, `status` keeps one status; without it orders come grouped by status, newest first within each. Page with `cursor` until `nextCursor` is null; a cursor from another listing is a 400.',
    parameters: queryParameters(ListOrdersQuery),
    responses: { 200: { description: 'One page of orders.', content: json(ref('OrderPage')) } },
    problems: [400],
  },
  'GET /orders/{id}': {
    operationId: 'getOrder',
    tag: 'Orders',
    summary: 'Get an order',
    description:
      'The order with its lines, totals, fulfillment, payment and status history. A shopper reads only their own: another shopper’s order is a 404, exactly like a missing one. Staff (`orders:write`, `orders:pick` or `admin`) read any.',
    parameters: [ORDER_ID_PARAMETER],
    responses: { 200: { description: 'The order.', content: json(ref('Order')) } },
    problems: [400, 404],
  },
  'POST /checkout': {
    operationId: 'checkout',
    tag: 'Orders',
    summary: 'Check out a cart',
    description:
      'Validates the cart (lines still sold, a bookable slot, a delivery address still in the store’s delivery area (else 422 `address-outside-delivery-area`, before anything is reserved), the minimum order, and for age-restricted goods a `dateOfBirth` of an adult), freezes its prices into a new order (the cart becomes `checked-out`) and starts the checkout saga, whose execution is named by the order id: reserve stock and slot, authorize the card for the total with weighed lines at their buffered estimate, confirm, capture now or after picking, commit stock, complete. Answers 202 with the order already `reserved`; watch `GET /orders/{id}`. A payment needing 3-D Secure shows `payment.action` on the order. `paymentMethod` is a card saved on the caller’s Customer (`GET /me/payment-methods`), charged as it is, or a new one made by Stripe.js, which the order’s first authorization saves on the caller’s Customer for off-session use (so a pick heavier than the hold can be re-authorized with nobody there); every order is made on that Customer (`payment.customerId`), made on first use. A method the provider does not know, or saved on another shopper’s Customer, is a 404 `payment-method-not-found` and nothing is reserved. The `Idempotency-Key` header is required: repeating it returns the same order and starts nothing new. 409 `insufficient-stock` or `slot-full` when the store cannot fill the basket, `promotion-unavailable` when a promotion’s last use went to another order, `coupon-no-longer-applies` or `loyalty-points-unavailable` when the cart would now cost more than the shopper was shown (nothing is written in any of these; the cart stays open), `cart-checked-out` for a cart already checked out under another key, `too-many-holds` when the shopper already holds 2 baskets or orders awaiting payment at the store (422 `hold-quantity-limit` past 24 items, 12 kg or 12 l of one SKU across them); the promotions’ uses and the loyalty points are taken in the same transaction as the stock, and given back if the checkout fails; 422 `cart-empty`, `fulfillment-missing`, `minimum-order-not-met`, `age-verification-required`, `slot-in-past`, `slot-cut-off`. 429 `too-many-requests` past 10 checkouts a minute per shopper, with `Retry-After`. 410 `account-erased` when the caller’s erasure was requested (`DELETE /me`), and nothing is reserved.',
    // The handler reads the key itself (not the idempotency middleware), so 409 and 422 here are the cart's and the
    // basket's alone: see the description.
    parameters: [CHECKOUT_IDEMPOTENCY_KEY],
    requestBody: { required: true, content: json(ref('CheckoutRequest')) },
    responses: { 202: { description: 'The order, reserved (or still pending), with its checkout running.', content: json(ref('Order')) } },
    problems: [400, 404, 409, 410, 422],
  },
  'POST /orders/{id}/pick': {
    operationId: 'recordPick',
    tag: 'Orders',
    summary: 'Record what was picked',
    description:
      'For pickers (`orders:pick`), once the order is `picking`: every line exactly once, with the quantity handed over (grams for weighed lines; left out when nothing could be) and the substitute, if one was given. A substitute must be one the line’s preference allows: none for `none`; a best match (same category, sold and taxed the same way, not age-restricted unless the ordered product is) for `best-match` and `same-brand`; the chosen SKU or a best match for `specific`; else 422 `substitute-not-allowed` naming each line and every reason. Its stock is taken off the shelf at once (409 `substitute-out-of-stock` when the store has not enough). Each substitute is proposed to the shopper, who accepts or rejects it (`POST /orders/{id}/substitutions/{lineId}`) until its cut-off (`respondBy`: the response window, but never later than 30 minutes before the slot starts); then the preference decides (a best match, a same-brand one or the chosen SKU are accepted, anything else rejected). Until the shopper accepts, a substitute costs no more than the ordered product at that quantity (price protection); accepted, it costs its own price. The lines are priced as picked (weighed lines at the picked weight) and the saga captures the final amount once every proposal is decided; `substitutionsPending` counts those waiting, `reauthorizationRequired` says that the amount so far exceeds the hold, so the card is authorized again off-session first, and the order fails (hold voided, stock back) if that is refused. 409 when the order is not being picked, 400 naming each line that does not match the order, or a substitute SKU no product has.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('PickRequest')) },
    responses: { 200: { description: 'The order as picked and its final amount.', content: json(ref('PickResult')) } },
    problems: [400, 404, 409],
  },
  'POST /orders/{id}/substitutions/{lineId}': {
    operationId: 'decideSubstitution',
    tag: 'Orders',
    summary: 'Accept or reject a proposed substitute',
    description:
      'For the order’s shopper (another shopper’s order is a 404, like a missing one; staff get 403 `shopper-only`): the answer to the substitute the picker proposed for a line (`lines[].picked.proposal`), until its `respondBy`. `accept`: the substitute is handed over at its own price (`proposal.price`), which may be more than the ordered product (the card is authorized again off-session if the total then exceeds the hold); `reject`: nothing is handed over for the line and it costs nothing. Unanswered by `respondBy`, the line’s preference decides: a best match, a same-brand one or the chosen SKU are accepted at the protected price (`proposal.protectedPrice`, never more than the ordered product), anything else is rejected. The last answer lets the order be captured at once. Announced as `order.substitution-decided`. The same answer again returns the order as it is; 409 `substitution-decided` once decided otherwise (by the shopper or the cut-off), `substitution-cut-off-passed` after `respondBy`, `no-substitution-proposed` for a line without a proposal, `invalid-order-transition` for an order no longer waiting on answers; 404 for a line the order does not have.',
    parameters: [
      ORDER_ID_PARAMETER,
      { name: 'lineId', in: 'path', required: true, schema: tidy(z.toJSONSchema(SubstitutionParams.shape.lineId)) as Schema, description: 'A line of the order (a ULID).' },
    ],
    requestBody: { required: true, content: json(ref('SubstitutionDecisionRequest')) },
    responses: { 200: { description: 'The order with the decision recorded.', content: json(ref('Order')) } },
    problems: [400, 404, 409],
  },
  'POST /orders/{id}/cancel': {
    operationId: 'cancelOrder',
    tag: 'Orders',
    summary: 'Cancel an order',
    description:
      'A shopper cancels their own order until picking starts, or while it asks them to authenticate the re-authorization of a heavier pick (`payment.action` `confirm_payment`); staff (`orders:write`) any order not yet completed. The checkout saga’s compensations release the stock and the slot and void the hold (and the re-authorization asked about), or refund a capture in full; the order becomes `cancelled` (at once, or within seconds when the saga was waiting on 3-D Secure, on picking, on the shopper’s answers to substitutes or on their authentication of a re-authorization). A completed order is refunded instead (409 here), as is one already failed or cancelled.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('CancelOrderRequest')) },
    responses: { 202: { description: 'The order; it shows `cancelled` once the compensations ran.', content: json(ref('Order')) } },
    problems: [400, 404, 409],
  },
  'POST /orders/{id}/pack': {
    operationId: 'packOrder',
    tag: 'Orders',
    summary: 'Pack an order in bags per temperature zone',
    description:
      'For the store’s staff (`orders:pick`), once the order is `completed` or `partially-refunded` (paid, its stock committed) and is for delivery or pickup: the bags (or totes) each temperature zone (`ambient`, `chilled`, `frozen`) filled and the lines in them, every line of which something was handed over in exactly one zone. The answer labels every bag (`<orderId>-<A|C|F><n>/<of>`) and the order’s `fulfillmentStatus` becomes `packed`, with `fulfillment.updated`. 400 names every line packed twice, unknown, with nothing handed over or left out, and every zone listed twice; 409 `invalid-fulfillment-transition` for an order not paid yet, an in-store sale, or one packed already; 404 for another store’s order.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('PackRequest')) },
    responses: { 200: { description: 'The order, packed, with its bags’ labels.', content: json(ref('Order')) } },
    problems: [400, 404, 409],
  },
  'POST /orders/{id}/shipments': {
    operationId: 'dispatchShipment',
    tag: 'Orders',
    summary: 'Dispatch a shipment',
    description:
      'For the store’s staff (`orders:pick`), once a delivery order is packed: goods leave the store in a new shipment, by the store’s own van (`own-van`, tracked by the shipment’s id) or by a courier that is set up (booked first under a key derived from the shipment, so a retried request books it once; 422 `courier-not-available` otherwise). When the courier refuses the booking the shipment is not dispatched: 422 `courier-refused` with the courier’s words (`carrier`, `courierCode`: an address outside its area, a window it cannot meet); when it cannot be reached within the booking’s 10 s, 503 `courier-unavailable` with `Retry-After`, and the same request may be sent again. `lines` (each in the stock unit of what was handed over) default to everything not yet sent, so an order may leave in several shipments; `bags` name the packed bags in it. Their stock leaves `committed` in the same transaction, and the order’s `fulfillmentStatus` becomes `partially-dispatched` or `dispatched`, with `fulfillment.updated`. The `Idempotency-Key` header is required (400 without it): a repeat returns the shipment sent first. 400 names each line unknown, repeated or beyond what is left to send, and each unknown bag; 409 `invalid-fulfillment-transition` for an order not packed, not paid, not for delivery, or with nothing left to send (of two dispatchers racing over the same goods, one sends them); 404 for another store’s order.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('DispatchRequest')) },
    responses: { 201: { description: 'The shipment, dispatched, and the order.', headers: { Location: HEADERS.Location! }, content: json(ref('ShipmentResult')) } },
    problems: [400, 404, 409, 422, 503],
    idempotent: 'required',
  },
  'POST /orders/{id}/shipments/{shipmentId}/events': {
    operationId: 'recordShipmentEvent',
    tag: 'Orders',
    summary: 'Record a step of a shipment',
    description:
      'For the store’s staff (`orders:pick`): one step of a shipment, named by the status it leads to. The own vans’ rounds: `out-for-delivery` (from `dispatched`, or from a `failed-attempt` as the next attempt), `delivered` (with `idCheck.document` for an order with `idCheckRequired`, else 422 `id-check-required`), `failed-attempt` with its `reason` (`not-at-home`, `refused`, `age-check-failed`, ...) and what comes `next`: a redelivery in `slotId`, or `return-to-store` (the shipment is then `returning`), and `returning`. Any carrier’s goods that came back are received with `returned-to-store`, saying for every line whether it goes back on sale (`restock`: `available` grows, audited, `inventory.adjusted`) or is written off with a reason (audited); chilled and frozen goods cannot be resold (422 `perishable-not-restockable`). Each step is recorded on the shipment’s timeline and the order’s fulfilment history, with `fulfillment.updated`. 409 `invalid-shipment-transition` for a step out of order or a van’s step on a courier’s shipment (couriers report their own); 404 for another store’s order or a shipment it does not have; 400 for returned lines that do not match the shipment.',
    parameters: [
      ORDER_ID_PARAMETER,
      { name: 'shipmentId', in: 'path', required: true, schema: tidy(z.toJSONSchema(ShipmentParams.shape.shipmentId)) as Schema, description: 'A shipment of the order (a ULID).' },
    ],
    requestBody: { required: true, content: json(ref('ShipmentEventRequest')) },
    responses: { 200: { description: 'The shipment after the step, and the order.', content: json(ref('ShipmentResult')) } },
    problems: [400, 404, 409, 422],
  },
  'POST /orders/{id}/collection': {
    operationId: 'readyForCollection',
    tag: 'Orders',
    summary: 'Make a pickup order ready for collection',
    description:
      'For the store’s staff (`orders:pick`), once a pickup order is packed and paid: it waits at the desk, and a new six-digit handover code is made for its shopper, who sees it on `GET /orders/{id}` (staff never do; the order keeps only a salt). On a collection locked after 5 wrong codes, a store manager (`orders:write`; a picker gets 403) issues a new code the same way. `fulfillment.updated` is written. 409 `invalid-fulfillment-transition` for an order not packed, not paid, not for pickup, or ready already; 404 for another store’s order.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('ReadyRequest')) },
    responses: { 200: { description: 'The order, ready for collection.', content: json(ref('Order')) } },
    problems: [400, 404, 409],
  },
  'POST /orders/{id}/collection/handover': {
    operationId: 'handOverOrder',
    tag: 'Orders',
    summary: 'Hand a pickup order over on its code',
    description:
      'For the store’s staff (`orders:pick`): the `code` the shopper shows, and for an order with `idCheckRequired` the ID document checked (`idCheck.document`; 422 `id-check-required` without it; no date of birth is kept). On the right code the order is `collected` and its stock leaves `committed` in the same transaction, with `fulfillment.updated`; of two staff handing it over at once, one does. A wrong code is 422 `handover-code-mismatch` with `attemptsLeft` and counts a try; after 5 the collection locks (409 `handover-locked`) until a store manager issues a new code. 409 `invalid-fulfillment-transition` when the order is not ready (or was collected already); 404 for another store’s order.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('HandoverRequest')) },
    responses: { 200: { description: 'The order, collected.', content: json(ref('Order')) } },
    problems: [400, 404, 409, 422],
  },
  'POST /orders': {
    operationId: 'createPosOrder',
    tag: 'Orders',
    summary: 'Record a till or phone sale',
    description:
      'For store staff and POS integrations (`orders:write`). The lines (1-90, each SKU once, quantities as for carts) are priced now like a cart: catalog prices, running promotions, the store’s tax and, for pickup or delivery, the slot’s fee and minimum order. The order is frozen `pending` with `channel`, `posReference` (unique per store: a second sale under it is 409 `pos-reference-taken`) and any `storeMetadata` as given, for the shopper who holds the `loyaltyId` the till sent (from their `GET /loyalty`) or, for a walk-in or an identifier nobody holds, `pos:<storeId>`, which credits nobody: the `Loyalty-Credit` header says which; then the checkout saga is started for it (reserve, authorize `paymentMethod`, confirm, capture, complete). `in-store` sales (handed over at the till, `pos` only) have no slot; phone orders are picked up or delivered in one. Age-restricted goods set `idCheckRequired`. Repeating the request with the same `Idempotency-Key` returns the same order. 400 names each unknown, repeated or no longer sold SKU (`body.lines.<i>.sku`) and each quantity that does not fit how it is sold; 404 for an unknown store or slot; 409 `store-closed`, `slot-full`, `slot-closed`; 422 `slot-in-past`, `slot-cut-off`, `minimum-order-not-met`.',
    requestBody: { required: true, content: json(ref('PosOrderRequest')) },
    responses: {
      202: {
        description: 'The order, pending, with its checkout started.',
        headers: {
          Location: HEADERS.Location!,
          'Loyalty-Credit': {
            description: 'Whom the sale credits: `shopper` (the holder of `loyaltyId`), `unknown-id` (an identifier nobody holds: nobody) or `none` (no identifier: a walk-in).',
            schema: { type: 'string', enum: ['shopper', 'unknown-id', 'none'] },
            required: true,
          },
        },
        content: json(ref('Order')),
      },
    },
    problems: [400, 404, 409, 422],
    idempotent: true,
  },
  'POST /orders/{id}/refunds': {
    operationId: 'refundOrder',
    tag: 'Orders',
    summary: 'Refund an order',
    description:
      'For staff (`orders:refund`): refunds `amount` (minor units of the order’s currency), or all that is left of the capture when it is left out, with a `reason` kept in the order’s history. The order must be `captured`, `completed` or `partially-refunded` (else 409 `invalid-order-transition`) and the amount at most what is left (else 409 `refund-exceeds-capture`); both are checked before the payment provider is asked, so a refused refund moves no money. The order becomes `partially-refunded` or `refunded`. The refund takes its share of the tax still unrefunded (all of it with the rest of the capture), added to `payment.refundedTax`, and billing gets a credit note with that tax. The `Idempotency-Key` header is required (400 without it): repeating it refunds nothing more and returns the first answer. 409 `refund-refused` when the provider refuses.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('RefundRequest')) },
    responses: { 200: { description: 'The order with the refund recorded.', content: json(ref('Order')) } },
    problems: [400, 404, 409],
    idempotent: 'required',
  },
  'POST /orders/{id}/returns': {
    operationId: 'requestReturn',
    tag: 'Orders',
    summary: 'Return lines of an order',
    description:
      'For the order’s shopper (another shopper’s order is a 404, like a missing one), or staff at the desk for them (`orders:write`; a picker gets 403): the lines to return, each with how much of it in its unit (items or packs, grams, millilitres) and a `reason` (`damaged`, `faulty`, `past-date`, `poor-quality`, `wrong-item`, `not-as-described`, `changed-mind`), and, when anything goes back, the `method`: `collection` from the delivery address or `drop-off` at the store. The order must be `completed` or `partially-refunded` (else 409 `order-not-returnable`) and the lines received (delivered or collected). The returns policy decides each line by the goods handed over (the substitute’s, when there was one): medicines never come back; fresh food (fresh produce, bakery, dairy and eggs, meat and fish, frozen, and anything packed chilled or frozen) is refunded at once without being sent back, within 3 days of receipt, when it was not what was paid for; alcohol comes back within 30 days when it was not what was paid for; other goods within 30 days for any reason. A refused line is a 422 `return-not-allowed` naming each line and why. Each line is refunded its share of what was paid for it and of its tax (`amount`, `tax`), never more than once: a line returned in parts is refunded in parts that add up to what it cost. Fresh food is refunded to the card as the return is made (the order becomes `partially-refunded` or `refunded`, with `order.status-changed`, and billing gets a credit note with its tax lines); the rest once staff received and inspected it. The `Idempotency-Key` header is required (400 without it): the same key is the same return (200 with it as it is, refunding nothing more). 400 names each line unknown, asked for twice, not received yet or beyond what is left to return, and a missing or needless `method`.',
    parameters: [ORDER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('ReturnRequest')) },
    responses: {
      201: { description: 'The return, made; its fresh food already refunded.', headers: { Location: HEADERS.Location! }, content: json(ref('OrderReturn')) },
      200: { description: 'The return this key made before, as it is now.', content: json(ref('OrderReturn')) },
    },
    problems: [400, 404, 409, 422],
    idempotent: 'required',
  },
  'GET /orders/{id}/returns': {
    operationId: 'listReturns',
    tag: 'Orders',
    summary: 'List an order’s returns',
    description: 'The order’s returns, oldest first, for its shopper and for staff of its store; anyone else gets a 404, as for the order.',
    parameters: [ORDER_ID_PARAMETER],
    responses: { 200: { description: 'The returns.', content: json(ref('ReturnList')) } },
    problems: [400, 404],
  },
  'GET /orders/{id}/returns/{returnId}': {
    operationId: 'getReturn',
    tag: 'Orders',
    summary: 'Get a return',
    description:
      'One return of the order, for its shopper and for staff of its store: its lines (each with its handling, refund, tax and, once inspected, its outcome), the refunds it made and its history. `status`: `requested` (its fresh food not refunded yet), `awaiting-goods`, `received`, `inspected`, `refunded`.',
    parameters: RETURN_PARAMETERS,
    responses: { 200: { description: 'The return.', content: json(ref('OrderReturn')) } },
    problems: [400, 404],
  },
  'POST /orders/{id}/returns/{returnId}/receive': {
    operationId: 'receiveReturn',
    tag: 'Orders',
    summary: 'Receive a return’s goods at the store',
    description:
      'For the store’s staff (`orders:write`): the goods sent back are at the store (collected, or brought in). The return becomes `received`; receiving it again answers it as it is. 409 `return-has-no-goods` for a return of fresh food only, `return-not-awaiting-goods` while its fresh food’s refund is not made; 404 for another store’s order.',
    parameters: RETURN_PARAMETERS,
    requestBody: { required: true, content: json(ref('ReceiveReturnRequest')) },
    responses: { 200: { description: 'The return, received.', content: json(ref('OrderReturn')) } },
    problems: [400, 404, 409],
  },
  'POST /orders/{id}/returns/{returnId}/inspect': {
    operationId: 'inspectReturn',
    tag: 'Orders',
    summary: 'Inspect a return: restock or write off, then refund',
    description:
      'For the store’s staff (`orders:refund`: the inspection refunds), once the return is `received`: every line sent back, once, goes back on sale (`restock`: its stock’s `available` grows under the version read, audited, with `inventory.adjusted`, reason `return`) or is written off with a `reason` (`perishable`, `damaged`, `expired`, `missing`; audited, the shelf unchanged). Goods that travelled chilled or frozen cannot be resold (422 `perishable-not-restockable`). The stock moves with the return’s change in one transaction; then the lines are refunded to the card (the order becomes `partially-refunded` or `refunded`, with `order.status-changed`; billing gets a credit note with the lines and their tax) and the return is `refunded`. The same outcomes again finish what is left and answer the return; other outcomes once inspected are a 409 `return-inspected`. 409 `return-not-received` before the goods are received; 400 names each line not in the return, refunded without coming back, inspected twice or missing; 404 for another store’s order.',
    parameters: RETURN_PARAMETERS,
    requestBody: { required: true, content: json(ref('InspectReturnRequest')) },
    responses: { 200: { description: 'The return, refunded.', content: json(ref('OrderReturn')) } },
    problems: [400, 404, 409, 422],
  },
  'POST /webhooks/payments': {
    operationId: 'receivePaymentWebhook',
    tag: 'Payments',
    summary: 'Receive a Stripe webhook',
    description:
      'For Stripe only: an event, authenticated by `Stripe-Signature` over the body exactly as sent (the endpoint’s current signing secret or, during a rotation, the previous one), not by a token. It is queued and applied later, once per event id and only ever moving a payment forward, so duplicates and events out of order are harmless. 401 for a missing or wrong signature, 400 `stale-webhook` for a genuine one more than 300 s old; either way nothing is queued.',
    parameters: [
      { name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' }, description: 'Stripe’s `t=<unix time>,v1=<HMAC-SHA256>` signature of the raw body.' },
    ],
    requestBody: { required: true, content: json({ type: 'object', description: 'A Stripe event (`id`, `type`, `created`, `data.object`).' }) },
    responses: {
      200: {
        description: 'The event is queued.',
        content: json({ type: 'object', properties: { received: { const: true } }, required: ['received'], additionalProperties: false }),
      },
    },
    // 401: the signature is the credential of this public route. Its 400 (`stale-webhook`) comes with every body's 400.
    problems: [401],
  },
  'POST /api-keys': {
    operationId: 'createApiKey',
    tag: 'Staff',
    summary: 'Create an API key for an integration',
    description:
      'For admins (`admin`): a key for an integration with its roles (any but `shopper`), optionally `scopes` that narrow what the roles confer (a scope they do not confer is a 400 `scope-beyond-roles`), and `stores` for store-bound roles (`picker`, `store-manager`, `pos`, `stock-feed`; `*` for every store; 400 `stores-required` without them, `stores-not-applicable` with them for other roles). The key (`ssk_...`) is in this answer only: it is stored as its SHA-256 and never shown again. Send it as `x-api-key`. Audited.',
    parameters: [API_KEY_IDEMPOTENCY_KEY],
    requestBody: { required: true, content: json(ref('CreateApiKeyRequest')) },
    responses: {
      201: { description: 'The key’s record and, this once, `apiKey`.', headers: { Location: HEADERS.Location! }, content: json(ref('IssuedApiKey')) },
      200: { description: 'A repeat of a request already answered: the key it made, without `apiKey`.', headers: { Location: HEADERS.Location! }, content: json(ref('ApiKeyView')) },
    },
    problems: [400, 409],
  },
  'GET /api-keys': {
    operationId: 'listApiKeys',
    tag: 'Staff',
    summary: 'List API keys',
    description: 'For admins (`admin`): keys newest first, a page at a time (`nextCursor`), `status` to keep active or revoked ones. Each with its roles, scopes, stores, who made it and when, its last four characters, and a rotated predecessor’s end; never a key or its hash. Keys registered by the seed scripts before issue 14 (no record by id) are not listed.',
    parameters: queryParameters(ListApiKeysQuery),
    responses: { 200: { description: 'A page of keys.', content: json(ref('ApiKeyPage')) } },
    problems: [400],
  },
  'GET /api-keys/{id}': {
    operationId: 'getApiKey',
    tag: 'Staff',
    summary: 'Get an API key’s record',
    description: 'For admins (`admin`): one key’s record, as listed. 404 for an id of no key.',
    parameters: [API_KEY_ID_PARAMETER],
    responses: { 200: { description: 'The key’s record.', content: json(ref('ApiKeyView')) } },
    problems: [400, 404],
  },
  'POST /api-keys/{id}/rotate': {
    operationId: 'rotateApiKey',
    tag: 'Staff',
    summary: 'Rotate an API key',
    description: `For admins (\`admin\`): a new key for the same integration, in this answer only; the old one keeps working for \`overlapHours\` (${OVERLAP_HOURS.min} to ${OVERLAP_HOURS.max}, ${OVERLAP_HOURS.default} by default), checked by the authorizer at each request, then is refused (and later removed by the table's TTL). Rotating again during an overlap ends the older predecessor at once: a key has at most one. 404 for no such key, 409 \`api-key-revoked\` for a revoked one, 409 \`api-key-changed\` when another change won a race. Audited.`,
    parameters: [API_KEY_ID_PARAMETER, API_KEY_IDEMPOTENCY_KEY],
    requestBody: { required: true, content: json(ref('RotateApiKeyRequest')) },
    responses: {
      201: { description: 'The key’s record with its predecessor’s end and, this once, the new `apiKey`.', content: json(ref('IssuedApiKey')) },
      200: { description: 'A repeat of a rotation already answered: the record, without `apiKey`.', content: json(ref('ApiKeyView')) },
    },
    problems: [400, 404, 409],
  },
  'POST /api-keys/{id}/revoke': {
    operationId: 'revokeApiKey',
    tag: 'Staff',
    summary: 'Revoke an API key',
    description:
      'For admins (`admin`): the key, and a predecessor still in its overlap, are refused from the next request on (the authorizer caches nothing: its results cache TTL is 0). Revoking a revoked key changes nothing and answers it. 404 for no such key, 409 `api-key-changed` when another change won a race. Audited.',
    parameters: [API_KEY_ID_PARAMETER],
    responses: { 200: { description: 'The key’s record, revoked.', content: json(ref('ApiKeyView')) } },
    problems: [400, 404, 409],
  },
  'POST /webhook-endpoints': {
    operationId: 'createWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Register a webhook endpoint',
    description:
      'For admins (`webhooks:manage`): an integrator’s endpoint (`url`), the event types it wants delivered (`eventTypes`, each a `WebhookEventType`: an unknown one is a 400 naming it), a `description`, and whether it is `enabled` (true unless said). Each event goes out as its contract defines it, the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`), signed with the endpoint’s secret (`whsec_...`). The secret is in this answer only: it is derived from a key kept outside the table and never shown again (a rotation makes a new one). On AWS the URL must be https and its host public: one that is, or resolves to, a loopback, private, link-local (the instance metadata address among them), carrier-grade NAT, multicast or reserved address is a 400 `webhook-url-refused` naming `body.url` (the local platform allows them, and plain http). A URL with a user name or password, or a fragment, is a 400. Audited, with the URL’s origin and a fingerprint of it, never a secret.',
    parameters: [WEBHOOK_IDEMPOTENCY_KEY],
    requestBody: { required: true, content: json(ref('CreateWebhookEndpointRequest')) },
    responses: {
      201: { description: 'The endpoint and, this once, its signing `secret`.', headers: { Location: HEADERS.Location!, ETag: ENDPOINT_ETAG }, content: json(ref('IssuedWebhookEndpoint')) },
      200: { description: 'A repeat of a request already answered: the endpoint it made, without `secret`.', headers: { Location: HEADERS.Location!, ETag: ENDPOINT_ETAG }, content: json(ref('WebhookEndpoint')) },
    },
    problems: [400, 409],
  },
  'GET /webhook-endpoints': {
    operationId: 'listWebhookEndpoints',
    tag: 'Webhooks',
    summary: 'List webhook endpoints',
    description: 'For admins (`webhooks:manage`): endpoints newest first, a page at a time (`nextCursor`), each with its URL, event types, state (`enabled`, and while disabled `disabledReason`: `manual` or `failing`), `failingSince` while its deliveries fail, and the secret versions it signs with now. Never a secret.',
    parameters: queryParameters(ListWebhookEndpointsQuery),
    responses: { 200: { description: 'A page of endpoints.', content: json(ref('WebhookEndpointPage')) } },
    problems: [400],
  },
  'GET /webhook-endpoints/{id}': {
    operationId: 'getWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Get a webhook endpoint',
    description: 'For admins (`webhooks:manage`): one endpoint, as listed, with its version as the ETag. 404 for an id of no endpoint.',
    parameters: [ENDPOINT_ID_PARAMETER],
    responses: { 200: { description: 'The endpoint.', headers: { ETag: ENDPOINT_ETAG }, content: json(ref('WebhookEndpoint')) } },
    problems: [400, 404],
  },
  'PATCH /webhook-endpoints/{id}': {
    operationId: 'updateWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Change a webhook endpoint',
    description:
      'For admins (`webhooks:manage`): changes the `url` (checked as on create), the `eventTypes` (its subscriptions follow in the same transaction), the `description` (`null` removes it) or `enabled`, under the version read (`version` in the body or `If-Match`; a stale one is a 409 `version-mismatch`). Disabling stops deliveries to it (`disabledReason: manual`); enabling it again, also after the sender disabled it for failing (`disabledReason: failing`), clears its failure state, and what failed meanwhile can be replayed. A patch that changes nothing changes nothing. 404 for no such endpoint. Audited.',
    parameters: [ENDPOINT_ID_PARAMETER, IF_MATCH],
    requestBody: {
      required: true,
      content: { 'application/merge-patch+json': { schema: ref('UpdateWebhookEndpointRequest') }, ...json(ref('UpdateWebhookEndpointRequest')) },
    },
    responses: { 200: { description: 'The endpoint as changed.', headers: { ETag: ENDPOINT_ETAG }, content: json(ref('WebhookEndpoint')) } },
    problems: [400, 404, 409],
    requiredOneOf: VERSION_ONE_OF,
  },
  'DELETE /webhook-endpoints/{id}': {
    operationId: 'deleteWebhookEndpoint',
    tag: 'Webhooks',
    summary: 'Delete a webhook endpoint',
    description:
      'For admins (`webhooks:manage`): the endpoint and its subscriptions go in one transaction, so nothing more is delivered to it; its delivery log stays in the table until it expires (30 days) but is no longer readable through the API. `If-Match` optionally names the version deleted (a stale one is a 409 `version-mismatch`). 404 for no such endpoint, and for one already deleted. Audited.',
    parameters: [ENDPOINT_ID_PARAMETER, { ...IF_MATCH, description: 'The ETag of the version being deleted; optional: without it the endpoint is deleted whatever its version.' }],
    responses: { 204: { description: 'Deleted.' } },
    problems: [400, 404, 409],
  },
  'POST /webhook-endpoints/{id}/rotate-secret': {
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: 'Rotate a webhook endpoint’s signing secret',
    description: `For admins (\`webhooks:manage\`): a new signing secret, in this answer only; the old one keeps signing beside it for \`overlapHours\` (${SECRET_OVERLAP_HOURS.min} to ${SECRET_OVERLAP_HOURS.max}, ${SECRET_OVERLAP_HOURS.default} by default; 0 stops it at once): each request then carries a signature by each (\`webhook-signature: v1,<old> v1,<new>\`), so the receiver verifies with either key while it switches. Rotating again during an overlap stops the older secret at once: at most two sign. 404 for no such endpoint, 409 \`version-mismatch\` when another change won a race. Audited, never with a secret.`,
    parameters: [ENDPOINT_ID_PARAMETER, WEBHOOK_IDEMPOTENCY_KEY],
    requestBody: { required: true, content: json(ref('RotateWebhookSecretRequest')) },
    responses: {
      201: { description: 'The endpoint with its secret versions and, this once, the new `secret`.', headers: { ETag: ENDPOINT_ETAG }, content: json(ref('IssuedWebhookEndpoint')) },
      200: { description: 'A repeat of a rotation already answered: the endpoint, without `secret`.', headers: { ETag: ENDPOINT_ETAG }, content: json(ref('WebhookEndpoint')) },
    },
    problems: [400, 404, 409],
  },
  'GET /webhook-endpoints/{id}/deliveries': {
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'List an endpoint’s deliveries',
    description:
      'For admins (`webhooks:manage`): the endpoint’s deliveries (one per event it was sent), newest first by the event’s time, optionally of one `status` (`pending`, `succeeded`, `failed`, `endpoint-disabled`) and within `from`..`to` (ISO 8601 instants, inclusive; `from` after `to` is a 400 naming it). Each with its `id` (for the routes below), its `webhookId` (the `webhook-id` every attempt and replay sends, for a receiver’s deduplication), its event, its state, how many attempts it had and how the last one went; not the payload (see one delivery). Kept 30 days. A page may hold fewer than `limit` while more follow: pass `nextCursor` back as `cursor` with the same filters until it is null; a cursor of another listing is a 400. 404 for no such endpoint.',
    parameters: [ENDPOINT_ID_PARAMETER, ...queryParameters(ListDeliveriesQuery)],
    responses: { 200: { description: 'A page of deliveries, newest first.', content: json(ref('WebhookDeliveryPage')) } },
    problems: [400, 404],
  },
  'GET /webhook-endpoints/{id}/deliveries/{deliveryId}': {
    operationId: 'getWebhookDelivery',
    tag: 'Webhooks',
    summary: 'Get a delivery and its attempts',
    description:
      'For admins (`webhooks:manage`): one delivery as listed, with its `payload` (the JSON sent: the event as its contract defines it) and its `log`, every attempt oldest first: when, what started it (`event`, `retry`, `replay`), the endpoint’s status code or why there was none (`timeout`, `connection-refused`, `dns`, `refused-address`, ...), how long it took, and the first 1,024 bytes of the answer’s body (no headers). 404 for no such endpoint or delivery.',
    parameters: DELIVERY_PARAMETERS,
    responses: { 200: { description: 'The delivery with its attempts.', content: json(ref('WebhookDelivery')) } },
    problems: [400, 404],
  },
  'POST /webhook-endpoints/{id}/deliveries/{deliveryId}/replay': {
    operationId: 'replayWebhookDelivery',
    tag: 'Webhooks',
    summary: 'Replay a delivery',
    description:
      'For admins (`webhooks:manage`): sends the delivery to its endpoint again now, whatever its state, as a new round of attempts with the retry schedule, under the same `webhook-id` (a receiver that dedupes on it ignores what it already had) and with a fresh signature. 202 with the delivery, `pending`. 404 for no such endpoint or delivery; 409 `webhook-endpoint-disabled` while the endpoint is disabled (enable it first). Repeating it sends it once more.',
    parameters: DELIVERY_PARAMETERS,
    responses: { 202: { description: 'The delivery, on its way again.', headers: { Location: HEADERS.Location! }, content: json(ref('WebhookDeliverySummary')) } },
    problems: [400, 404, 409],
  },
  'POST /webhook-endpoints/{id}/replay': {
    operationId: 'replayWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'Replay the deliveries of a time range',
    description: `For admins (\`webhooks:manage\`): sends again every delivery of the endpoint whose event time is within \`from\`..\`to\` (inclusive), of one \`status\` when given (\`failed\`, or \`endpoint-disabled\` after the endpoint is enabled again), oldest first, each as one replay above. At most ${MAX_REPLAY} a call: \`nextCursor\` is where the next call (the same body with \`cursor\`) continues, \`null\` when the range is done. 202 with how many were sent. 404 for no such endpoint; 409 \`webhook-endpoint-disabled\` while it is disabled; 400 for \`from\` after \`to\` or a cursor of another range.`,
    parameters: [ENDPOINT_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('ReplayRangeRequest')) },
    responses: { 202: { description: 'How many deliveries were sent again, and where to continue.', headers: { Location: HEADERS.Location! }, content: json(ref('WebhookReplay')) } },
    problems: [400, 404, 409],
  },
  'GET /staff': {
    operationId: 'listStaff',
    tag: 'Staff',
    summary: 'List staff with their roles and stores',
    description:
      'For admins (`admin`): staff a page at a time (`nextCursor`; at most 60), `role` to keep the holders of one. On AWS the staff pool’s users with their groups; locally the store of principals, which holds those given roles through `PUT /staff/{subject}/roles`.',
    parameters: queryParameters(ListStaffQuery),
    responses: { 200: { description: 'A page of staff.', content: json(ref('StaffPage')) } },
    problems: [400],
  },
  'GET /staff/{subject}': {
    operationId: 'getStaffMember',
    tag: 'Staff',
    summary: 'Get a member of staff’s roles and stores',
    description: 'For admins (`admin`). 404 for a subject the directory does not know.',
    parameters: [STAFF_SUBJECT_PARAMETER],
    responses: { 200: { description: 'Their roles and stores.', content: json(ref('StaffMember')) } },
    problems: [400, 404],
  },
  'PUT /staff/{subject}/roles': {
    operationId: 'setStaffRoles',
    tag: 'Staff',
    summary: 'Give and take staff roles',
    description:
      'For admins (`admin`): sets a member of staff’s roles (staff roles only) and the stores a picker or store manager works at to exactly those sent; an empty `roles` takes every role away. On AWS these are the staff pool’s groups (a store is the group `store:<id>`); locally the store of principals, which `POST /local/tokens` consults, so the next token minted carries the change. Tokens already issued keep their roles until they expire. Repeating it changes nothing more. 400 `stores-required` or `stores-not-applicable` when the stores do not fit the roles; 404 on AWS for someone not in the staff pool; 409 `own-admin-role` for an admin taking admin from themselves, `staff-changed` when another change won a race. Audited, with the roles and stores before and after.',
    parameters: [STAFF_SUBJECT_PARAMETER],
    requestBody: { required: true, content: json(ref('SetStaffRolesRequest')) },
    responses: { 200: { description: 'Their roles and stores now.', content: json(ref('StaffMember')) } },
    problems: [400, 404, 409],
  },
  'GET /admin/queues': {
    operationId: 'listDeadLetterQueues',
    tag: 'Operations',
    summary: 'List the dead-letter queues with their depths',
    description:
      'For operators (`admin`): every queue of the wiring with its dead-letter queue, each with the messages waiting (`depth`), in flight and delayed as SQS counts them (approximately), by queue id. `redriving` is true while dead letters are in flight: only `POST /admin/queues/{id}/redrive` receives from a dead-letter queue. The age of the oldest dead letter is not given: SQS reports it as a CloudWatch metric only. Never cached.',
    responses: { 200: { description: 'The dead-letter queues.', content: json(ref('DeadLetterQueueList')) } },
  },
  'POST /admin/queues/{id}/redrive': {
    operationId: 'redriveQueue',
    tag: 'Operations',
    summary: 'Move a queue’s dead letters back onto it',
    description:
      'For operators (`admin`), once the cause of the failures is fixed: the messages waiting in the queue’s dead-letter queue (those its consumer failed `maxReceiveCount` times; an alarm fires as soon as there is one) are sent back to the queue unchanged, ten at a time, and deleted from the dead-letter queue only once sent, so none is lost; consumers dedupe, so one moved twice is harmless. It stops after about 20 s: `more: true` means call again. `npm run dlq:redrive -- <queue-id>` does the same from a shell. 404 for a queue the wiring does not have.',
    parameters: [
      { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' }, description: 'A queue id from the wiring, such as `billing-sync`.' },
    ],
    responses: {
      200: {
        description: 'How many messages moved.',
        content: json({
          type: 'object',
          properties: {
            queueId: { type: 'string' },
            moved: { type: 'integer', minimum: 0, description: 'Sent to the queue and deleted from the dead-letter queue.' },
            failed: { type: 'integer', minimum: 0, description: 'Could not be sent; they stay in the dead-letter queue.' },
            notDeleted: { type: 'integer', minimum: 0, description: 'Sent, but still in the dead-letter queue too: they will be delivered twice, which consumers tolerate.' },
            more: { type: 'boolean', description: 'The dead-letter queue may still hold messages: call again.' },
          },
          required: ['queueId', 'moved', 'failed', 'notDeleted', 'more'],
          additionalProperties: false,
        }),
      },
    },
    problems: [400, 404],
  },
  'POST /webhooks/billing': {
    operationId: 'receiveBillingWebhook',
    tag: 'Billing',
    summary: 'Receive a billing system webhook',
    description:
      'For the billing system only: an event (`invoice.paid`, `invoice.payment_failed`, `credit_note.created`, `subscription.updated`), authenticated by `Billing-Signature` over the body exactly as sent with the current signing key or, during a rotation, the previous one, not by a token. It is queued and applied later, once per event id and only ever moving an invoice, credit note or subscription forward, so duplicates and events out of order are harmless; other event types are accepted and ignored. 401 for a missing or wrong signature, 400 `stale-webhook` for a genuine one more than 300 s old and `malformed-webhook` for a signed body that is not an event; in each case nothing is queued.',
    parameters: [
      {
        name: 'Billing-Signature',
        in: 'header',
        required: true,
        schema: { type: 'string' },
        description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one `v1` per signing key.',
      },
    ],
    requestBody: { required: true, content: json({ type: 'object', description: 'A billing event (`id`, `type`, `created`, `data.object`).' }) },
    responses: {
      200: {
        description: 'The event is queued.',
        content: json({ type: 'object', properties: { received: { const: true } }, required: ['received'], additionalProperties: false }),
      },
    },
    // 401: the signature is the credential of this public route; 400 `stale-webhook` and `malformed-webhook`.
    problems: [400, 401],
  },
  'POST /webhooks/orders': {
    operationId: 'receiveCourierWebhook',
    tag: 'Fulfillment',
    summary: 'Receive a courier’s tracking event',
    description:
      'For the courier only (integration-files/couriers): a `tracking.updated` event, authenticated by `Courier-Signature` over the body exactly as sent with the current signing key or, during a rotation, the previous one, not by a token. It is queued and applied later to the shipment its `reference` (`<orderId>/<shipmentId>`) names, once per event id and only ever moving the shipment forward (a later attempt, or a later status within one), with `fulfillment.updated`; so duplicates and events out of order are harmless, and a `delivered` that arrives before its `out_for_delivery` wins. Signed events of other types are accepted and ignored. 401 for a missing or wrong signature, 400 `stale-webhook` for a genuine one dated more than 300 s from our clock either way and `malformed-webhook` for a signed body that is not a tracking event as the courier contract describes it; in each case nothing is queued.',
    parameters: [
      {
        name: 'Courier-Signature',
        in: 'header',
        required: true,
        schema: { type: 'string' },
        description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one `v1` per signing key.',
      },
    ],
    requestBody: { required: true, content: json({ type: 'object', description: 'A courier event (`id`, `type`, `created`, `data.object`): integration-files/couriers/openapi.json, webhook `tracking.updated`.' }) },
    responses: {
      200: {
        description: 'The event is queued (or, of a type not acted on, accepted).',
        content: json({ type: 'object', properties: { received: { const: true } }, required: ['received'], additionalProperties: false }),
      },
    },
    // 401: the signature is the credential of this public route; 400 `stale-webhook` and `malformed-webhook`.
    problems: [400, 401],
  },
  'POST /subscriptions': {
    operationId: 'createSubscription',
    tag: 'Billing',
    summary: 'Subscribe to a delivery pass',
    description:
      'The caller subscribes to a delivery-pass plan (`delivery-pass-monthly` or `delivery-pass-annual`). The subscription is stored `pending` and created in the billing system behind a queue (customer, then subscription); its status then follows the billing system: `active` (delivery fees are waived in cart pricing), `past_due` (a payment failed; fees are charged again), `cancelled`. 409 `subscription-exists` when the caller already has a pass, or one pending on another plan; asking again for a pass still pending on the same plan returns it and retries its creation.',
    requestBody: { required: true, content: json(ref('SubscribeRequest')) },
    responses: { 201: { description: 'The subscription, pending.', headers: { Location: HEADERS.Location! }, content: json(ref('Subscription')) } },
    problems: [400, 409],
    idempotent: true,
  },
  'GET /subscriptions/{id}': {
    operationId: 'getSubscription',
    tag: 'Billing',
    summary: 'Get a delivery-pass subscription',
    description: 'The caller’s own subscription with its status and, once created in the billing system, its ids there. Another shopper’s is a 404, exactly like a missing one.',
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 }, description: 'A subscription id (a ULID).' }],
    responses: { 200: { description: 'The subscription.', content: json(ref('Subscription')) } },
    problems: [400, 404],
  },
  'POST /subscriptions/{id}/cancel': {
    operationId: 'cancelSubscription',
    tag: 'Billing',
    summary: 'Cancel a delivery pass',
    description:
      'The caller cancels their own pass. One still `pending` (not yet created in the billing system) ends at once: `cancelled`, `cancelAtPeriodEnd: false`. Otherwise it runs to the end of the period paid for: it stays as it is (`active` keeps waiving delivery fees) with `cancelAtPeriodEnd: true`, the billing system is told behind a queue (its answer adds `currentPeriodEnd`), and it becomes `cancelled` when billing ends it; from `currentPeriodEnd` on it waives nothing even before then. Cancelling again answers the same state. A POST rather than a DELETE, since the pass is not removed: it stays readable, and may run on for weeks. Another shopper’s pass is a 404, exactly like a missing one.',
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 }, description: 'A subscription id (a ULID).' }],
    responses: { 200: { description: 'The subscription as cancelled, or as it already was.', content: json(ref('Subscription')) } },
    problems: [400, 404],
  },
  'GET /tax-rates': {
    operationId: 'getTaxRates',
    tag: 'Tax',
    summary: 'The tax rate table',
    description: 'Rates in basis points per jurisdiction and tax category, with the table’s version. Until a table is stored the built-in default applies, at version 0.',
    responses: { 200: { description: 'The table in force.', headers: { ETag: TAX_RATES_ETAG }, content: json(ref('TaxRatesView')) } },
  },
  'PUT /tax-rates': {
    operationId: 'replaceTaxRates',
    tag: 'Tax',
    summary: 'Replace the tax rate table',
    description: `Replaces the whole table (every jurisdiction, each with a rate for food, non-food and alcohol) under \`If-Match\`, so a rate change is data rather than a release. Carts price with the new rates within ${TAX_RATES_MAX_AGE_SECONDS} s. Audited.`,
    parameters: [TAX_RATES_IF_MATCH],
    requestBody: { required: true, content: json(ref('ReplaceTaxRatesRequest')) },
    responses: { 200: { description: 'The table as stored.', headers: { ETag: TAX_RATES_ETAG }, content: json(ref('TaxRatesView')) } },
    problems: [400, 409],
  },
  'GET /audit': {
    operationId: 'listAudit',
    tag: 'Audit',
    summary: 'Read the audit trail',
    description:
      `For head office and admins (\`audit:read\`): who changed what and when, with the values before and after, newest first. Every change of money or stock writes an entry in the same transaction as the change: prices (\`product\`, \`price-changed\`), stock adjustments, restocks and write-offs (\`stock\`, id \`<storeId>/<sku>\`), promotions, tax rates, refunds and cancellations (\`order\`), API keys and staff roles, and customers' personal-data requests. Each entry names its \`actor\` and whether a \`person\`, an \`integration\` (an API key) or the \`system\` (a job, the checkout saga), and the request's \`correlationId\` (the \`x-correlation-id\` it was sent with, or its request id; absent on entries older than issue 14). Filters: \`entity\` with \`entityId\` (one entity's history), \`actor\`, \`action\`, and a time range \`from\`..\`to\` (ISO 8601 instants). Without \`entityId\` or \`actor\` the range is read day by day and may span at most ${MAX_RANGE_DAYS} days (the last ${DEFAULT_RANGE_DAYS} days when \`from\` is left out); a longer one is a 400 naming \`from\`. A page may hold fewer than \`limit\` entries while more follow: pass \`nextCursor\` back as \`cursor\` with the same filters until it is null; a cursor of another listing is a 400. Entries cannot be changed or deleted through the API.`,
    parameters: queryParameters(ListAuditQuery),
    responses: { 200: { description: 'One page of audit entries, newest first.', content: json(ref('AuditPage')) } },
    problems: [400],
  },
  'GET /reports/reconciliation': {
    operationId: 'getReconciliationReport',
    tag: 'Billing',
    summary: 'A day’s reconciliation: our books, billing and the payment gateway',
    description:
      'For operators and head office (`reports:read`; store managers, whose `store-reports:read` reads their stores’ sales, refunds and tax, do not read it): the summary of the latest nightly reconciliation of one UTC `date` between three sides: our books (sales and refunds of the day), the billing system’s exports and the payment gateway’s balance transactions (Stripe’s captures and refunds of the day). It gives the number of discrepancies of each kind (`missing-invoice` and `captured-not-invoiced`, re-enqueued to billing when we hold no invoice for the sale; `orphan-invoice`, `amount-mismatch`, `tax-mismatch`, `status-mismatch`, `credit-note-missing`, `refunded-not-credited`, `unknown-charge` (a charge naming no order of ours) and `gateway-amount-mismatch`, recorded as adjustments with a reason), per-currency totals of each side (`sales`/`refunds` ours, `invoiced`/`credited` billing’s, `gateway.captured`/`gateway.refunded` the gateway’s), the orders the discrepancies name with all three sides’ figures (`orders`, by order id, at most 500; `ordersOmitted` counts the rest, which are in the report files), when it ran, and the keys of the full report (JSON and CSV, one row per discrepancy with `ours`, `theirs` and `gateway` columns) in the exports bucket. Amounts are integer minor units of the row’s currency. 404 for a day not reconciled yet.',
    parameters: queryParameters(ReconciliationReportQuery).map((parameter) => ({ ...parameter, description: 'The reconciled UTC day, `YYYY-MM-DD`.' })),
    responses: { 200: { description: 'The day’s summary.', content: json(ref('ReconciliationSummary')) } },
    problems: [400, 404],
  },
  'GET /reports/sales': reportOperation('sales', 'getSalesReport', 'A store’s sales per day', 'SalesReport',
    'orders completed, `gross` (before promotions and loyalty redemption), `discounts`, `net` (what was captured, tax included), `tax`, `fees` and `feesTax` (delivery and service fees as paid, and their tax), and `taxByRate` (each rate’s part net of tax, and its tax; `rateBasisPoints` null for fees, whose rate orders do not record)'),
  'GET /reports/refunds': reportOperation('refunds', 'getRefundsReport', 'A store’s refunds per day', 'RefundsReport',
    'refunds made on the day (which may be long after the sale), their `amount` (tax included), `tax` and `taxByRate` (a refund of money split over its order’s rates in proportion)'),
  'GET /reports/tax': reportOperation('tax', 'getTaxReport', 'A store’s tax summary per day', 'TaxReport',
    'one row per tax jurisdiction and rate: sales’ and refunds’ parts net of tax, their tax, and `netTax` (sales’ tax less refunds’)'),
  'POST /carts': {
    operationId: 'createCart',
    tag: 'Carts',
    summary: 'Open a cart at a store',
    description:
      'An empty cart for the caller at a store, in the store’s currency and tax mode (prices include tax except in US jurisdictions). The caller (the token’s subject) owns it; it is removed 30 days after its last change. 404 names a store that does not exist, 409 `store-closed` a store that takes no orders.',
    requestBody: { required: true, content: json(ref('CreateCartRequest')) },
    responses: { 201: { description: 'The new cart.', headers: { Location: HEADERS.Location! }, content: json(ref('Cart')) } },
    problems: [400, 404, 409],
    idempotent: true,
  },
  'GET /carts/{id}': {
    operationId: 'getCart',
    tag: 'Carts',
    summary: 'Get a cart, priced and explained',
    description:
      'The cart with `pricing` computed now from the catalog’s current prices, the promotions running, the applied coupons, the store’s tax rates, the chosen slot’s fee and minimum order and the loyalty redemption: per line its subtotal, each discount with its promotion id, its tax and total, and for weighed lines the estimate and the amount authorized on the card (estimate plus a 15 % buffer). Lines whose product is no longer sold are listed in `unavailableLines` instead of priced. Another shopper’s cart is a 404, as for a cart that does not exist; staff with the `admin` scope may read any cart.',
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The cart.', content: json(ref('CartView')) } },
    problems: [400, 404],
  },
  'POST /carts/{id}/lines': {
    operationId: 'addCartLine',
    tag: 'Carts',
    summary: 'Add a SKU to a cart',
    description:
      'Quantities are whole numbers in the unit the SKU is sold in: `count` (1-99) for items and packs; `grams` (50-25,000) or a `count` of items for goods sold by weight, converted with the product’s average weight (both are kept); `millilitres` (50-25,000) for goods sold by volume. The substitution preference says what the picker may hand over if the product is out of stock: `none` (the default), `best-match` (a product of the same category, sold and taxed the same way), `same-brand` (a best match of the same brand; another brand only if the shopper accepts it) or `specific` with the `substituteSku` the shopper chose (it must be sold the same way, taxed alike, not a bundle, and not age-restricted unless this SKU is: 400 naming `body.substituteSku` otherwise); `any`, the older spelling, is read as `best-match`. The same SKU with the same substitution preference adds to its existing line. 400 names a SKU no product has or a quantity that does not fit how it is sold, 409 `product-archived` a product (or chosen substitute) no longer sold, 422 `cart-too-many-lines` past 50 lines. Concurrent adds from several devices all land. Announced as `cart.add`.',
    parameters: [ID_PARAMETER],
    requestBody: { required: true, content: json(ref('AddLineRequest')) },
    responses: { 200: { description: 'The cart with the line added.', content: json(ref('Cart')) } },
    problems: [400, 404, 409, 422],
    idempotent: true,
  },
  'PATCH /carts/{id}/lines/{lineId}': {
    operationId: 'updateCartLine',
    tag: 'Carts',
    summary: 'Change a cart line',
    description: 'Sets the line’s quantity (the same rules as adding) and/or its substitution preference, given whole (`substituteSku` with `specific`, checked as when adding; a line that stops being `specific` forgets its chosen SKU). Announced as `cart.update`.',
    parameters: [ID_PARAMETER, LINE_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('UpdateLineRequest')) },
    responses: { 200: { description: 'The cart with the line changed.', content: json(ref('Cart')) } },
    problems: [400, 404, 409],
  },
  'DELETE /carts/{id}/lines/{lineId}': {
    operationId: 'removeCartLine',
    tag: 'Carts',
    summary: 'Remove a cart line',
    description: 'Removes the line (also how a line no longer sold is cleared). Announced as `cart.update`.',
    parameters: [ID_PARAMETER, LINE_ID_PARAMETER],
    responses: { 200: { description: 'The cart without the line.', content: json(ref('Cart')) } },
    problems: [400, 404, 409],
  },
  'POST /carts/{id}/coupons': {
    operationId: 'applyCoupon',
    tag: 'Carts',
    summary: 'Apply a coupon',
    description:
      'Applies a coupon code if pricing the cart with it applies its promotion. Every refusal answers the same 422 `coupon-not-applicable`, with the same detail, whether the code does not exist or its promotion ended, has not started, is for another store or currency, targets nothing in the cart, needs a larger spend, does not combine with a coupon already applied or is used up: the answer never tells a real code from a guess. After 5 refused codes in 15 minutes, every coupon attempt of the caller is a 429 `too-many-coupon-attempts` until `Retry-After`. 422 `cart-too-many-coupons` past 10 codes. Applying a code already on the cart changes nothing.',
    parameters: [ID_PARAMETER],
    requestBody: { required: true, content: json(ref('ApplyCouponRequest')) },
    responses: { 200: { description: 'The cart with the coupon.', content: json(ref('Cart')) } },
    problems: [400, 404, 409, 422],
  },
  'DELETE /carts/{id}/coupons/{code}': {
    operationId: 'removeCoupon',
    tag: 'Carts',
    summary: 'Remove a coupon',
    description: 'Removes the code; removing one the cart does not have changes nothing.',
    parameters: [ID_PARAMETER, COUPON_CODE_PARAMETER],
    responses: { 200: { description: 'The cart without the coupon.', content: json(ref('Cart')) } },
    problems: [400, 404, 409],
  },
  'PUT /carts/{id}/loyalty': {
    operationId: 'redeemLoyaltyPoints',
    tag: 'Carts',
    summary: 'Choose loyalty points to redeem',
    description:
      'The points to redeem against the cart; 0 removes the redemption. They are spent at checkout. 422 `loyalty-limit` when the balance or the scheme (blocks of 100 points, at most half of the goods, at least 100 points) allows fewer, with `limitedBy` and `redeemable`.',
    parameters: [ID_PARAMETER],
    requestBody: { required: true, content: json(ref('LoyaltyRequest')) },
    responses: { 200: { description: 'The cart with the redemption.', content: json(ref('Cart')) } },
    problems: [400, 404, 409, 422],
  },
  'PUT /carts/{id}/fulfillment': {
    operationId: 'chooseFulfillment',
    tag: 'Carts',
    summary: 'Choose delivery or pickup, and a slot',
    description:
      'Delivery to an address or pickup at the cart’s store, in one of that store’s slots of the same mode (see `GET /stores/{id}/slots`). The slot must be bookable now: 422 `slot-in-past` or `slot-cut-off`, 409 `slot-full` or `slot-closed`, 404 for a slot the store does not have. Its fee and minimum order feed the cart’s pricing; its capacity is only held with the stock, by `POST /carts/{id}/hold`. A delivery names its address inline (`address`) or as one of the cart’s shopper’s saved addresses (`addressId`, its lines copied into the cart as they are then; another shopper’s is a 404 like a missing one): exactly one of the two, else a 400. The postcode is checked for its country and normalised (400 naming `body.address.postcode`, 422 `country-not-served`), and must be in the store’s delivery area: 422 `address-outside-delivery-area` naming the store and postcode, the cart unchanged. Checkout checks the area again.',
    parameters: [ID_PARAMETER],
    requestBody: { required: true, content: json(ref('FulfillmentRequest')) },
    responses: { 200: { description: 'The cart with its fulfillment choice.', content: json(ref('Cart')) } },
    problems: [400, 404, 409, 422],
  },
  'POST /carts/{id}/hold': {
    operationId: 'holdCart',
    tag: 'Carts',
    summary: 'Hold the basket’s stock and slot',
    description:
      'Checkout’s first step: every line’s stock (weighed lines by their estimated grams) and one unit of the slot’s capacity, held for 15 minutes in one transaction, or nothing. The cart becomes `held` (changes are a 409 until released). 409 `insufficient-stock` names each short line (`shortLines`), 409 `slot-full` when the slot filled up; 422 `cart-empty`, `fulfillment-missing`, `slot-in-past`, `slot-cut-off`, `minimum-order-not-met` (a basket below the slot’s minimum order holds nothing); 422 `address-outside-delivery-area` naming the store and postcode when the store no longer delivers to the cart’s address (its area may have changed since the address was chosen), nothing held; 409 `cart-has-unavailable-lines`. One shopper holds at most 2 baskets (or orders awaiting payment) per store, 409 `too-many-holds`, and at most 24 items, 12 kg or 12 l of one SKU across them, 422 `hold-quantity-limit` (`sku`, `unit`, `limit`, `requested`, `heldElsewhere`). 429 `too-many-requests` past 10 holds a minute per shopper, with `Retry-After`. Repeating it while the hold lasts returns the same hold.',
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The held cart, with its reservation id and `holdUntil`.', content: json(ref('Cart')) } },
    problems: [400, 404, 409, 422],
  },
  'DELETE /carts/{id}/hold': {
    operationId: 'releaseCartHold',
    tag: 'Carts',
    summary: 'Release the basket hold',
    description: 'Gives the stock and the slot back and reopens the cart for changes. Releasing an open cart changes nothing.',
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The open cart.', content: json(ref('Cart')) } },
    problems: [400, 404, 409],
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    tag: 'Docs',
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document.', content: json({ type: 'object' }) } },
  },
  'GET /health': {
    operationId: 'getHealth',
    tag: 'Operations',
    summary: 'Whether the service can take traffic',
    description: `For probes and start-up scripts: 200 once the table answers and has every data migration applied. Until then, and while the local platform is still starting (engines, migrations, sandboxes, the sample data), a 503 problem with \`Retry-After\` (${HEALTH_RETRY_AFTER_SECONDS} s here, 1 s from the starting local platform) that lists what is \`pending\`; while the local platform starts, every other operation answers the same 503. Costs one read, never a scan; never cached.`,
    responses: { 200: { description: 'Ready.', content: json(ref('HealthView')) } },
    // 503 with Retry-After until the table answers with every migration applied (and while the local platform starts).
    problems: [503],
  },
  'GET /auth/sign-in-options': {
    operationId: 'getSignInOptions',
    tag: 'Console',
    summary: 'How staff sign in to the console',
    description:
      'For the console’s sign-in page: `mode` `local` (the local platform: pick a subject and staff `roles`, offered only to requests addressed to localhost, 127.0.0.1 or [::1]) or `cognito` (on AWS: send the browser to `authorizeUrl` with `clientId`, `scopes`, `response_type=code` and a PKCE `code_challenge` (S256), then `POST /auth/session` with the code). See docs/console-sign-in.md.',
    responses: { 200: { description: 'The sign-in on offer.', content: json(ref('SignInOptions')) } },
  },
  'POST /auth/session': {
    operationId: 'createSession',
    tag: 'Console',
    summary: 'Sign in to the console',
    description:
      'Starts a console session and sets its cookie (`__Host-smartshelf-session`: `Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=900`). `{"grant": "local", "subject", "roles", "stores"}` only where `mode` is `local` and the request names a loopback host (403 `local-sign-in-refused` otherwise; staff roles only, `stores` for a picker or store manager, 400 `stores-required`; a subject the staff directory knows gets the roles it holds). `{"grant": "authorization_code", "code", "codeVerifier", "redirectUri"}` where `mode` is `cognito`: the code is redeemed at the hosted UI with the PKCE verifier (400 `invalid-grant` when the identity provider refuses it, 400 `grant-not-offered` locally), the access token verified like a bearer token (401 if it does not), and its groups are the roles; 403 `no-staff-roles` for an identity with none. No token is kept. Not behind the idempotency middleware, which would store the answer (cookie and all) for a day: a repeated local sign-in starts another session, which is harmless (each ends by itself within 15 minutes), and a repeated code is refused by the identity provider (codes are single-use).',
    requestBody: { required: true, content: json(ref('CreateSessionRequest')) },
    responses: {
      201: { description: 'Signed in: the session (`csrfToken` for the requests that change anything) and its cookie.', headers: { Location: HEADERS.Location!, 'Set-Cookie': SESSION_COOKIE_HEADER }, content: json(ref('SessionView')) },
    },
    problems: [401, 403, 503],
  },
  'GET /auth/session': {
    operationId: 'getSession',
    tag: 'Console',
    summary: 'The console’s session',
    description:
      'The session the cookie names (the cookie is this operation’s credential: a request another site started, `Sec-Fetch-Site` other than `same-origin` or `none`, is refused). 401 `no-session` when there is none, it ended, or it expired (15 minutes idle, 8 hours at most).',
    responses: { 200: { description: 'The session.', content: json(ref('SessionView')) } },
    problems: [401],
  },
  'POST /auth/session/refresh': {
    operationId: 'refreshSession',
    tag: 'Console',
    summary: 'Refresh the console’s session',
    description:
      'Moves the session to a new id in a new cookie (the old cookie stops working), 15 more minutes idle but never past 8 hours from sign-in, with the roles and stores read again from the staff directory (a role taken away ends here at the latest; someone left with none is signed out). Needs the cookie and `X-CSRF-Token`; 401 `no-session` without them, for an ended session, or for the loser of two refreshes racing on one session.',
    parameters: [CSRF_TOKEN_PARAMETER],
    responses: { 200: { description: 'The refreshed session and its new cookie.', headers: { 'Set-Cookie': SESSION_COOKIE_HEADER }, content: json(ref('SessionView')) } },
    problems: [401],
  },
  'DELETE /auth/session': {
    operationId: 'deleteSession',
    tag: 'Console',
    summary: 'Sign out of the console',
    description: 'Ends the session: its cookie is refused from the next request. Needs the cookie and `X-CSRF-Token`; 401 `no-session` without them or for a session already ended.',
    parameters: [CSRF_TOKEN_PARAMETER],
    responses: { 204: { description: 'Signed out; the cookie is expired.', headers: { 'Set-Cookie': SESSION_COOKIE_HEADER } } },
    problems: [401],
  },
  'GET /docs': {
    operationId: 'getApiDocs',
    tag: 'Docs',
    summary: 'A readable HTML rendering of this document',
    responses: { 200: { description: 'A self-contained HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
  },
  'GET /search': {
    operationId: 'searchProducts',
    tag: 'Search',
    summary: 'Search products, with facets',
    description:
      'Full text over name, brand, SKUs, tags and description, forgiving a typo per five letters and an unfinished last word; every word must match. Facets count category (with ancestors), brand, dietary flags, price band, on-offer and, with `store`, in-stock there; each facet is counted without its own filter (so the alternatives stay visible), except dietary flags, which are and-ed and counted over the results. List values are comma-separated (`brand=Heinz,Walkers`). Results come from an in-memory index that follows catalog and stock changes within seconds (see `docs/search.md`). A cursor only works for the search that issued it: changing `q`, a filter or `sort` makes it a 400.',
    parameters: queryParameters(SearchQuery),
    responses: { 200: { description: 'One page of matching products, the facet counts and the total.', content: json(ref('SearchPage')) } },
    problems: [400],
  },
  'GET /products/{id}/recommendations': {
    operationId: 'getRecommendations',
    tag: 'Search',
    summary: 'Recommendations for a product',
    description:
      'Products bought in the same completed orders (`reason: bought-together`, at least two orders together, most often first), filled up with the best sellers of the product’s category, widening to its parent categories (`reason: popular-in-category`). Never the product itself, an archived product, one out of stock (at `store`, or at every store when none is given), or an age-restricted product: this route takes no credentials, so no caller counts as age-verified.',
    parameters: [ID_PARAMETER, ...queryParameters(RecommendationsQuery)],
    responses: { 200: { description: 'Up to `limit` products, each with the reason it is recommended.', content: json(ref('Recommendations')) } },
    problems: [400, 404],
  },
  'GET /categories': {
    operationId: 'listCategories',
    tag: 'Categories',
    summary: 'List the category tree',
    description: 'Every active category in depth-first path order, each with `parentId`, `path` and `depth`; `tree=true` nests them under their parents instead. Retired categories are left out (catalog staff see them with `GET /admin/categories`).',
    parameters: queryParameters(ListCategoriesQuery),
    responses: { 200: { description: 'The categories.', content: json(ref('CategoryList')) } },
    problems: [400],
  },
  'POST /categories': {
    operationId: 'createCategory',
    tag: 'Categories',
    summary: 'Create a category',
    description:
      'Adds a root category, or one under `parentId`. Attribute definitions apply to the category’s products and its descendants’; an inherited attribute cannot be redefined.',
    requestBody: { required: true, content: json(ref('CreateCategoryRequest')) },
    responses: { 201: { description: 'The new category.', content: json(ref('CategoryView')) } },
    problems: [400, 409],
    idempotent: true,
  },
  'GET /admin/categories': {
    operationId: 'listAdminCategories',
    tag: 'Categories',
    summary: 'List the category tree for catalog staff',
    description:
      '`GET /categories` shows shoppers the active categories only (it takes no credentials); catalog staff see the retired ones here too: `status` `all` (the default), `active` or `retired`, flat in path order or nested with `tree=true`.',
    parameters: queryParameters(ListAdminCategoriesQuery),
    responses: { 200: { description: 'The categories.', content: json(ref('CategoryList')) } },
    problems: [400],
  },
  'PATCH /categories/{id}': {
    operationId: 'updateCategory',
    tag: 'Categories',
    summary: 'Rename or move a category',
    description:
      'A new `name`, `slug` or `parentId` (`null`: a root). Send the version being changed as `version` or `If-Match`; a stale one is a 409 `version-mismatch`. A new slug or parent moves the category’s path, and with it its whole subtree’s paths and its products’ (each product gets its next version and `product.updated`), all in one transaction: a subtree needing more than 100 writes (three per category, two per product) is a 409 `category-too-large-to-move` (move its subcategories first). 400 naming `body.parentId` for a move under itself or its own descendant, a missing or retired parent, or more than seven levels; 409 `category-exists` when a sibling has the slug, `category-retired` for a retired category, `category-changed` when its subtree changed meanwhile. Audited (`category`, `category-updated`).',
    parameters: [ID_PARAMETER, IF_MATCH],
    requestBody: { required: true, content: json(ref('UpdateCategoryRequest')) },
    responses: { 200: { description: 'The category as changed.', headers: { ETag: { ...HEADERS.ETag!, description: 'The category version as a strong entity tag, for `If-Match`.' } }, content: json(ref('CategoryView')) } },
    problems: [400, 404, 409],
    requiredOneOf: VERSION_ONE_OF,
  },
  'POST /categories/{id}/retire': {
    operationId: 'retireCategory',
    tag: 'Categories',
    summary: 'Retire a category',
    description:
      'The category stays (orders, reports and the audit name it) but takes no new products or subcategories, and `GET /categories` no longer shows it. 409 `category-in-use` while it has an active subcategory or an active product (their ids in `categories` and `products`), `category-changed` when one joined it while it was being retired. Retiring a retired category answers it as it is. Audited (`category`, `category-retired`).',
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The retired category.', headers: { ETag: { ...HEADERS.ETag!, description: 'The category version as a strong entity tag.' } }, content: json(ref('CategoryView')) } },
    problems: [400, 404, 409],
  },
  'GET /products': {
    operationId: 'listProducts',
    tag: 'Products',
    summary: 'List products',
    description:
      'Products in category-path order. `category` includes the products of its descendants. Filter by attribute with `attr.<name>=<value>` (for example `attr.vegan=true`, `attr.allergens=milk`), up to 10 of them. Page with `cursor` until `nextCursor` is null.',
    parameters: queryParameters(ProductFilters, ['attr']),
    responses: { 200: { description: 'One page of products.', content: json(ref('ProductPage')) } },
    problems: [400],
  },
  'POST /products': {
    operationId: 'createProduct',
    tag: 'Products',
    summary: 'Create a product',
    description:
      'Adds a product and claims its variants’ SKUs catalog-wide. Attributes are checked against the definitions of the category and its ancestors; a bundle’s components must be existing SKUs.',
    requestBody: { required: true, content: json(ref('CreateProductRequest')) },
    responses: { 201: productResponse('The new product.', ['Location', 'ETag']) },
    problems: [400, 409],
    idempotent: true,
  },
  'GET /products/{id}': {
    operationId: 'getProduct',
    tag: 'Products',
    summary: 'Get a product',
    description: 'The product with each variant’s unit price and each image’s URLs.',
    parameters: [ID_PARAMETER],
    responses: { 200: productResponse('The product.', ['ETag']) },
    problems: [400, 404],
  },
  'PATCH /products/{id}': {
    operationId: 'updateProduct',
    tag: 'Products',
    summary: 'Change a product',
    description:
      'A JSON merge patch (RFC 7396): absent fields stay, `null` removes an optional field or one attribute, `variants` replaces the list. Send the version being changed as `version` or `If-Match`; a stale one is a 409.',
    parameters: [ID_PARAMETER, IF_MATCH],
    requestBody: {
      required: true,
      content: { 'application/merge-patch+json': { schema: ref('UpdateProductRequest') }, ...json(ref('UpdateProductRequest')) },
    },
    responses: { 200: productResponse('The product as changed.', ['ETag']) },
    problems: [400, 404, 409],
    idempotent: true,
    requiredOneOf: VERSION_ONE_OF,
  },
  'POST /products/{id}/retire': {
    operationId: 'retireProduct',
    tag: 'Products',
    summary: 'Retire a product',
    description:
      'Takes the product off sale rather than deleting it: its status becomes `archived`, so listings and search drop it and carts refuse it, while orders, reports and the audit keep it. 409 `product-in-bundle` (naming `skus` and `bundles`) while an active bundle lists any of its SKUs: retire the bundle or take the component out of it first. Retiring a retired product answers it as it is. Same events as a PATCH of `status` (`product.updated`).',
    parameters: [ID_PARAMETER],
    responses: { 200: productResponse('The retired product.', ['ETag']) },
    problems: [400, 404, 409],
  },
  'POST /products/{id}/reinstate': {
    operationId: 'reinstateProduct',
    tag: 'Products',
    summary: 'Put a retired product back on sale',
    description:
      'Status `active` again. A 400 naming `body.categoryId` when its category has been retired, or `body.bundle.components.<i>.sku` when it is a bundle with a component no longer on sale. Reinstating an active product answers it as it is.',
    parameters: [ID_PARAMETER],
    responses: { 200: productResponse('The product, on sale.', ['ETag']) },
    problems: [400, 404],
  },
  'GET /products/{id}/prices': {
    operationId: 'listPriceHistory',
    tag: 'Products',
    summary: 'A product’s price history',
    description:
      'Every price change of the product, from its audit trail (`product`, `price-changed`), newest first: when, who (`actor` and whether a person, an integration or the system, such as an import), the request’s `correlationId`, and each SKU’s price before (`from`) and after (`to`) in minor units with its currency. Page with `cursor` until `nextCursor` is null. A product with no price change yet has an empty history.',
    parameters: [ID_PARAMETER, ...queryParameters(PriceHistoryQuery)],
    responses: { 200: { description: 'One page of price changes, newest first.', content: json(ref('PriceHistoryPage')) } },
    problems: [400, 404],
  },
  'POST /products/import': {
    operationId: 'startProductImport',
    tag: 'Imports',
    summary: 'Import products from a file',
    description:
      'Accepts a CSV file (columns as in `integration-files/catalog/products-template.csv`), a JSON array or newline-delimited JSON of import rows; one row per variant, rows of a product sharing its `product_slug`. Products are created or updated by SKU in the background: follow the `Location`.',
    requestBody: {
      required: true,
      content: {
        'text/csv': { schema: { type: 'string' } },
        'application/json': { schema: { type: 'array', minItems: 1, items: ref('ImportRow') } },
        'application/x-ndjson': { schema: { type: 'string', description: 'One ImportRow JSON object per line.' } },
      },
    },
    responses: {
      202: { description: 'The import is queued.', headers: { Location: HEADERS.Location! }, content: json(ref('ImportJob')) },
    },
    problems: [400],
    idempotent: true,
  },
  'POST /imports': {
    operationId: 'createImportUpload',
    tag: 'Imports',
    summary: 'Create an import for a file uploaded to storage',
    description:
      'For files of any size up to 200 MB (the inline import takes 6 MB). Declare the format and the exact size in bytes; the answer is the job, `awaiting-upload`, and a presigned URL valid for 15 minutes. `PUT` the file to `upload.url` with `upload.headers` (the size and Content-Type are signed, so another size or type is refused by storage), then call `POST /imports/{id}/start`. A job never started is removed after a day.',
    requestBody: { required: true, content: json(ref('CreateImportUploadRequest')) },
    responses: {
      201: { description: 'The import awaits its file.', headers: { Location: HEADERS.Location! }, content: json(ref('ImportUpload')) },
    },
    problems: [400],
    idempotent: true,
  },
  'POST /imports/{id}/start': {
    operationId: 'startUploadedImport',
    tag: 'Imports',
    summary: 'Start an uploaded import',
    description:
      'Queues an import created with `POST /imports` once its file is uploaded; follow the `Location`. 409 `upload-missing` while nothing is uploaded, 409 `upload-size-mismatch` for a file of another size than declared. Starting an import that is already queued, running or finished returns it unchanged.',
    parameters: [ID_PARAMETER],
    responses: {
      202: { description: 'The import is queued (or was already under way).', headers: { Location: HEADERS.Location! }, content: json(ref('ImportJob')) },
    },
    problems: [400, 404, 409],
  },
  'GET /imports/{id}': {
    operationId: 'getImport',
    tag: 'Imports',
    summary: 'Follow an import',
    description: 'Status, progress, counters and the first 1,000 row errors of an import.',
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The import job.', content: json(ref('ImportJob')) } },
    problems: [400, 404],
  },
  'GET /stores': {
    operationId: 'listStores',
    tag: 'Stores',
    summary: 'List the stores',
    description:
      'Every store, by id, with its address, IANA time zone, tax jurisdiction, currency, fulfillment modes, delivery and collection areas and status. A `closed` store takes no new reservations. With `postcode` (and `country`, GB unless given), only the stores that deliver there (`delivers: true`: the postcode’s district is one of the delivery area’s `districts`, or the postcode starts with one of its `prefixes`) or offer collection nearby (`collection: true`: a store taking pickups whose collection area holds the postcode the same way). The postcode is read as typed (`se12tf` is `SE1 2TF`); one malformed for its country is a 400 naming `query.postcode`, a country whose postcodes we do not know a 422 `country-not-served`.',
    parameters: queryParameters(ListStoresQuery),
    responses: { 200: { description: 'The stores, marked `delivers` and `collection` when a postcode was given.', content: json(ref('StoreList')) } },
    problems: [400, 422],
  },
  'GET /me': {
    operationId: 'getProfile',
    tag: 'Accounts',
    summary: 'Your profile',
    description:
      'The caller’s own profile (shoppers only: staff have none, 403): names, email, phone, marketing consent with the time it was last given or withdrawn (`at: null` until asked), preferred store. Made on first use, here or by `PATCH /me`, however many first calls race; a token carrying the sign-in email (the shoppers’ pool) seeds `email`. 410 `account-erased` once the caller’s erasure was requested (`DELETE /me`): the profile is not made again.',
    responses: { 200: { description: 'The caller’s profile.', headers: { ETag: PROFILE_ETAG }, content: json(ref('Profile')) } },
    problems: [410],
  },
  'PATCH /me': {
    operationId: 'updateProfile',
    tag: 'Accounts',
    summary: 'Change your profile',
    description:
      'A JSON merge patch of the caller’s profile (made first if need be): absent leaves a field alone, `null` removes it. `phone` is E.164 (`+447700900123`); `marketingConsent: { granted }` records the answer, the server setting its time when the answer changes; `preferredStoreId` must be a store (else 422 `unknown-store`). When the sign-in token carries an email, that is the email: another is a 422 `email-managed-by-sign-in`. The version is optional, as `version` or `If-Match`: a stale one is a 409 `version-mismatch`, none applies the patch to the version read (a racing change then still makes it a 409). Invalid fields are a 400 naming each, and change nothing. 410 `account-erased` once the caller’s erasure was requested (`DELETE /me`): nothing is made again.',
    parameters: [OPTIONAL_IF_MATCH],
    requestBody: {
      required: true,
      content: { 'application/merge-patch+json': { schema: ref('UpdateProfileRequest') }, ...json(ref('UpdateProfileRequest')) },
    },
    responses: { 200: { description: 'The profile as changed.', headers: { ETag: PROFILE_ETAG }, content: json(ref('Profile')) } },
    problems: [400, 409, 410, 422],
  },
  'GET /me/addresses': {
    operationId: 'listAddresses',
    tag: 'Accounts',
    summary: 'Your address book',
    description: `Every address of the caller’s (at most ${MAX_ADDRESSES}, so never paged), oldest first; at most one is \`isDefault\`.`,
    responses: { 200: { description: 'The caller’s addresses.', content: json(ref('AddressList')) } },
  },
  'POST /me/addresses': {
    operationId: 'addAddress',
    tag: 'Accounts',
    summary: 'Add an address',
    description: `Adds an address to the caller’s book: a \`label\` ("Home"), the recipient’s name, lines, city, postcode and \`country\` (ISO 3166-1 alpha-2), and optionally a phone (E.164) and delivery instructions (at most ${MAX_INSTRUCTIONS} characters). The postcode is checked for its country and written as the country writes it (\`sw1a1aa\` is \`SW1A 1AA\`): a malformed one is a 400 naming \`body.postcode\` with an example, a country whose postcodes we do not know (${SUPPORTED_COUNTRIES.join(', ')} are known) a 422 \`country-not-served\` ("we do not deliver to ..."). \`isDefault: true\` makes it the default, and the old default stops being it in the same transaction. A book holds at most ${MAX_ADDRESSES} addresses: one more is a 409 \`too-many-addresses\`. An address is accepted whether or not a store delivers there; a cart checks that. 410 \`account-erased\` once the caller’s erasure was requested (\`DELETE /me\`): nothing is made again.`,
    parameters: [ADDRESS_IDEMPOTENCY_KEY],
    requestBody: { required: true, content: json(ref('AddAddressRequest')) },
    responses: { 201: { description: 'The new address.', headers: { Location: HEADERS.Location!, ETag: ADDRESS_ETAG }, content: json(ref('SavedAddress')) } },
    problems: [400, 409, 410, 422],
  },
  'PATCH /me/addresses/{id}': {
    operationId: 'updateAddress',
    tag: 'Accounts',
    summary: 'Change an address',
    description:
      'A JSON merge patch of one of the caller’s addresses: absent leaves a field alone, `null` removes `line2`, `phone` or `instructions`. A changed postcode or country is checked and normalised again (400, or 422 `country-not-served`). `isDefault: true` moves the default here from the old one in one transaction; `false` leaves the book without a default. Send the version as `version` or `If-Match`; a stale one is a 409 `version-mismatch` and changes nothing. Another shopper’s address is a 404, exactly like one that does not exist.',
    parameters: [ID_PARAMETER, IF_MATCH],
    requestBody: {
      required: true,
      content: { 'application/merge-patch+json': { schema: ref('UpdateAddressRequest') }, ...json(ref('UpdateAddressRequest')) },
    },
    responses: { 200: { description: 'The address as changed.', headers: { ETag: ADDRESS_ETAG }, content: json(ref('SavedAddress')) } },
    problems: [400, 404, 409, 422],
    requiredOneOf: VERSION_ONE_OF,
  },
  'DELETE /me/addresses/{id}': {
    operationId: 'removeAddress',
    tag: 'Accounts',
    summary: 'Remove an address',
    description: 'Removes one of the caller’s addresses; when it was the default, the book is left without one. A cart that copied it keeps its copy. Another shopper’s address, or one already removed, is a 404.',
    parameters: [ID_PARAMETER],
    responses: { 204: { description: 'The address is removed.' } },
    problems: [400, 404],
  },
  'POST /me/payment-methods/setup': {
    operationId: 'setUpPaymentMethod',
    tag: 'Accounts',
    summary: 'Start saving a card',
    description:
      'A SetupIntent (for off-session use) on the caller’s Customer at the payment provider, which is made on first use, once per shopper. The app confirms it with Stripe.js (`confirmSetup`) using `clientSecret` and `publishableKey`: the card goes from the shopper’s device to the provider and never through this API, and the provider saves it on the Customer (asking the shopper to authenticate when the bank wants it). No body. The `Idempotency-Key` header is required: repeating it returns the same SetupIntent. 410 `account-erased` once the caller’s erasure was requested (`DELETE /me`): nothing is made again.',
    responses: { 200: { description: 'What the app needs to save a card.', content: json(ref('PaymentMethodSetup')) } },
    // The handler refuses a request without the key itself (400 idempotency-key-required).
    problems: [400, 410],
    idempotent: 'required',
  },
  'GET /me/payment-methods': {
    operationId: 'listPaymentMethods',
    tag: 'Accounts',
    summary: 'Your saved cards',
    description:
      'The payment methods saved on the caller’s Customer at the provider, newest first, with only what identifies a card to its holder (brand, last four digits, expiry) and whether it is the Customer’s default; read from the provider each time, so nothing of a card is kept here. A card used at checkout is saved too, for the off-session re-authorization a heavier pick may need. Empty before the caller saved or used any.',
    responses: { 200: { description: 'The saved cards.', content: json(ref('PaymentMethodList')) } },
  },
  'DELETE /me/payment-methods/{id}': {
    operationId: 'removePaymentMethod',
    tag: 'Accounts',
    summary: 'Remove a saved card',
    description:
      'Detaches the method from the caller’s Customer at the provider, for good: it can never be charged or saved again (an order already paid with it is not affected; a re-authorization of an order still being picked would then fail). A method that is not saved on the caller’s Customer (unknown, already removed, or another shopper’s) is a 404 `payment-method-not-found`, alike.',
    parameters: [{ name: 'id', in: 'path', required: true, schema: tidy(z.toJSONSchema(PaymentMethodParams.shape.id)) as Schema, description: 'A payment method id, `pm_...`.' }],
    responses: { 204: { description: 'The card is removed.' } },
    problems: [400, 404],
  },
  'GET /stores/{id}/slots': {
    operationId: 'listStoreSlots',
    tag: 'Fulfillment',
    summary: 'List a store’s delivery and pickup slots',
    description:
      `Slots in start order with the room left, whether each can be chosen now (not full, not closed, before its cut-off), its fee and its minimum order. One local \`date\` at the store (today up to ${MAX_DAYS_AHEAD} days ahead; an earlier or later one is a 400), or by default the next ${GENERATION_DAYS} days, today first. Delivery windows are hourly 08:00-21:00 and pickup windows two hours 08:00-20:00, store time; delivery closes 2 hours before a slot starts, pickup 1 hour.`,
    parameters: [STORE_ID_PARAMETER, ...queryParameters(ListSlotsQuery)],
    responses: { 200: { description: 'The slots.', content: json(ref('SlotList')) } },
    problems: [400, 404],
  },
  'GET /stores/{id}': {
    operationId: 'getStore',
    tag: 'Stores',
    summary: 'Get a store',
    description: 'One store.',
    parameters: [STORE_ID_PARAMETER],
    responses: { 200: { description: 'The store.', content: json(ref('Store')) } },
    problems: [400, 404],
  },
  'POST /inventory/adjustments': {
    operationId: 'adjustStock',
    tag: 'Inventory',
    summary: 'Adjust a SKU’s stock at a store',
    description:
      'Changes `available` by `delta`, or sets it to `setTo` (a stock take), with a reason; reserved and committed stock are left alone. Quantities are whole numbers in the SKU’s stock unit: items or packs, grams for goods sold by weight, millilitres by volume. The first adjustment of a SKU at a store creates its stock item. Each adjustment is audited with the counts before and after and announced as `inventory.adjusted`. 400 for a SKU no product has, a store that does not exist, or a bundle (its stock is its components’); 409 `negative-stock` when the result would be below zero, and nothing changes.',
    requestBody: { required: true, content: json(ref('AdjustStockRequest')) },
    responses: { 201: { description: 'The adjustment, with the counts before and after.', headers: { Location: HEADERS.Location! }, content: json(ref('AdjustmentView')) } },
    problems: [400, 409],
    idempotent: true,
  },
  'GET /inventory/{sku}': {
    operationId: 'getStock',
    tag: 'Inventory',
    summary: 'Every store’s stock of a SKU',
    description:
      'Available, reserved and committed stock and the lead time at every store, in the SKU’s `stockUnit`; a store that never stocked it shows zeros. For a bundle, each store shows how many whole bundles its components’ available stock makes (the minimum over components of available ÷ quantity), with each component’s stock.',
    parameters: [SKU_PARAMETER],
    responses: { 200: { description: 'The SKU’s stock by store.', content: json(ref('SkuInventory')) } },
    problems: [400, 404],
  },
  'GET /inventory/{sku}/adjustments': {
    operationId: 'listStockAdjustments',
    tag: 'Inventory',
    summary: 'A SKU’s stock adjustments at a store',
    description:
      'For staff who read stock (`inventory:read`): every change of the SKU’s stock at `store`, newest first, as the audit trail recorded it in the same transaction as the change: adjustments and stock takes with their `reason`, `delta`, `note` and counts before and after, goods returned to the shelf (reason `return`), and write-offs (`action` `write-off`, delta 0). Each names its `actor` and whether a person, an integration or the system. Staff bound to stores read only theirs: another store is a 404, exactly like one that does not exist. A SKU with no changes at the store has an empty list. Paged: pass `nextCursor` back as `cursor` with the same `store`; a cursor of another listing is a 400.',
    parameters: [SKU_PARAMETER, ...queryParameters(ListAdjustmentsQuery)],
    responses: { 200: { description: 'One page of the SKU’s stock changes at the store, newest first.', content: json(ref('StockAdjustmentPage')) } },
    problems: [400, 404],
  },
  'GET /stores/{id}/stock': {
    operationId: 'listStoreStock',
    tag: 'Inventory',
    summary: 'A store’s stock, SKU by SKU',
    description:
      'For staff who read stock (`inventory:read`): the store’s stock lines by SKU, with the product and variant name, the stock unit, and what is available, reserved (carts and orders not yet picked), committed (picked, not yet gone) and on hand (their sum). `skuPrefix` keeps only SKUs starting with it. Read from the store’s own stock index, a page at a time, never by scanning. Staff bound to stores read only theirs: another store is a 404, exactly like one that does not exist. Paged: pass `nextCursor` back as `cursor` with the same `skuPrefix`; a cursor of another store or prefix is a 400.',
    parameters: [STORE_ID_PARAMETER, ...queryParameters(ListStoreStockQuery)],
    responses: { 200: { description: 'One page of the store’s stock lines, by SKU.', content: json(ref('StoreStockPage')) } },
    problems: [400, 404],
  },
  'GET /me/lists': {
    operationId: 'listShoppingLists',
    tag: 'Shopping',
    summary: 'Your shopping lists',
    description: `Every shopping list of the caller’s (at most ${MAX_LISTS}, so never paged), most recently changed first, each with its lines.`,
    responses: { 200: { description: 'The caller’s lists.', content: json(ref('ShoppingListPage')) } },
  },
  'POST /me/lists': {
    operationId: 'createShoppingList',
    tag: 'Shopping',
    summary: 'Make a shopping list',
    description: `A named list for the caller, with any first \`lines\` (a SKU and a quantity in the unit it is sold in, as a cart line takes it: \`count\`, \`grams\` or \`millilitres\`; a SKU given twice is one line). 400 names each SKU no product has and each quantity that does not fit how its SKU is sold, 409 \`product-archived\` a product no longer sold, 422 \`too-many-lists\` when the caller already keeps ${MAX_LISTS} lists. 410 \`account-erased\` once the caller’s erasure was requested (\`DELETE /me\`): nothing is made again.`,
    requestBody: { required: true, content: json(ref('CreateListRequest')) },
    responses: { 201: { description: 'The new list.', headers: { Location: HEADERS.Location! }, content: json(ref('ShoppingList')) } },
    problems: [400, 409, 410, 422],
    idempotent: true,
  },
  'GET /me/lists/{id}': {
    operationId: 'getShoppingList',
    tag: 'Shopping',
    summary: 'One of your shopping lists',
    description: 'The list with its lines and its `version`, which a change names. Another shopper’s list is a 404, exactly like one that does not exist.',
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The list.', content: json(ref('ShoppingList')) } },
    problems: [400, 404],
  },
  'PATCH /me/lists/{id}': {
    operationId: 'updateShoppingList',
    tag: 'Shopping',
    summary: 'Rename a list, or change its lines',
    description: `Under the \`version\` read: a stale one is a 409 \`version-mismatch\` and changes nothing. \`remove\` takes lines off, \`set\` gives lines a new quantity, \`add\` adds SKUs (a SKU already on the list adds to its line), applied in that order, all or nothing. 400 names each line the list does not have, each SKU no product has and each quantity that does not fit; 409 \`product-archived\` for a product no longer sold; 422 \`list-too-many-lines\` past ${MAX_LIST_LINES} lines. Another shopper’s list is a 404.`,
    parameters: [ID_PARAMETER],
    requestBody: { required: true, content: json(ref('UpdateListRequest')) },
    responses: { 200: { description: 'The list as changed.', content: json(ref('ShoppingList')) } },
    problems: [400, 404, 409, 422],
  },
  'DELETE /me/lists/{id}': {
    operationId: 'deleteShoppingList',
    tag: 'Shopping',
    summary: 'Delete a shopping list',
    description: 'Deletes one of the caller’s lists. Another shopper’s list, or one already deleted, is a 404.',
    parameters: [ID_PARAMETER],
    responses: { 204: { description: 'The list is deleted.' } },
    problems: [400, 404],
  },
  'POST /me/exports': {
    operationId: 'startPersonalDataExport',
    tag: 'Accounts',
    summary: 'Export your personal data',
    description: `Starts an export of the caller’s personal data. ${EXPORT_TEXT} 409 \`export-in-progress\` (with its \`exportId\`) while another export of the caller’s is being built. A repeated \`Idempotency-Key\` answers the same export. 410 \`account-erased\` once the caller’s erasure was requested (\`DELETE /me\`): nothing is made again.`,
    responses: { 202: { description: 'The export, requested.', headers: { Location: HEADERS.Location! }, content: json(ref('PersonalDataExport')) } },
    problems: [409, 410],
    idempotent: true,
  },
  'GET /me/exports/{id}': {
    operationId: 'getPersonalDataExport',
    tag: 'Accounts',
    summary: 'Follow your export, and download it',
    description: `The caller’s export: its progress and, once \`ready\`, \`download.url\` (a GET of the JSON file, valid until \`download.expiresAt\`). Another shopper’s export, or one past its ${EXPORT_RETENTION_DAYS} days, is a 404 exactly like one that never existed.`,
    parameters: [ID_PARAMETER],
    responses: { 200: { description: 'The export.', content: json(ref('PersonalDataExport')) } },
    problems: [400, 404],
  },
  'DELETE /me': {
    operationId: 'eraseMe',
    tag: 'Accounts',
    summary: 'Erase your account',
    description:
      'Erases the caller (the right to erasure): the account (profile, addresses, lists, exports and their files), carts and loyalty points are deleted, saved payment methods are detached at the payment provider, the billing customer is anonymised and the sign-in identity deleted. Orders, their invoices, refunds and returns are kept for as long as the law of the store’s jurisdiction requires (6 years in GB), anonymised: they name a pseudonym instead of the shopper, the delivery address is cut to its postcode district and country, and they leave the caller’s order list (`GET /orders/{id}` of one is then a 404 to them). Runs in the background: 202 with the erasure, `requested` then `erased`; follow `/me/erasure`. Asking again answers the same erasure and changes nothing. 409 `orders-in-flight` (with `orderIds`, `heldCartIds`) while an order is not yet delivered, collected or cancelled, or a basket is held: nothing is erased. The caller’s token keeps working afterwards and finds nothing; from the request on, `GET /me` and every request that would add to the account or change it is a 410 `account-erased`.',
    responses: { 202: { description: 'The erasure, accepted (or as it stands, when asked again).', headers: { Location: HEADERS.Location! }, content: json(ref('Erasure')) } },
    problems: [409],
  },
  'GET /me/erasure': {
    operationId: 'getMyErasure',
    tag: 'Accounts',
    summary: 'Follow your erasure',
    description: 'The caller’s erasure: `requested`, then `erased` with `erasedAt` and how many orders were kept anonymised for the books. 404 when none was asked for.',
    responses: { 200: { description: 'The erasure.', content: json(ref('Erasure')) } },
    problems: [404],
  },
  'POST /customers/{shopperId}/exports': {
    operationId: 'startCustomerExport',
    tag: 'Accounts',
    summary: 'Export a customer’s personal data for them',
    description: `For customer service (\`customers:privacy\`), when a customer asks by phone or letter: starts an export of their personal data, audited (who, when, for whom) with the \`reason\` given, which is required. ${EXPORT_TEXT} 409 \`export-in-progress\` while another one is being built; 400 naming \`body.reason\` without a reason, and nothing is started; 410 \`account-erased\` for a customer whose erasure was requested (there is nothing left to export).`,
    parameters: [SHOPPER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('StaffPrivacyRequest')) },
    responses: { 202: { description: 'The export, requested.', headers: { Location: HEADERS.Location! }, content: json(ref('PersonalDataExport')) } },
    problems: [400, 409, 410],
    idempotent: true,
  },
  'GET /customers/{shopperId}/exports/{id}': {
    operationId: 'getCustomerExport',
    tag: 'Accounts',
    summary: 'Follow a customer’s export',
    description: 'For customer service: an export of a customer’s data and, once ready, its download link. 404 for an export the customer does not have.',
    parameters: [SHOPPER_ID_PARAMETER, ID_PARAMETER],
    responses: { 200: { description: 'The export.', content: json(ref('PersonalDataExport')) } },
    problems: [400, 404],
  },
  'POST /customers/{shopperId}/erasure': {
    operationId: 'eraseCustomer',
    tag: 'Accounts',
    summary: 'Erase a customer for them',
    description:
      'For customer service (`customers:privacy`), when a customer asks by phone or letter: erases them exactly as `DELETE /me` does, audited with the `reason` given, which is required. 202 with the erasure; asking again answers it as it stands (its progress) and audits nothing more. 409 `orders-in-flight` while an order is still moving; 400 naming `body.reason` without one; in both cases nothing is erased.',
    parameters: [SHOPPER_ID_PARAMETER],
    requestBody: { required: true, content: json(ref('StaffPrivacyRequest')) },
    responses: { 202: { description: 'The erasure, accepted (or as it stands).', headers: { Location: HEADERS.Location! }, content: json(ref('Erasure')) } },
    problems: [400, 409],
  },
  'GET /me/buy-again': {
    operationId: 'getBuyAgain',
    tag: 'Shopping',
    summary: 'What you buy again',
    description: `The SKUs the caller bought most, from their latest ${BUY_AGAIN_ORDERS} orders (those completed, or completed and partly refunded; a line counts what was handed over, a substitute included), ranked by how many orders contained them, then by how recently they were bought. Only what is still sold (product active, the SKU still one of its variants), each with its name and price today. Capped at \`limit\` (default 20, at most 50), not paged.`,
    parameters: queryParameters(BuyAgainQuery),
    responses: { 200: { description: 'The caller’s most bought items.', content: json(ref('BuyAgainList')) } },
    problems: [400],
  },
  'POST /carts/{id}/reorder': {
    operationId: 'reorderIntoCart',
    tag: 'Carts',
    summary: 'Add a past order’s lines to a cart',
    description:
      'Adds the lines of one of the caller’s orders (`orderId`) to the cart, as they were ordered: the quantity and the substitution preference (a chosen substitute that can no longer stand in is dropped: the line goes in as `none`), each onto the cart’s line of the same SKU and preference, as an add would. All in one change of the cart (one version), announced by one `cart.add` per line added. A line is skipped, and listed in `skipped` with its `reason`, when its product is no longer sold (`product-archived`), the product no longer has the SKU (`variant-gone`), the SKU is now sold in another unit (`sold-differently`), the cart’s store does not stock it (`not-stocked-here`) or has less than the quantity ordered (`out-of-stock`), or the cart has no room for it (`over-limit`: 50 lines, or a line’s most). Another shopper’s order, or cart, is a 404 as for one that does not exist; 409 `cart-not-open` for a held or checked-out cart. With an `Idempotency-Key`, a retry adds nothing more.',
    parameters: [ID_PARAMETER],
    requestBody: { required: true, content: json(ref('ReorderRequest')) },
    responses: { 200: { description: 'The cart after the reorder, and the lines skipped.', content: json(ref('ReorderView')) } },
    problems: [400, 404, 409],
    idempotent: true,
  },
  'POST /products/{id}/images': {
    operationId: 'uploadProductImage',
    tag: 'Images',
    summary: 'Upload a product image',
    description:
      'A JPEG, PNG or WebP image as the `file` part of a multipart form. The original is stored at once; thumbnails are generated in the background and appear on the product when ready.',
    parameters: [ID_PARAMETER],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } },
          },
          encoding: { file: { contentType: 'image/jpeg, image/png, image/webp' } },
        },
      },
    },
    responses: {
      202: { description: 'The image is stored; thumbnails are on their way.', headers: { Location: HEADERS.Location! }, content: json(ref('ImageView')) },
    },
    // 409 `too-many-images` past 20; 413 is also `image-too-large`, an image over 5 MB in a body within the 6 MB limit.
    problems: [400, 404, 409],
    // The handler runs the idempotency middleware, so a retried upload is one image.
    idempotent: true,
  },
};

/**
 * The statuses an operation can answer with whatever its handler does, because of what every route of its kind goes
 * through: the gateway's throttle (429, per route or the account's default) on every route; the authorizer and the
 * scope check (401, 403) on every route that declares a scope; the body limit and media type check (413, 415) on every
 * route that takes a body; the idempotency middleware (409 while a request with the same key is still being processed,
 * 422 for a key reused with another body) on every route behind it; and failures on our side (`5XX`). A 400 is not
 * here: an operation's 400s are its own (`problems`), besides the one every body has when it is empty or not JSON.
 */
function genericStatuses(route: RouteSpec, spec: Pick<OperationSpec, 'requestBody' | 'idempotent'>): string[] {
  const statuses = new Set([429]);
  if (route.auth.kind === 'scope') statuses.add(401).add(403);
  if (spec.requestBody) statuses.add(413).add(415);
  if (spec.idempotent) statuses.add(409).add(422);
  return [...[...statuses].sort().map(String), '5XX'];
}

function described(key: string): { route: RouteSpec; spec: OperationSpec } {
  const route = routes.find((r) => `${r.method} ${r.path}` === key);
  const spec = OPERATIONS[key];
  if (!route || !spec) throw new Error(`openapi: no operation ${key}`);
  return { route, spec };
}

/** The generic statuses (above) of the operation `METHOD /path`, for the tests that tell them from the route's own. */
export function genericStatusesOf(key: string): string[] {
  const { route, spec } = described(key);
  return genericStatuses(route, spec);
}

/**
 * The statuses the operation `METHOD /path` answers with for itself: its successes and its `problems`, which its
 * handler and use-case produce (a status may be both its own and generic: a 409 of its own and the middleware's).
 */
export function ownStatusesOf(key: string): string[] {
  const { spec } = described(key);
  return [...new Set([...Object.keys(spec.responses), ...(spec.problems ?? []).map(String)])].sort();
}

function operation(route: RouteSpec, spec: OperationSpec): Operation {
  const generic = genericStatuses(route, spec).filter((status) => status !== '5XX').map(Number);
  // Every body is parsed before validation: an empty or malformed one is a 400 on every route that takes one.
  const statuses = new Set([...(spec.problems ?? []), ...generic, ...(spec.requestBody ? [400] : [])]);
  const maxBodyBytes = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const security: Record<string, string[]>[] | undefined =
    route.auth.kind === 'scope' ? [{ bearerAuth: [route.auth.scope] }, { apiKey: [route.auth.scope] }, { sessionCookie: [route.auth.scope] }] : undefined;
  const notes = [spec.description, spec.requestBody ? `Bodies over ${maxBodyBytes} bytes are refused with 413.` : undefined].filter(Boolean);
  const idempotencyKey = spec.idempotent === 'required' ? [REQUIRED_IDEMPOTENCY_KEY] : spec.idempotent ? [IDEMPOTENCY_KEY] : [];
  const parameters = [...(spec.parameters ?? []), ...idempotencyKey];
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    description: notes.join('\n\n'),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
    responses: {
      ...spec.responses,
      ...Object.fromEntries([...statuses].sort().map((status) => [String(status), problemRef(PROBLEMS[status]!.name)])),
      '5XX': problemRef(SERVER_ERROR.name),
    },
    ...(security ? { security } : {}),
    ...(spec.requestBody ? { 'x-smartshelf-max-body-bytes': maxBodyBytes } : {}),
    ...(route.throttle ? { 'x-smartshelf-throttle': route.throttle } : {}),
    ...(spec.requiredOneOf ? { 'x-smartshelf-required-one-of': spec.requiredOneOf } : {}),
  };
}

function paths(): Record<string, Record<string, Operation>> {
  const described = new Set(Object.keys(OPERATIONS));
  const out: Record<string, Record<string, Operation>> = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const spec = OPERATIONS[key];
    if (!spec) throw new Error(`openapi: the route ${key} in wiring/index.ts has no operation description`);
    described.delete(key);
    const item = (out[route.path] ??= {});
    item[route.method.toLowerCase()] = operation(route, spec);
  }
  if (described.size > 0) throw new Error(`openapi: operations describe routes the wiring does not have: ${[...described].join(', ')}`);
  return out;
}

/** The whole document, deterministic for a given code base. */
export function buildOpenApiDocument(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'SmartShelf API',
      version: packageJson.version,
      summary: 'Open grocery commerce: catalog, imports and product media.',
      description: [
        'Money is integer minor units with an ISO 4217 currency (`{"amount": 125, "currency": "GBP"}` is £1.25). Weights and volumes are integer grams and millilitres.',
        `Every error is an RFC 9457 problem (\`${PROBLEM_CONTENT_TYPE}\`) whose \`type\` starts with ${PROBLEM_TYPE_BASE}; validation problems list each failing field in \`errors\`.`,
        'Send `X-Correlation-Id` (1 to 64 characters of `A-Z a-z 0-9 . _ : -`) to trace a request through the logs; responses echo it, or the request id used instead of one of another shape.',
        'Card numbers are never accepted: one in a body, query, path, header or upload field is a 400 `card-number-refused` naming the field (tokenize the card with the payment provider and send the `pm_...` id). A JSON body nested deeper than 64 levels is a 400 `body-too-deep`.',
      ].join('\n\n'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'Categories', description: 'The category tree and its typed attributes.' },
      { name: 'Products', description: 'Products, variants, prices and bundles.' },
      { name: 'Imports', description: 'Bulk product imports from CSV, JSON or NDJSON files.' },
      { name: 'Images', description: 'Product images and their thumbnails.' },
      { name: 'Stores', description: 'The stores (stock locations), their time zones, currencies and fulfillment modes.' },
      { name: 'Inventory', description: 'Stock per SKU per store, and staff adjustments.' },
      { name: 'Fulfillment', description: 'Delivery and pickup slots per store, with capacity, cut-offs, fees and minimum orders.' },
      { name: 'Carts', description: 'Shoppers’ carts: lines, substitutions, coupons, loyalty, fulfillment choice, explained totals and the basket hold.' },
      { name: 'Promotions', description: 'Promotions and coupons: rules, targets, schedules and usage limits.' },
      { name: 'Loyalty', description: 'Loyalty points: balance, rules and ledger.' },
      { name: 'Orders', description: 'Orders: a shopper’s own, and a store’s orders of one day for staff.' },
      { name: 'Tax', description: 'The tax rate table per jurisdiction and tax category.' },
      { name: 'Search', description: 'Faceted product search and recommendations.' },
      { name: 'Payments', description: 'Stripe’s webhooks about payments.' },
      { name: 'Billing', description: 'Delivery-pass subscriptions, and the billing system’s webhooks.' },
      { name: 'Reports', description: 'Sales, refunds and the tax summary per store and local day, from running totals, as JSON or CSV.' },
      { name: 'Operations', description: 'For operators: moving failed messages back from a dead-letter queue.' },
      { name: 'Audit', description: 'The audit trail: who changed money or stock, what, when, before and after; read-only.' },
      { name: 'Accounts', description: 'A shopper’s own account: their profile, and their address book, each postcode checked for its country.' },
      { name: 'Shopping', description: 'A shopper’s own shopping lists, what they buy again, and reordering a past order into a cart.' },
      { name: 'Staff', description: 'For admins: API keys for integrations (shown once, rotated with an overlap, revoked at once) and staff roles; every change audited.' },
      { name: 'Console', description: 'The staff console’s sign-in: a session in an HttpOnly cookie, refreshed, ended by sign-out; CSRF-protected.' },
      { name: 'Webhooks', description: 'For admins: integrators’ webhook endpoints (Standard Webhooks, a signing secret shown once and rotated with an overlap), their delivery log and replays; every change audited.' },
      { name: 'Docs', description: 'This document, as JSON and as a page.' },
    ],
    paths: paths(),
    components: {
      schemas: components(),
      responses: problemResponses(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from the identity provider; its roles grant the scopes an operation lists.',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'An integration’s API key; the key’s roles grant the scopes an operation lists.',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-smartshelf-session',
          description:
            'The staff console’s session (`POST /auth/session`); its roles grant the scopes an operation lists. A request whose method is not GET, HEAD or OPTIONS must also carry the session’s `X-CSRF-Token`, and one another site started (`Sec-Fetch-Site` other than `same-origin` or `none`) is refused.',
        },
      },
    },
  };
}
