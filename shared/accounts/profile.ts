import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys.js';
import { AppError, ConflictError, ValidationError } from '../errors.js';
import { parseInput } from '../catalog/requests.js';
import { getStore } from '../stores/repository.js';
import { accountDeps, type AccountDeps } from './deps.js';
import { EDITABLE_FIELDS, Profile, UpdateProfileRequest, type UpdateProfileInput } from './model.js';
import { applyProfileChange, isEmptyChange, profileChange } from './rules.js';

export const PROFILE_SCHEMA_VERSION = 1;

/**
 * A profile as stored: what the API shows, plus the payment provider's customer id, which the saved payment methods
 * write on the same item with their own conditional update (this module never writes or drops it).
 */
export type ProfileRecord = Profile & { paymentCustomerId?: string };

/** What the identity provider says about the caller, used when the profile is made and to guard what it owns. */
export interface IdentityClaims {
  /** The sign-in email (Cognito's `email` claim) when the token carries one. */
  email?: string | undefined;
}

/** The attributes of the profile item that `Profile` reads; others on the item (owned by other parts) are left out. */
const PROFILE_ATTRIBUTES = ['shopperId', ...EDITABLE_FIELDS, 'marketingConsent', 'createdAt', 'updatedAt', 'version'] as const;

function recordFromItem(item: Record<string, unknown>): ProfileRecord {
  const fields = Object.fromEntries(PROFILE_ATTRIBUTES.filter((name) => item[name] !== undefined).map((name) => [name, item[name]]));
  const profile = Profile.parse(fields);
  return typeof item.paymentCustomerId === 'string' ? { ...profile, paymentCustomerId: item.paymentCustomerId } : profile;
}

/** The API's view of a profile: without what other parts keep on the item. */
export function profileView(record: ProfileRecord): Profile {
  const { paymentCustomerId: _customer, ...profile } = record;
  return profile;
}

/** The strong entity tag of a profile version, `"3"`. */
export function profileEtag(profile: Pick<Profile, 'version'>): string {
  return `"${profile.version}"`;
}

/**
 * The shopper's profile, read strongly consistent; `undefined` when they have none yet. Makes nothing: for readers
 * (export, erasure) that must not create an account by looking.
 */
export async function getProfile(shopperId: string, deps: AccountDeps = accountDeps()): Promise<ProfileRecord | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }));
  return Item ? recordFromItem(Item) : undefined;
}

/**
 * The shopper's profile, made on first use. The first write is a put under `attribute_not_exists(pk)`, so any number
 * of concurrent first calls make one profile and all return it; later writes are updates of named attributes.
 */
export async function ensureProfile(shopperId: string, deps: AccountDeps = accountDeps(), claims: IdentityClaims = {}): Promise<ProfileRecord> {
  const existing = await getProfile(shopperId, deps);
  if (existing) return existing;
  const now = deps.now().toISOString();
  // The sign-in email seeds the profile only when it is one: a malformed claim is left out rather than failing the read.
  const email = Profile.shape.email.safeParse(claims.email).data;
  const profile = Profile.parse({
    shopperId,
    ...(email ? { email } : {}),
    marketingConsent: { granted: false, at: null },
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: { ...keys.shopperProfile(shopperId), entityType: 'ShopperProfile', schemaVersion: PROFILE_SCHEMA_VERSION, ...profile },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return profile;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Another first call made it between our read and our put: theirs is the profile.
    const made = await getProfile(shopperId, deps);
    if (!made) throw error;
    return made;
  }
}

function expectedVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number | undefined {
  let fromHeader: number | undefined;
  if (ifMatch !== undefined) {
    const match = /^"([1-9]\d{0,14})"$/.exec(ifMatch.trim());
    if (!match) throw new ValidationError([{ field: 'header.if-match', message: 'must be the profile\'s ETag, such as "3"' }]);
    fromHeader = Number(match[1]);
  }
  if (bodyVersion !== undefined && fromHeader !== undefined && bodyVersion !== fromHeader) {
    throw new ValidationError([{ field: 'body.version', message: `is ${bodyVersion} but If-Match says ${fromHeader}` }]);
  }
  return bodyVersion ?? fromHeader;
}

function versionConflict(expected: number, current: number): ConflictError {
  return new ConflictError('version-mismatch', `Your profile is at version ${current}, not ${expected}; read it again and reapply the change.`, {
    extensions: { expectedVersion: expected, currentVersion: current },
  });
}

/**
 * `PATCH /me`: applies a merge patch to the caller's profile (made first if need be) under optimistic concurrency:
 * against the version the caller names (`version` or `If-Match`), else the one read here. The write is an update of
 * the changed attributes only, conditioned on that version. A patch that changes nothing writes nothing.
 * @throws ValidationError (400) naming each bad field
 * @throws AppError `unprocessable` (422) `unknown-store` for a preferred store that does not exist, `email-managed-by-sign-in`
 *   for an email change when the sign-in provider owns the email
 * @throws ConflictError (409) `version-mismatch` when the profile has moved on
 */
export async function updateProfile(
  shopperId: string,
  input: UpdateProfileInput,
  who: IdentityClaims & { ifMatch?: string | undefined },
  deps: AccountDeps = accountDeps(),
): Promise<ProfileRecord> {
  const patch = parseInput(UpdateProfileRequest, input, 'body');
  const expected = expectedVersion(patch.version, who.ifMatch);
  if (who.email && patch.email !== undefined && patch.email !== who.email) {
    throw new AppError('unprocessable', 'email-managed-by-sign-in', 'Your email is the one you sign in with: change it through sign-in, not here.', {
      fields: [{ field: 'body.email', message: 'is managed by sign-in' }],
    });
  }
  if (patch.preferredStoreId && !(await getStore(patch.preferredStoreId, deps))) {
    throw new AppError('unprocessable', 'unknown-store', `Store ${patch.preferredStoreId} does not exist.`, {
      fields: [{ field: 'body.preferredStoreId', message: 'is not a store' }],
      extensions: { storeId: patch.preferredStoreId },
    });
  }
  const current = await ensureProfile(shopperId, deps, who);
  if (expected !== undefined && expected !== current.version) throw versionConflict(expected, current.version);

  const now = deps.now().toISOString();
  const change = profileChange(current, patch, now);
  if (isEmptyChange(change)) return current;
  const next = applyProfileChange(current, change, now);

  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':expected': current.version, ':next': next.version, ':now': now };
  const sets = ['#version = :next', '#updatedAt = :now'];
  for (const [field, value] of Object.entries(change.set)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  for (const field of change.remove) names[`#${field}`] = field;
  const removes = change.remove.map((field) => `#${field}`);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.shopperProfile(shopperId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const latest = await getProfile(shopperId, deps);
    throw versionConflict(expected ?? current.version, latest?.version ?? current.version);
  }
  return current.paymentCustomerId ? { ...next, paymentCustomerId: current.paymentCustomerId } : next;
}
