import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { INDEXES, keys, TABLE_KEYS } from '../keys.js';
import type { Migration } from './types.js';

/**
 * Audit entries are indexed by their actor (gsi2 `AUDIT_ACTOR#<actor>`) since audit schema version 2 (issue 14), so
 * that `GET /audit?actor=` finds everything one person or key did. An entry written before that is not in the index,
 * and the trail by actor missed it. This gives every entry outside the index its place there, from its own `actor`,
 * `at` and `id` (the keys `auditItem` gives a new entry), and nothing else: what the entry says (who, what, when,
 * before and after) is not touched, it keeps its schema version (1: no `correlationId` recorded, `actorKind` read from
 * the actor when the trail is shown), and no correlation id or kind is made up for it.
 *
 * Each write is conditioned on the entry still being outside the index, so a rerun, or a run racing another, changes
 * nothing the first did not; the scan filters on it too, so a rerun reads the entries but writes none.
 */
export const auditActorIndex: Migration = {
  version: '0007-audit-actor-index',
  description: 'Give audit entries written before the actor index their place in it',
  async run(deps) {
    const partition = INDEXES.gsi2.partition;
    const sort = INDEXES.gsi2.sort;
    let indexed = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.send(
        new ScanCommand({
          TableName: deps.tableName,
          FilterExpression: '#entityType = :audit AND attribute_not_exists(#gsi2pk)',
          ExpressionAttributeNames: { '#entityType': 'entityType', '#gsi2pk': partition },
          ExpressionAttributeValues: { ':audit': 'AuditEntry' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        // Every entry auditItem wrote has all three; one that lacks any cannot be placed and stays out of the index.
        if (typeof item.actor !== 'string' || typeof item.at !== 'string' || typeof item.id !== 'string') continue;
        const index = keys.auditByActor(item.actor, item.at, item.id);
        try {
          await deps.db.send(
            new UpdateCommand({
              TableName: deps.tableName,
              Key: { [TABLE_KEYS.partition]: item[TABLE_KEYS.partition], [TABLE_KEYS.sort]: item[TABLE_KEYS.sort] },
              UpdateExpression: 'SET #gsi2pk = :pk, #gsi2sk = :sk',
              ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#gsi2pk)',
              ExpressionAttributeNames: { '#pk': TABLE_KEYS.partition, '#gsi2pk': partition, '#gsi2sk': sort },
              ExpressionAttributeValues: { ':pk': index.gsi2pk, ':sk': index.gsi2sk },
            }),
          );
          indexed++;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    deps.log(`gave ${indexed} audit entr${indexed === 1 ? 'y' : 'ies'} a place in the actor index`);
  },
};
