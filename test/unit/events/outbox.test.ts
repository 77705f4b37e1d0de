import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { categoryCreatedV1 } from '../../../events/catalog/category-created.v1.js';
import { defineEvent } from '../../../events/contract.js';
import { CardNumberInEventError, outboxEvent } from '../../../shared/events/outbox.js';

const category = { categoryId: '01JD8Z4Q7W5X3N2M1K0H9G8F7E', slug: 'fruit', name: 'Fruit', parentId: null, path: 'fruit', actor: 'u1' };

/** A contract as loose as a careless one could be, so that only the guard stands between a card number and the bus. */
const noteTakenV1 = defineEvent({ source: 'smartshelf.test', detailType: 'note.taken', version: 1, schema: z.object({ note: z.unknown(), gtin: z.string().optional() }) });

describe('outboxEvent, the last line of defence against card numbers', () => {
  it('writes an event with ids, barcodes and timestamps', () => {
    const { item, envelope } = outboxEvent('table', noteTakenV1, { note: { at: 1718000000000, order: '01JD8Z4Q7W5X3N2M1K0H9G8F7E' }, gtin: '4000000000006' });
    expect(envelope.data).toMatchObject({ gtin: '4000000000006' });
    expect(item.Put?.Item).toMatchObject({ detailType: 'note.taken' });
  });

  it.each([
    ['in the data, nested', { note: { lines: [{ text: 'card 4242 4242 4242 4242' }] } }, {}],
    ['as a number', { note: 4242424242424242 }, {}],
    ['as a member name', { note: { '5555-5555-5555-4444': true } }, {}],
    ['in the correlation id', { note: 'fine' }, { correlationId: '4000002500003155' }],
  ])('refuses an event with a card number %s, naming the event type only', (_, data, meta) => {
    let thrown: unknown;
    try {
      outboxEvent('table', noteTakenV1, data, meta);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CardNumberInEventError);
    expect((thrown as Error).message).toBe('refused to write a note.taken event: its envelope holds something that reads as a card number');
  });

  it('checks real contracts too', () => {
    expect(() => outboxEvent('table', categoryCreatedV1, { ...category, name: 'Cards 4242-4242-4242-4242' })).toThrow(CardNumberInEventError);
    expect(outboxEvent('table', categoryCreatedV1, category).envelope.data).toEqual(category);
  });
});
