import { z } from 'zod';
import { OVERLAP_HOURS } from '../auth/api-key-rules.js';
import { ALL_STORES } from '../auth/principal.js';
import { ROLES } from '../auth/roles.js';
import { SCOPES } from '../auth/scopes.js';
import { StoreId } from '../stores/model.js';

/** An API key's id: derived from the creating request (see `keyIdFor`), so a retried create finds its key. */
export const ApiKeyId = z.string().regex(/^key_[0-9a-f]{24}$/, 'must be an API key id (key_ and 24 hex digits)');

export const ApiKeyParams = z.strictObject({ id: ApiKeyId });

/** POST /api-keys. */
export const CreateApiKeyRequest = z.strictObject({
  /** What the integration is, for people reading the list: "Till 4, London Bridge". */
  name: z.string().trim().min(1).max(100),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  /** Narrows what the roles confer; left out, the key holds all of their scopes. */
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length).optional(),
  /** For store-bound roles: the stores the key acts at, or `*` for every store. */
  stores: z.array(z.union([z.literal(ALL_STORES), StoreId])).max(50).optional(),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

/** POST /api-keys/{id}/rotate. */
export const RotateApiKeyRequest = z.strictObject({
  /** How long the old key keeps working beside the new one. */
  overlapHours: z.number().int().min(OVERLAP_HOURS.min).max(OVERLAP_HOURS.max).default(OVERLAP_HOURS.default),
});
export type RotateApiKeyRequest = z.infer<typeof RotateApiKeyRequest>;

/** GET /api-keys: newest first, `status` to keep active or revoked keys only. */
export const ListApiKeysQuery = z.strictObject({
  status: z.enum(['active', 'revoked']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListApiKeysQuery = z.infer<typeof ListApiKeysQuery>;

/** An API key as the console lists it: never the key nor its hash, only its last four characters. */
export const ApiKeyView = z.strictObject({
  id: ApiKeyId,
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  /** The scopes the key holds (its roles' scopes, narrowed when it names some). */
  scopes: z.array(z.enum(SCOPES)),
  /** The scopes it was created with, when it narrows its roles; absent when it holds all of them. */
  narrowedTo: z.array(z.enum(SCOPES)).optional(),
  stores: z.array(z.string()),
  status: z.enum(['active', 'revoked']),
  lastFour: z.string().length(4),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  rotatedAt: z.iso.datetime().optional(),
  /** The key it replaced, still working until `expiresAt` (the overlap), then refused. */
  predecessor: z.strictObject({ lastFour: z.string().length(4), expiresAt: z.iso.datetime() }).optional(),
  revokedAt: z.iso.datetime().optional(),
  revokedBy: z.string().optional(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

/** A key just made (created or rotated): its record and, this once, the key itself. */
export const IssuedApiKey = ApiKeyView.extend({ apiKey: z.string().regex(/^ssk_[A-Za-z0-9_-]{43}$/) });

/** A page of keys, newest first. */
export const ApiKeyPage = z.strictObject({ items: z.array(ApiKeyView), nextCursor: z.string().nullable() });
