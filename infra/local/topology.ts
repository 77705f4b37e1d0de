import { rulePattern, wiring, type Wiring } from '../../wiring/index.js';
import { streamFilterPattern, type FilterPattern } from '../../wiring/stream-filter.js';
import { dlqName } from './queues.js';

export interface LocalTopology {
  routes: { method: string; path: string; fn: string }[];
  queues: { id: string; consumer: string; dlq: string; maxReceiveCount: number }[];
  rules: { id: string; source: string[]; detailType: string[]; queue: string }[];
  streams: {
    id: string;
    consumer: string;
    dlq: string;
    filter: FilterPattern;
    batchSize: number;
    retryAttempts: number;
    maxRecordAgeSeconds: number;
    bisectOnError: boolean;
    startingPosition: 'TRIM_HORIZON';
    reportBatchItemFailures: true;
  }[];
  schedules: { id: string; expression: string; fn: string }[];
  stateMachines: { id: string; definition: string }[];
}

/**
 * The local runtime's topology, in a plain shape that can be compared with the synthesized
 * CloudFormation template: the routes it serves, the queues (with DLQ and redrive count) it
 * creates and polls, the event rules it routes, the table stream consumers it feeds (with their
 * filter, retries and DLQ), the schedules it fires and the state machines it runs.
 */
export function localTopology(served: Wiring = wiring): LocalTopology {
  return {
    routes: served.routes.map((r) => ({ method: r.method, path: r.path, fn: r.fn })),
    queues: served.queues.map((q) => ({ id: q.id, consumer: q.consumer, dlq: dlqName(q.id), maxReceiveCount: q.maxReceiveCount })),
    rules: served.rules.map((r) => ({ id: r.id, ...rulePattern(r), queue: r.target.queue })),
    streams: served.streams.map((s) => ({
      id: s.id,
      consumer: s.consumer,
      dlq: dlqName(s.id),
      filter: streamFilterPattern(s.filter),
      batchSize: s.batchSize,
      retryAttempts: s.retryAttempts,
      maxRecordAgeSeconds: s.maxRecordAgeSeconds,
      bisectOnError: s.bisectOnError,
      startingPosition: 'TRIM_HORIZON' as const,
      reportBatchItemFailures: true as const,
    })),
    schedules: served.schedules.map((s) => ({ id: s.id, expression: s.expression, fn: s.target.fn })),
    stateMachines: served.stateMachines.map((m) => ({ id: m.id, definition: m.definition })),
  };
}
