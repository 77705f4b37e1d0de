import * as wiring from '../wiring.js';
import type { QueueSpec, RouteSpec, RuleSpec, ScheduleSpec, StateMachineSpec } from '../wiring.js';
import { dlqName } from './queues.js';

/** What the local runtime serves, creates and runs, as full wiring specs. */
export interface ServedWiring {
  routes: readonly RouteSpec[];
  queues: readonly QueueSpec[];
  rules: readonly RuleSpec[];
  schedules: readonly ScheduleSpec[];
  stateMachines: readonly StateMachineSpec[];
}

/** Exactly the wiring: the runtime adds nothing and leaves nothing out (its `/local/*` endpoints are not part of the API). */
export function servedWiring(): ServedWiring {
  return {
    routes: wiring.routes,
    queues: wiring.queues,
    rules: wiring.rules,
    schedules: wiring.schedules,
    stateMachines: wiring.stateMachines,
  };
}

export interface LocalTopology {
  routes: { method: string; path: string; fn: string }[];
  queues: { id: string; consumer: string; dlq: string; maxReceiveCount: number }[];
  rules: { id: string; source: string[]; detailType: string[]; queue: string }[];
  schedules: { id: string; expression: string; fn: string }[];
  stateMachines: { id: string; definition: string }[];
}

/**
 * The local runtime's topology, in a plain shape that can be compared with the synthesized
 * CloudFormation template: the routes it serves, the queues (with DLQ and redrive count) it
 * creates and polls, the event rules it routes, the schedules it fires and the state machines it runs.
 */
export function localTopology(served: ServedWiring = servedWiring()): LocalTopology {
  return {
    routes: served.routes.map((r) => ({ method: r.method, path: r.path, fn: r.fn })),
    queues: served.queues.map((q) => ({ id: q.id, consumer: q.consumer, dlq: dlqName(q.id), maxReceiveCount: q.maxReceiveCount })),
    rules: served.rules.map((r) => ({ id: r.id, source: [...r.pattern.source], detailType: [...r.pattern.detailType], queue: r.target.queue })),
    schedules: served.schedules.map((s) => ({ id: s.id, expression: s.expression, fn: s.target.fn })),
    stateMachines: served.stateMachines.map((m) => ({ id: m.id, definition: m.definition })),
  };
}
