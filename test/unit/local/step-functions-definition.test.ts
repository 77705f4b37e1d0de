import { describe, expect, it } from 'vitest';
import { localFunctionArn, prepareDefinition } from '../../../infra/local/step-functions.js';

const asl = JSON.stringify({
  StartAt: 'Direct',
  States: {
    Direct: { Type: 'Task', Resource: '${fn:orders-reserve}', Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Wrapped',
          States: {
            Wrapped: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${fn:orders-price}' }, End: true },
          },
        },
      ],
      Next: 'Await',
    },
    Await: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${fn:orders-pick}', Payload: { 'token.$': '$$.Task.Token' } },
      TimeoutSeconds: 600,
      HeartbeatSeconds: 60,
      Next: 'Notify',
    },
    Notify: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true },
  },
});

describe('preparing a state machine for local runs', () => {
  const { definition, tasks } = prepareDefinition(asl);
  const states = (definition as unknown as { States: Record<string, { Resource?: string; TimeoutSeconds?: number }> }).States;

  it('replaces ${fn:<id>} with a local function ARN', () => {
    expect(states.Direct!.Resource).toBe(localFunctionArn('orders-reserve'));
    expect(JSON.stringify(definition)).not.toContain('${fn:');
  });

  it('binds every Task state, nested ones included, to the function it calls', () => {
    expect(Object.fromEntries(tasks)).toEqual({
      Direct: { kind: 'lambda', fn: 'orders-reserve' },
      Wrapped: { kind: 'invoke', fn: 'orders-price' },
      Await: { kind: 'wait-for-token', fn: 'orders-pick', timeoutSeconds: 600, heartbeatSeconds: 60 },
      Notify: { kind: 'unsupported', resource: 'arn:aws:states:::sns:publish' },
    });
  });

  it('lets a Task without TimeoutSeconds wait as long as a Node timer can, instead of the library’s 60 s', () => {
    expect(states.Direct!.TimeoutSeconds).toBeGreaterThan(24 * 24 * 3600);
    expect(states.Direct!.TimeoutSeconds! * 1000).toBeLessThan(2 ** 31);
    expect(states.Await!.TimeoutSeconds).toBe(600);
  });

  it('refuses Task names used twice, which local overrides could not tell apart', () => {
    const twice = JSON.stringify({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'T', States: { T: { Type: 'Task', Resource: '${fn:a}', End: true } } },
            { StartAt: 'T', States: { T: { Type: 'Task', Resource: '${fn:b}', End: true } } },
          ],
          End: true,
        },
      },
    });
    expect(() => prepareDefinition(twice)).toThrow(/T is used twice/);
  });
});
