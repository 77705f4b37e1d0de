import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { exportRequestedV1 } from '../../events/personal-data/export-requested.v1.js';
import { AccountErasedError, notErasedCheck } from '../accounts/erased.js';
import { attributedTo, auditItem, type AuditedBy } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import { keys, TTL_ATTRIBUTE } from '../db/keys.js';
import { TransactionCancelled, transactWrite, type TransactItem } from '../db/transact.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { deleteObject, putObject } from '../storage/s3.js';
import { collectPersonalData, itemAt } from './collect.js';
import { EXPORT_RETENTION_DAYS, PERSONAL_DATA_PREFIX } from './retention.js';

/**
 * A shopper's personal-data export: asked for (`requested`), built by the `personal-data-exports` worker into one JSON
 * file in the exports bucket under `personal-data/`, then `ready` with a short-lived download link. One export runs per
 * shopper at a time (`EXPORTING`, put under a condition with the export). The record and its file go after the
 * `exports` retention period: the record by TTL, the file by the bucket's lifecycle rule on the prefix.
 */

export const EXPORT_SCHEMA_VERSION = 1;

/** How long a download link works. */
export const DOWNLOAD_URL_SECONDS = 15 * 60;

/** A lock older than this is from a worker that gave up (its message in the DLQ): a new export may start. */
export const EXPORT_LOCK_SECONDS = 60 * 60;


export const ExportStatus = z.enum(['requested', 'ready']);
export type ExportStatus = z.infer<typeof ExportStatus>;

export const ExportRecord = z.strictObject({
  id: z.string().min(1),
  shopperId: z.string().min(1),
  status: ExportStatus,
  /** The principal who asked: the shopper, or a member of customer service acting for them. */
  requestedBy: z.string().min(1),
  requestedAt: z.iso.datetime(),
  readyAt: z.iso.datetime().optional(),
  objectKey: z.string().min(1).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  /** When the record and its file go. */
  expiresAt: z.iso.datetime(),
});
export type ExportRecord = z.infer<typeof ExportRecord>;

/** What `GET /me/exports/{id}` answers. */
export const ExportView = z.strictObject({
  id: z.string(),
  status: ExportStatus,
  requestedAt: z.iso.datetime(),
  readyAt: z.iso.datetime().optional(),
  /** When the export and its file are deleted. */
  expiresAt: z.iso.datetime(),
  /** Once ready: a GET of the file (one JSON document), valid until its `expiresAt`. */
  download: z.strictObject({ url: z.url(), expiresAt: z.iso.datetime(), sizeBytes: z.number().int().nonnegative() }).optional(),
});
export type ExportView = z.infer<typeof ExportView>;

/** What exports need besides the table: the bucket, a client to write with, one to presign with. */
export interface ExportDeps extends TableDeps {
  s3: S3Client;
  presigner: S3Client;
  bucket: string;
}

/** Who asks for an export or an erasure, and, for staff acting on a customer's behalf, why. */
export interface Requester extends AuditedBy {
  /** Required of staff: the audit entry keeps it. Absent when shoppers ask for themselves. */
  reason?: string;
}

/** The shopper already has an export in progress. */
export class ExportInProgressError extends ConflictError {
  override readonly name: string = 'ExportInProgressError';
  constructor(exportId: string | undefined) {
    super('export-in-progress', 'An export of this shopper’s data is already in progress; wait for it to be ready before asking again.', {
      extensions: exportId ? { exportId } : {},
    });
  }
}

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
const objectKeyOf = (shopperId: string, exportId: string) => `${PERSONAL_DATA_PREFIX}${shopperId}/${exportId}.json`;

function recordFromItem(item: Record<string, unknown>): ExportRecord {
  // The TTL attribute is the record's `expiresAt`, stored as epoch seconds for DynamoDB's TTL to read.
  const { pk: _pk, sk: _sk, entityType: _type, schemaVersion: _version, [TTL_ATTRIBUTE]: expires, ...rest } = item;
  return ExportRecord.parse({ ...rest, expiresAt: new Date(Number(expires) * 1000).toISOString() });
}

/** An audit entry of a staff member acting on a customer's personal data, for the caller's transaction. */
export function privacyAuditItem(tableName: string, shopperId: string, action: string, who: Requester, at: string, after: Record<string, unknown>): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: auditItem({ ...attributedTo(who), entity: 'shopper', entityId: shopperId, action, at, before: {}, after: { ...after, reason: who.reason } }),
    },
  };
}

/**
 * Starts an export: the record, the lock and `personal-data.export-requested` in one transaction (and, for staff, the
 * audit entry). The lock's condition is what keeps it to one export at a time.
 * @throws ExportInProgressError (409) when one is already running
 * @throws AccountErasedError (410 `account-erased`) once an erasure of the shopper was requested: an export would put
 *   an item back into the partition the erasure empties, and there is nothing left to export
 */
