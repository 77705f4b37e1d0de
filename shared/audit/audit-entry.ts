import { ulid } from 'ulid';
import { z } from 'zod';
import { keys } from '../db/keys.js';

/**
 * The audit log: who changed what, when, with the values before and after. An entry is written
 * in the same DynamoDB transaction as the change it records, so there is never a change without
 * its entry nor an entry for a change that rolled back. Entries sit under their entity (history
 * of one product) and, through gsi1, under their day (everything that happened on a date).
 */

export const AUDIT_SCHEMA_VERSION = 1;

export const AuditEntry = z.strictObject({
  id: z.string().min(1),
  entity: z.string().regex(/^[a-z][a-z-]*$/),
  entityId: z.string().min(1),
  action: z.string().regex(/^[a-z][a-z-]*$/),
  /** The principal's subject, or a system actor such as `import:<jobId>`. */
  actor: z.string().min(1),
  at: z.iso.datetime(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export type NewAuditEntry = Omit<AuditEntry, 'id'> & { id?: string };

/**
 * Builds the table item for an audit entry, ready for a `Put` inside the caller's transaction.
 * @throws ZodError when the entry is malformed: a bug in the caller, not a client error
 */
export function auditItem(entry: NewAuditEntry): Record<string, unknown> {
  const parsed = AuditEntry.parse({ ...entry, id: entry.id ?? ulid() });
  return {
    ...keys.audit(parsed.entity, parsed.entityId, parsed.at, parsed.id),
    ...keys.auditByDay(parsed.at, parsed.id),
    entityType: 'AuditEntry',
    schemaVersion: AUDIT_SCHEMA_VERSION,
    ...parsed,
  };
}
