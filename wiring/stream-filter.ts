/** Which records of the table's stream reach a consumer (a stream's `filter` in `wiring/index.ts`). */
export interface StreamFilter {
  eventName: readonly ('INSERT' | 'MODIFY' | 'REMOVE')[];
  /**
   * `entityType` of the record's new image: one of `EntityType` in `shared/db/keys.ts`, which the wiring cannot import
   * (it sits below `shared/`); `test/unit/wiring/typed-ids.test.ts` checks the wiring's filters against it.
   */
  entityTypes: readonly string[];
}

/** The entity type of the transactional outbox's items (`shared/events/outbox.ts`), which the relay's stream filters on. */
export const OUTBOX_ENTITY_TYPE = 'OutboxEvent';

/** The stream records the relay puts on the bus: new outbox items only, so TTL deletions and every other item cost no invocation. */
export const OUTBOX_STREAM_FILTER = { eventName: ['INSERT'], entityTypes: [OUTBOX_ENTITY_TYPE] } as const satisfies StreamFilter;

/** A Lambda event filter pattern: at each leaf, the values the record's field may have. */
export interface FilterPattern {
  [field: string]: readonly (string | number | boolean)[] | FilterPattern;
}

/**
 * The Lambda filter pattern of a stream consumer's filter: the event name, and the `entityType`
 * of the new image in DynamoDB JSON. The CDK app installs it as the event source's filter
 * criteria; the local runtime and the consumers test records against it with {@link matchesFilter},
 * so the two cannot disagree about which records a consumer sees.
 */
export function streamFilterPattern(filter: StreamFilter): FilterPattern {
  return { eventName: [...filter.eventName], dynamodb: { NewImage: { entityType: { S: [...filter.entityTypes] } } } };
}

/**
 * Whether a record matches a filter pattern with Lambda's semantics for exact values: every field
 * the pattern names must be present, and at a leaf its value must be one of the listed ones.
 */
export function matchesFilter(pattern: FilterPattern, record: unknown): boolean {
  if (record === null || typeof record !== 'object') return false;
  return Object.entries(pattern).every(([field, expected]) => {
    const value = (record as Record<string, unknown>)[field];
    if (isValueList(expected)) return expected.some((allowed) => allowed === value);
    return matchesFilter(expected, value);
  });
}

function isValueList(expected: FilterPattern[string]): expected is readonly (string | number | boolean)[] {
  return Array.isArray(expected);
}
