import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from './event-types.js';

/**
 * Webhook endpoints (issue 15; docs/webhooks.md): where an integrator wants events delivered, which ones, and the
 * versions of its signing secret. The shapes here are the contract between the management routes (`endpoints.ts`)
 * and the delivery path (`deliveries.ts`, `send.ts`, the fan-out), which reads `WebhookEndpoint` and the subscription
 * items: every write of an endpoint, the sender's included, conditions on `version` and moves it on by one.
 */

/** An endpoint's id: `ep_` and 24 hex digits, derived from the request that creates it (`endpointIdFor`), so a retried create finds it. */
export const EndpointId = z.string().regex(/^ep_[0-9a-f]{24}$/, 'must be a webhook endpoint id (ep_ and 24 hex digits)');

export const EndpointParams = z.strictObject({ id: EndpointId });

/** An event type an endpoint may subscribe to (`WEBHOOK_EVENT_TYPES`); an unknown one is refused by name. */
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES, {
  error: (issue) => (issue.input === undefined ? undefined : `${JSON.stringify(issue.input)} is not an event type endpoints can subscribe to (see GET /openapi.json, WebhookEventType)`),
});
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** Most event types one endpoint subscribes to: all of them, as a list with no repeats. */
const EventTypes = z
  .array(WebhookEventType)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not name an event type twice');

/**
 * An endpoint's URL as written: an absolute http(s) URL, at most 2,048 characters, without credentials (they would be
 * shown in every listing) or a fragment (never sent). Where it may point is `url-policy.ts`'s question, asked by the
 * use-case, since it needs DNS.
 */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => URL.canParse(value), 'must be an absolute URL')
  .refine((value) => !URL.canParse(value) || ['http:', 'https:'].includes(new URL(value).protocol), 'must be an http or https URL')
  .refine((value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), 'must not carry a user name or password')
  .refine((value) => !URL.canParse(value) || new URL(value).hash === '', 'must not have a fragment (#...)');

const Description = z.string().trim().min(1).max(200);

/** POST /webhook-endpoints. */
export const CreateWebhookEndpointRequest = z.strictObject({
  url: WebhookUrl,
  eventTypes: EventTypes,
  /** For people reading the list: "Warehouse (Acme WMS), orders". */
  description: Description.optional(),
  /** Created disabled, nothing is delivered to it until it is enabled. */
  enabled: z.boolean().default(true),
});
export type CreateWebhookEndpointRequest = z.infer<typeof CreateWebhookEndpointRequest>;

/** PATCH /webhook-endpoints/{id}: the fields to change, under the version read (`version` or `If-Match`). */
export const UpdateWebhookEndpointRequest = z
  .strictObject({
    version: z.number().int().positive().optional(),
    url: WebhookUrl.optional(),
    eventTypes: EventTypes.optional(),
    /** `null` removes it. */
    description: Description.nullable().optional(),
    /** `true` on an endpoint the sender disabled for failing clears its failure state. */
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).some((field) => field !== 'version'), { message: 'must change url, eventTypes, description or enabled' });
export type UpdateWebhookEndpointRequest = z.infer<typeof UpdateWebhookEndpointRequest>;

/** How long a rotated secret keeps signing beside its successor: 0 (it stops at once) to 7 days, 24 hours unless said. */
export const SECRET_OVERLAP_HOURS = { min: 0, default: 24, max: 168 } as const;

/** POST /webhook-endpoints/{id}/rotate-secret. */
export const RotateWebhookSecretRequest = z.strictObject({
  overlapHours: z.number().int().min(SECRET_OVERLAP_HOURS.min).max(SECRET_OVERLAP_HOURS.max).default(SECRET_OVERLAP_HOURS.default),
});
export type RotateWebhookSecretRequest = z.infer<typeof RotateWebhookSecretRequest>;

/** GET /webhook-endpoints: newest first, a page at a time. */
export const ListWebhookEndpointsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListWebhookEndpointsQuery = z.infer<typeof ListWebhookEndpointsQuery>;

/** One version of an endpoint's signing secret: the secret itself is derived (`signing-secrets.ts`), never stored. */
export const SecretVersion = z.strictObject({
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  /** Set when a newer version replaced it: it signs beside the newer one until then. */
  expiresAt: z.iso.datetime().optional(),
});
export type SecretVersion = z.infer<typeof SecretVersion>;

