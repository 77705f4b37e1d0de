import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parseRoles } from '../auth/roles.js';
import { auditItem } from '../audit/audit-entry.js';
import type { TableDeps } from '../db/deps.js';
import { INDEXES, keys } from '../db/keys.js';
import { TransactionCancelled, transactWrite } from '../db/transact.js';
import { ConflictError, ValidationError } from '../errors.js';
import { normalised, StaffSubject, type StaffChange, type StaffDirectory, type StaffMember } from './directory.js';

/** The audit entry of a change of roles, the same from either adapter. */
export function staffAuditItem(change: StaffChange, before: StaffMember, after: StaffMember, id?: string): Record<string, unknown> {
  return auditItem({
    ...(id ? { id } : {}),
    entity: 'staff',
    entityId: change.subject,
    action: 'set-roles',
    actor: change.actor,
    actorKind: change.actorKind,
    correlationId: change.correlationId,
    at: change.at,
    before: { roles: before.roles, stores: before.stores },
    after: { roles: after.roles, stores: after.stores },
  });
}

function member(item: Record<string, unknown>): StaffMember & { version: number } {
  return {
    subject: String(item.subject),
    roles: parseRoles(Array.isArray(item.roles) ? item.roles : []),
    stores: Array.isArray(item.stores) ? item.stores.filter((s): s is string => typeof s === 'string') : [],
    version: typeof item.version === 'number' ? item.version : 0,
  };
}

/**
 * The local store of principals: one item per member of staff (`keys.staffPrincipal`), which `POST /local/tokens`
 * consults, so a role taken away here is gone from the next token minted. A change and its audit entry are one
 * transaction, conditioned on the version read, so two admins changing one person cannot audit a stale "before".
 */
export function tableStaffDirectory(deps: TableDeps): StaffDirectory {
  const read = async (subject: string) => {
    const { Item } = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.staffPrincipal(subject), ConsistentRead: true }));
    return Item ? member(Item) : undefined;
  };
  return {
    get: async (subject) => {
      const found = await read(subject);
      return found ? normalised(found) : undefined;
    },
    list: async (query) => {
      let start: Record<string, string> | undefined;
      if (query.cursor !== undefined) {
        const subject = Buffer.from(query.cursor, 'base64url').toString('utf8');
        if (!StaffSubject.safeParse(subject).success) {
          throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }], 'The cursor is not valid.');
        }
        start = { ...keys.staffPrincipal(subject), ...keys.staffBySubject(subject) };
      }
      const { Items = [], LastEvaluatedKey } = await deps.db.send(
        new QueryCommand({
          TableName: deps.tableName,
          IndexName: INDEXES.gsi1.name,
          KeyConditionExpression: 'gsi1pk = :pk',
          ...(query.role ? { FilterExpression: 'contains(#roles, :role)', ExpressionAttributeNames: { '#roles': 'roles' } } : {}),
          ExpressionAttributeValues: { ':pk': keys.staffPartition, ...(query.role ? { ':role': query.role } : {}) },
          Limit: query.limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const last = LastEvaluatedKey?.gsi1sk;
      return {
        items: Items.map((item) => normalised(member(item))),
        nextCursor: typeof last === 'string' ? Buffer.from(last, 'utf8').toString('base64url') : null,
      };
    },
    setRoles: async (change) => {
      const current = await read(change.subject);
      const before = normalised(current ?? { subject: change.subject, roles: [], stores: [] });
      const after = normalised({ subject: change.subject, roles: [...change.roles], stores: [...change.stores] });
      if (JSON.stringify(before) === JSON.stringify(after)) return { before, after };
      const version = (current?.version ?? 0) + 1;
      try {
        await transactWrite(deps, [
          {
            Put: {
              TableName: deps.tableName,
              Item: {
                ...keys.staffPrincipal(change.subject),
                ...keys.staffBySubject(change.subject),
                entityType: 'StaffPrincipal',
                schemaVersion: 1,
                ...after,
                version,
                updatedAt: change.at,
                updatedBy: change.actor,
              },
              ConditionExpression: current ? 'version = :read' : 'attribute_not_exists(pk)',
              ...(current ? { ExpressionAttributeValues: { ':read': current.version } } : {}),
            },
          },
          { Put: { TableName: deps.tableName, Item: staffAuditItem(change, before, after) } },
        ]);
      } catch (error) {
        if (error instanceof TransactionCancelled) throw new ConflictError('staff-changed', `The roles of ${change.subject} changed meanwhile; read them and try again.`);
        throw error;
      }
      return { before, after };
    },
  };
}
