import { describe, expect, it } from 'vitest';
import { orderCompletedV1 } from '../../../events/orders/order-completed.v1.js';
import { queues, rules } from '../../../wiring/index.js';
import { FOLLOWED_EVENTS } from '../../../shared/search/record-change.js';

/** Every (source, detail-type) pair the wiring's rules send to a queue. */
const routedTo = (queue: string) =>
  rules
    .filter((rule) => rule.target.queue === queue)
    .flatMap((rule) => rule.events.map((contract) => `${contract.source} ${contract.detailType}`))
    .sort();

describe('the search wiring', () => {
  it('routes to the search change queue exactly the events its consumer follows, so none arrives as poison', () => {
    expect(routedTo('search-changes')).toEqual(FOLLOWED_EVENTS.map((e) => `${e.source} ${e.detailType}`).sort());
  });

  it('feeds completed orders to the purchase history, through a queue with a DLQ', () => {
    expect(routedTo('search-order-history')).toEqual([`${orderCompletedV1.source} ${orderCompletedV1.detailType}`]);
    expect(queues.find((q) => q.id === 'search-order-history')!.maxReceiveCount).toBeGreaterThan(1);
  });
});
