import { describe, expect, it } from 'vitest';
import { localTopology } from '../../../infra/local/topology.js';
import * as wiring from '../../../wiring/index.js';

describe('local topology', () => {
  const topology = localTopology();

  it('serves exactly the wiring routes, no /local endpoints among them', () => {
    expect(topology.routes).toEqual(wiring.routes.map((r) => ({ method: r.method, path: r.path, fn: r.fn })));
    expect(topology.routes.some((r) => r.path.startsWith('/local'))).toBe(false);
  });

  it('creates every wiring queue with its consumer, DLQ and redrive count', () => {
    expect(topology.queues).toEqual(
      wiring.queues.map((q) => ({ id: q.id, consumer: q.consumer, dlq: `${q.id}-dlq`, maxReceiveCount: q.maxReceiveCount })),
    );
  });

  it('routes every wiring rule to its queue', () => {
    expect(topology.rules).toEqual(
      wiring.rules.map((r) => ({ id: r.id, ...wiring.rulePattern(r), queue: r.target.queue })),
    );
    for (const rule of topology.rules) expect(topology.queues.map((q) => q.id)).toContain(rule.queue);
  });

  it('feeds every wiring stream consumer from the oldest record, through its filter, with a DLQ', () => {
    expect(topology.streams.map((s) => [s.id, s.consumer, s.dlq, s.startingPosition])).toEqual(
      wiring.streams.map((s) => [s.id, s.consumer, `${s.id}-dlq`, 'TRIM_HORIZON']),
    );
    expect(topology.streams.find((s) => s.id === 'outbox-relay')?.filter).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { entityType: { S: ['OutboxEvent'] } } },
    });
  });

  it('runs the wiring schedules and state machines', () => {
    expect(topology.schedules).toEqual(wiring.schedules.map((s) => ({ id: s.id, expression: s.expression, fn: s.target.fn })));
    expect(topology.stateMachines).toEqual(wiring.stateMachines.map((m) => ({ id: m.id, definition: m.definition })));
  });

  it('is a projection of what the runtime is handed, so the two cannot differ', () => {
    const reduced = { ...wiring.wiring, routes: wiring.routes.slice(0, 1), queues: [] };
    expect(localTopology(reduced).routes).toHaveLength(1);
    expect(localTopology(reduced).queues).toEqual([]);
  });
});