/** Why an endpoint is disabled: by an admin (`manual`), or by the sender after failing for the whole retry window (`failing`). */
export const DisabledReason = z.enum(['manual', 'failing']);
export type DisabledReason = z.infer<typeof DisabledReason>;

/**
 * An endpoint as stored (`keys.webhookEndpoint`) and read by the delivery path. `failingSince` is the sender's: the
 * first failed attempt after the last success. `disabledReason` and `disabledAt` are there while it is disabled.
 */
export interface WebhookEndpoint {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description?: string;
  enabled: boolean;
  disabledReason?: DisabledReason;
  disabledAt?: string;
  failingSince?: string;
  /** Oldest first, the current one last; versions whose overlap has ended are dropped at the next rotation. */
  secretVersions: SecretVersion[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** An endpoint as the API answers it: everything but the secrets, and of their versions only those still signing. */
export const WebhookEndpointView = z.strictObject({
  id: EndpointId,
  url: z.string(),
  eventTypes: z.array(WebhookEventType),
  description: z.string().optional(),
  enabled: z.boolean(),
  disabledReason: DisabledReason.optional(),
  disabledAt: z.iso.datetime().optional(),
  /** The first failed delivery attempt since the last success; absent while deliveries succeed. */
  failingSince: z.iso.datetime().optional(),
  /** The secret versions requests are signed with now: one, or two during a rotation's overlap (the newer last). */
  secretVersions: z.array(SecretVersion),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().positive(),
});
export type WebhookEndpointView = z.infer<typeof WebhookEndpointView>;

/** The secret as `standardwebhooks` takes it: `whsec_` and 32 bytes in base64. */
export const SigningSecretText = z.string().regex(/^whsec_[A-Za-z0-9+/]{43}=$/);

/** An endpoint just created, or its secret just rotated: its view and, this once, the current secret. */
export const IssuedWebhookEndpoint = WebhookEndpointView.extend({ secret: SigningSecretText });

/** A page of endpoints, newest first. */
export const WebhookEndpointPage = z.strictObject({ items: z.array(WebhookEndpointView), nextCursor: z.string().nullable() });

/** Whether a secret version still signs at `now`. */
export function versionActive(version: SecretVersion, now: Date): boolean {
  return version.expiresAt === undefined || Date.parse(version.expiresAt) > now.getTime();
}

/** The API's view of an endpoint at `now`: the secret versions that still sign, and nothing the API does not show. */
export function endpointView(endpoint: WebhookEndpoint, now: Date): WebhookEndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
    enabled: endpoint.enabled,
    ...(endpoint.disabledReason === undefined ? {} : { disabledReason: endpoint.disabledReason }),
    ...(endpoint.disabledAt === undefined ? {} : { disabledAt: endpoint.disabledAt }),
    ...(endpoint.failingSince === undefined ? {} : { failingSince: endpoint.failingSince }),
    secretVersions: endpoint.secretVersions.filter((v) => versionActive(v, now)),
    createdBy: endpoint.createdBy,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    version: endpoint.version,
  };
}

/**
 * The secret versions after a rotation at `now`: the current one signs on for `overlapHours` beside a new current
 * version, which comes last. As with API keys, an endpoint has at most one predecessor: one still in its overlap from
 * an earlier rotation stops at once. With an overlap of 0 only the new version is left.
 */
export function rotatedVersions(versions: readonly SecretVersion[], now: Date, overlapHours: number): SecretVersion[] {
  const current = versions.at(-1);
  if (!current) throw new RangeError('an endpoint has at least one secret version');
  const next = { version: current.version + 1, createdAt: now.toISOString() };
  if (overlapHours === 0) return [next];
  return [{ version: current.version, createdAt: current.createdAt, expiresAt: new Date(now.getTime() + overlapHours * 3_600_000).toISOString() }, next];
}

/** What a change of the event types does to the subscription items: those to add and those to remove. */
export function subscriptionChanges(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  return { added: after.filter((t) => !before.includes(t)), removed: before.filter((t) => !after.includes(t)) };
}
