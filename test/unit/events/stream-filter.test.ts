import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTBOX_STREAM_FILTER } from '../../../shared/events/outbox.js';
import { matchesFilter, streamFilterPattern } from '../../../wiring/stream-filter.js';

const record = (eventName: string, entityType?: string) => ({
  eventName,
  dynamodb: { Keys: { pk: { S: 'X#1' } }, ...(entityType === undefined ? {} : { NewImage: { entityType: { S: entityType }, pk: { S: 'X#1' } } }) },
});

describe('stream filters', () => {
  it('become the Lambda filter pattern on the event name and the new image entity type', () => {
    expect(streamFilterPattern({ eventName: ['INSERT', 'MODIFY'], entityTypes: ['Cart', 'Reservation'] })).toEqual({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { entityType: { S: ['Cart', 'Reservation'] } } },
    });
  });

  it('let the outbox relay see inserted outbox items only', () => {
    const outbox = streamFilterPattern(OUTBOX_STREAM_FILTER);
    expect(matchesFilter(outbox, record('INSERT', 'OutboxEvent'))).toBe(true);
    expect(matchesFilter(outbox, record('MODIFY', 'OutboxEvent'))).toBe(false);
    // A TTL deletion has an old image only.
    expect(matchesFilter(outbox, { eventName: 'REMOVE', dynamodb: { OldImage: { entityType: { S: 'OutboxEvent' } } } })).toBe(false);
    expect(matchesFilter(outbox, record('INSERT', 'Product'))).toBe(false);
    expect(matchesFilter(outbox, record('INSERT'))).toBe(false);
  });

  it('match a record exactly when its event name and entity type are among the listed ones', () => {
    const names = fc.constantFrom('INSERT', 'MODIFY', 'REMOVE');
    const types = fc.constantFrom('OutboxEvent', 'Product', 'Cart', 'Stock');
    fc.assert(
      fc.property(fc.uniqueArray(names, { minLength: 1 }), fc.uniqueArray(types, { minLength: 1 }), names, types, (eventName, entityTypes, name, type) => {
        const pattern = streamFilterPattern({ eventName: eventName as ('INSERT' | 'MODIFY' | 'REMOVE')[], entityTypes: entityTypes as 'Product'[] });
        expect(matchesFilter(pattern, record(name, type))).toBe(eventName.includes(name) && entityTypes.includes(type));
      }),
    );
  });

  it('never match a field of the wrong shape', () => {
    const pattern = streamFilterPattern(OUTBOX_STREAM_FILTER);
    expect(matchesFilter(pattern, null)).toBe(false);
    expect(matchesFilter(pattern, { eventName: 'INSERT', dynamodb: 'x' })).toBe(false);
    expect(matchesFilter(pattern, { eventName: ['INSERT'], dynamodb: { NewImage: { entityType: { S: 'OutboxEvent' } } } })).toBe(false);
  });
});
