import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functions, queues, routes, rules, schedules, secrets, stateMachines, streams, type QueueSpec } from '../../wiring/index.js';
import { build } from './support/synth.js';

/**
 * The functions that read and redrive dead letters live in FunctionsOps, which a reference per queue once took to 59 of
 * CloudFormation's 60 parameters. They now reach the queues by name, so adding queues to the wiring must leave that
 * stack's parameters as they are.
 */
const extraQueues: QueueSpec[] = Array.from({ length: 5 }, (_, i) => ({
  id: `extra-${i}`,
  // Consumed outside FunctionsOps: a consumer's event source references its queue from the consumer's own stack.
  consumer: 'search-record-search-change',
  batchSize: 1,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 3,
}));

function opsStackOf(wiringQueues: readonly QueueSpec[]) {
  const { stack } = build('dev', { functions, routes, queues: wiringQueues, rules, streams, schedules, stateMachines, secrets });
  const ops = stack.functionStacks.get('ops') ?? expect.fail('no FunctionsOps stack');
  const template = Template.fromStack(ops).toJSON() as { Parameters?: Record<string, unknown> };
  return { parameters: Object.keys(template.Parameters ?? {}).sort(), template: JSON.stringify(template) };
}

describe('dead-letter access by name', () => {
  it('adds no FunctionsOps parameter for a new queue, and names each queue only in the functions\' environment', () => {
    const real = opsStackOf(queues);
    const more = opsStackOf([...queues, ...extraQueues]);
    expect(more.parameters).toEqual(real.parameters);
    expect(real.template).toContain(queues.map((q) => q.id).sort().join(','));
    expect(more.template).toContain([...queues, ...extraQueues].map((q) => q.id).sort().join(','));
    // What FunctionsOps is passed names no queue: the table, the log groups' settings and the like.
    for (const name of real.parameters) expect(name, name).not.toMatch(/Queue|Dlq/i);
  });
});
