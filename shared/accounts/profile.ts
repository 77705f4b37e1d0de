import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { AppError, ConflictError } from '../errors.js';
import { parseInput } from '../catalog/requests.js';
import { versionNamed } from '../http/if-match.js';
import { getStore } from '../stores/repository.js';
import { activityAttributes, activityIsStale, utcDay } from './activity.js';
import { accountDeps, type AccountDeps } from './deps.js';
import { AccountErasedError, ERASURE_FLAG, notErasedCheck } from './erased.js';
import { EDITABLE_FIELDS, Profile, UpdateProfileRequest, type UpdateProfileInput } from './model.js';
import { applyProfileChange, isEmptyChange, profileChange } from './rules.js';

/** 2: the profile carries its activity (`lastActiveAt` and the activity index's keys; migration 0005 for older ones). */
export const PROFILE_SCHEMA_VERSION = 2;

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

/** The profile item as stored, read strongly consistent: a profile, an erasure's bare marker (see `erased.ts`), or none. */
async function profileItem(shopperId: string, deps: AccountDeps): Promise<Record<string, unknown> | undefined> {
  const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.shopperProfile(shopperId), ConsistentRead: true }));
  return Item;
}

/** An erasure's marker without a profile has no `shopperId`: there is no profile to show. */
const isProfileItem = (item: Record<string, unknown> | undefined): item is Record<string, unknown> => typeof item?.shopperId === 'string';

/**
 * The shopper's profile, read strongly consistent; `undefined` when they have none yet. Makes nothing: for readers
 * (export, erasure) that must not create an account by looking, and that still read a profile whose erasure is running.
 */
export async function getProfile(shopperId: string, deps: AccountDeps = accountDeps()): Promise<ProfileRecord | undefined> {
  const item = await profileItem(shopperId, deps);
  return isProfileItem(item) ? recordFromItem(item) : undefined;
}

/**
 * Records that the shopper used the API today: `lastActiveAt` and the activity index's keys, in one update conditioned
 * on the stored day being older, so a shopper costs at most one such write a day however many requests they make
 * (a racing request's failed condition writes nothing). Never makes a profile, nor touches one being erased.
 */
async function recordActivity(shopperId: string, today: string, deps: AccountDeps): Promise<void> {
  const activity = activityAttributes(shopperId, today);
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.shopperProfile(shopperId),
        // The schema version too: migration 0005's backfill (conditioned on the version it read) then leaves it alone.
        UpdateExpression: 'SET lastActiveAt = :today, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, schemaVersion = :schema',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#flag) AND (attribute_not_exists(lastActiveAt) OR lastActiveAt < :today)',
        ExpressionAttributeNames: { '#flag': ERASURE_FLAG },
        ExpressionAttributeValues: { ':today': today, ':gsi2pk': activity.gsi2pk, ':gsi2sk': activity.gsi2sk, ':schema': PROFILE_SCHEMA_VERSION },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The shopper's profile, made on first use, and the day's activity recorded (see `activity.ts`): `GET /me`, `PATCH /me`,
 * saving a card and every checkout (through `ensurePaymentCustomer`) pass here, so this is where a shopper's use is
 * seen, at the cost of the read already made. The first write is a put under `attribute_not_exists(pk)`, so any number
 * of concurrent first calls make one profile and all return it; later writes are updates of named attributes.
 * @throws AccountErasedError (410 `account-erased`) once an erasure of the shopper was requested: the profile is not
 *   made again (the put's transaction checks that no erasure exists)
 */
export async function ensureProfile(shopperId: string, deps: AccountDeps = accountDeps(), claims: IdentityClaims = {}): Promise<ProfileRecord> {
  const existing = await profileItem(shopperId, deps);
  if (existing?.[ERASURE_FLAG] !== undefined) throw new AccountErasedError();
  const clock = deps.now();
  const today = utcDay(clock);
  if (isProfileItem(existing)) {
    if (activityIsStale(existing.lastActiveAt, today)) await recordActivity(shopperId, today, deps);
    return recordFromItem(existing);
  }
  const now = clock.toISOString();
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
  const item = {
    ...keys.shopperProfile(shopperId),
    entityType: 'ShopperProfile',
    schemaVersion: PROFILE_SCHEMA_VERSION,
    ...profile,
    ...activityAttributes(shopperId, today),
  };
  try {
    await transactWrite(deps, [{ Put: { TableName: deps.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, notErasedCheck(deps.tableName, shopperId)]);
    return profile;
  } catch (error) {
    if (!(error instanceof TransactionCancelled)) throw error;
    if (error.failedConditions().includes(1)) throw new AccountErasedError();
    // Another first call made it between our read and our put: theirs is the profile (unless an erasure marked it since).
    const made = await profileItem(shopperId, deps);
    if (made?.[ERASURE_FLAG] !== undefined) throw new AccountErasedError();
    if (!isProfileItem(made)) throw error;
    return recordFromItem(made);
  }
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
 * @throws AccountErasedError (410 `account-erased`) once an erasure of the shopper was requested
 */
export async function updateProfile(
  shopperId: string,
  input: UpdateProfileInput,
  who: IdentityClaims & { ifMatch?: string | undefined },
  deps: AccountDeps = accountDeps(),
): Promise<ProfileRecord> {
  const patch = parseInput(UpdateProfileRequest, input, 'body');
  const expected = versionNamed(patch.version, who.ifMatch, 'profile');
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

  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt', '#flag': ERASURE_FLAG };
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
        // Not on a profile whose erasure was requested since it was read: the erasure is about to delete it.
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected AND attribute_not_exists(#flag)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const latest = await profileItem(shopperId, deps);
    if (!isProfileItem(latest) || latest[ERASURE_FLAG] !== undefined) throw new AccountErasedError();
    throw versionConflict(expected ?? current.version, recordFromItem(latest).version);
  }
  return current.paymentCustomerId ? { ...next, paymentCustomerId: current.paymentCustomerId } : next;
}
