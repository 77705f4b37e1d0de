import { ulid } from 'ulid';
import { z } from 'zod';
import { keys } from '../db/keys.js';

/**
 * The audit log: who changed what, when, with the values before and after. An entry is written
 * in the same DynamoDB transaction as the change it records, so there is never a change without
 * its entry nor an entry for a change that rolled back. Entries sit under their entity (history
 * of one product), through gsi1 under their day (everything that happened on a date) and, since
 * schema version 2, through gsi2 under their actor (everything one person or key did).
 */

/** Version 2 added `actorKind`, `correlationId` and the actor index (gsi2); version 1 entries have none of them. */
export const AUDIT_SCHEMA_VERSION = 2;

/** Who stands behind a change: a signed-in person, an integration calling with an API key, or SmartShelf itself (a job, the saga, a seed). */
export const ActorKind = z.enum(['person', 'integration', 'system']);
export type ActorKind = z.infer<typeof ActorKind>;

/**
 * Who acted, as a use-case hands it to the audit: the actor, its kind, and the request's correlation id (absent for
 * work no request started). Contexts' own actor types extend it; a handler builds it with {@link auditActor}, so the
 * kind comes from the principal. Where a caller leaves the kind out, {@link actorKindOf} infers it from the actor.
 */
export interface AuditedBy {
  actor: string;
  actorKind?: ActorKind | undefined;
  correlationId?: string | undefined;
}

/**
 * The audit's actor for a request's principal: a person for a token, an integration for an API key. Takes the
 * principal structurally so that `shared/audit` stays below `shared/auth` (whose API-key changes are audited).
 */
export function auditActor(principal: { subject: string; kind: 'user' | 'integration' }, correlationId: string | undefined): Required<Pick<AuditedBy, 'actor' | 'actorKind'>> & AuditedBy {
  return { actor: principal.subject, actorKind: principal.kind === 'integration' ? 'integration' : 'person', correlationId };
}

/** A system actor (`seed`, `import:<jobId>`, `checkout-saga`), optionally inside a request's correlation id. */
export function systemActor(actor: string, correlationId?: string): AuditedBy {
  return { actor, actorKind: 'system', ...(correlationId === undefined ? {} : { correlationId }) };
}

/**
 * SmartShelf's own actors, by name or `<name>:` prefix: seeds, the checkout saga, an import job, `system:<job>` (the
 * retention run), a courier's signed update. API clients authenticate as `client:<name>` (`shared/auth/authenticate.ts`).
 */
const SYSTEM_ACTOR = /^(?:seed|checkout-saga)$|^(?:import|courier|system):/;

/**
 * The kind of an actor whose caller did not say (version 1 entries, system paths): `client:<name>` is an API key's
 * integration, SmartShelf's own actors are `system`, anyone else a person.
 */
export function actorKindOf(actor: string): ActorKind {
  if (actor.startsWith('client:')) return 'integration';
  return SYSTEM_ACTOR.test(actor) ? 'system' : 'person';
}

/** The `actor`, `actorKind` and `correlationId` of an entry, from whoever acted: spread into {@link auditItem}'s entry. */
export function attributedTo(who: AuditedBy): Pick<NewAuditEntry, 'actor' | 'actorKind' | 'correlationId'> {
  return { actor: who.actor, actorKind: who.actorKind, correlationId: who.correlationId };
}

/** Correlation ids as `correlationIdFor` lets them through (the caller's, or a request id). */
const CorrelationId = z.string().min(1).max(128);

export const AuditEntry = z.strictObject({
  id: z.string().min(1),
  entity: z.string().regex(/^[a-z][a-z-]*$/),
  entityId: z.string().min(1),
  action: z.string().regex(/^[a-z][a-z-]*$/),
  /** The principal's subject, or a system actor such as `import:<jobId>`. */
  actor: z.string().min(1),
  actorKind: ActorKind,
  at: z.iso.datetime(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  /** The request that made the change (`x-correlation-id`); absent for work no request started. */
  correlationId: CorrelationId.optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** What a caller gives: the entry without its id (a ULID unless given); `actorKind` inferred from the actor when left out. */
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'actorKind' | 'correlationId'> & {
  id?: string;
  actorKind?: ActorKind | undefined;
  correlationId?: string | undefined;
};

/**
 * Builds the table item for an audit entry, ready for a `Put` inside the caller's transaction.
 * @throws ZodError when the entry is malformed: a bug in the caller, not a client error
 */
export function auditItem(entry: NewAuditEntry): Record<string, unknown> {
  const { correlationId, actorKind, ...rest } = entry;
  const parsed = AuditEntry.parse({
    ...rest,
    id: entry.id ?? ulid(),
    actorKind: actorKind ?? actorKindOf(entry.actor),
    ...(correlationId === undefined ? {} : { correlationId }),
  });
  return {
    ...keys.audit(parsed.entity, parsed.entityId, parsed.at, parsed.id),
    ...keys.auditByDay(parsed.at, parsed.id),
    ...keys.auditByActor(parsed.actor, parsed.at, parsed.id),
    entityType: 'AuditEntry',
    schemaVersion: AUDIT_SCHEMA_VERSION,
    ...parsed,
  };
}