export async function startExport(shopperId: string, who: Requester, deps: TableDeps): Promise<ExportView> {
  const now = deps.now();
  const at = now.toISOString();
  const record: ExportRecord = {
    id: deps.newId(),
    shopperId,
    status: 'requested',
    requestedBy: who.actor,
    requestedAt: at,
    expiresAt: new Date((epochSeconds(now) + EXPORT_RETENTION_DAYS * 86_400) * 1000).toISOString(),
  };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.personalDataExportLock(shopperId), entityType: 'PersonalDataExportLock', schemaVersion: 1, exportId: record.id, lockedUntil: epochSeconds(now) + EXPORT_LOCK_SECONDS, [TTL_ATTRIBUTE]: epochSeconds(now) + EXPORT_LOCK_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk) OR lockedUntil < :now',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
      },
    },
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.personalDataExport(shopperId, record.id), entityType: 'PersonalDataExport', schemaVersion: EXPORT_SCHEMA_VERSION, ...record, [TTL_ATTRIBUTE]: epochSeconds(new Date(record.expiresAt)) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    outboxEvent(deps.tableName, exportRequestedV1, { exportId: record.id, shopperId, requestedAt: at }, { id: `personal-data-export-${record.id}`, now, correlationId: who.correlationId }).item,
    notErasedCheck(deps.tableName, shopperId),
  ];
  if (who.reason !== undefined) items.push(privacyAuditItem(deps.tableName, shopperId, 'export-personal-data', who, at, { exportId: record.id }));
  try {
    await transactWrite(deps, items);
  } catch (error) {
    if (error instanceof TransactionCancelled && error.failedConditions().includes(3)) throw new AccountErasedError();
    if (error instanceof TransactionCancelled && error.failedConditions().includes(0)) {
      const lock = await itemAt(keys.personalDataExportLock(shopperId), deps);
      throw new ExportInProgressError(typeof lock?.exportId === 'string' ? lock.exportId : undefined);
    }
    throw error;
  }
  return toView(record);
}

/** The export's record, if the shopper has one by this id. */
export async function getExportRecord(shopperId: string, exportId: string, deps: TableDeps): Promise<ExportRecord | undefined> {
  const item = await itemAt(keys.personalDataExport(shopperId, exportId), deps);
  const record = item ? recordFromItem(item) : undefined;
  // DynamoDB's TTL deletes within days of the time, not at it.
  return record && Date.parse(record.expiresAt) > deps.now().getTime() ? record : undefined;
}

/**
 * The export's progress and, once ready, a link to download it. Keyed by the caller's own shopper id, so another
 * shopper's export id is a 404 exactly like a missing one.
 * @throws NotFoundError (404) when the shopper has no such export (or it expired)
 */
export async function viewExport(shopperId: string, exportId: string, deps: ExportDeps): Promise<ExportView> {
  const record = await getExportRecord(shopperId, exportId, deps);
  if (!record) throw new NotFoundError('Export', exportId);
  if (record.status !== 'ready' || !record.objectKey) return toView(record);
  const now = deps.now();
  // Signed at the real time (not `deps.now()`): S3 checks the link against its own clock.
  const url = await getSignedUrl(deps.presigner, new GetObjectCommand({ Bucket: deps.bucket, Key: record.objectKey, ResponseContentType: 'application/json' }), {
    expiresIn: DOWNLOAD_URL_SECONDS,
  });
  const linkExpires = Math.min(now.getTime() + DOWNLOAD_URL_SECONDS * 1000, Date.parse(record.expiresAt));
  return { ...toView(record), download: { url, expiresAt: new Date(linkExpires).toISOString(), sizeBytes: record.sizeBytes ?? 0 } };
}

function toView(record: ExportRecord): ExportView {
  return {
    id: record.id,
    status: record.status,
    requestedAt: record.requestedAt,
    ...(record.readyAt ? { readyAt: record.readyAt } : {}),
    expiresAt: record.expiresAt,
  };
}

/** What one run of the export worker did. */
export type ExportOutcome = 'ready' | 'already-ready' | 'gone';

/**
 * Builds the file of a requested export and marks it ready. Idempotent: a redelivery rebuilds and overwrites the same
 * object key (the data of the moment, under the same name) and the status only moves `requested → ready`; an export
 * whose record is gone (erased, or expired) writes nothing, or deletes what it just wrote.
 */
export async function runExport(shopperId: string, exportId: string, deps: ExportDeps): Promise<ExportOutcome> {
  const record = await getExportRecord(shopperId, exportId, deps);
  if (!record) return 'gone';
  if (record.status === 'ready') {
    // A delivery that died between marking it ready and releasing the lock.
    await releaseLock(shopperId, exportId, deps);
    return 'already-ready';
  }
  const now = deps.now();
  const document = await collectPersonalData(shopperId, now, deps);
  const body = JSON.stringify(document, null, 2);
  const objectKey = objectKeyOf(shopperId, exportId);
  await putObject(deps.s3, { bucket: deps.bucket, key: objectKey, body, contentType: 'application/json' });
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.personalDataExport(shopperId, exportId),
        UpdateExpression: 'SET #status = :ready, readyAt = :at, objectKey = :key, sizeBytes = :size',
        ConditionExpression: 'attribute_exists(pk) AND #status = :requested',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':ready': 'ready', ':requested': 'requested', ':at': now.toISOString(), ':key': objectKey, ':size': Buffer.byteLength(body) },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    const current = await getExportRecord(shopperId, exportId, deps);
    if (current?.status === 'ready') {
      await releaseLock(shopperId, exportId, deps);
      return 'already-ready';
    }
    // Erased while we were building it: the file must not outlive the account.
    await deleteObject(deps.s3, deps.bucket, objectKey);
    return 'gone';
  }
  await releaseLock(shopperId, exportId, deps);
  return 'ready';
}

/** Lets the shopper start another export; only this export's own lock is released. */
async function releaseLock(shopperId: string, exportId: string, deps: TableDeps): Promise<void> {
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.tableName,
        Key: keys.personalDataExportLock(shopperId),
        ConditionExpression: 'exportId = :id',
        ExpressionAttributeValues: { ':id': exportId },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}
