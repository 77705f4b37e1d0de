import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../infra/cdk/environments.js';
import { acknowledgments, findings, unusedAcknowledgments } from './support/nag.js';
import { build, nestedStacksOf, synthesized } from './support/synth.js';

describe('cdk-nag AwsSolutions', () => {
  it.each(ENVIRONMENT_NAMES)('has no unacknowledged finding in %s', (env) => {
    expect(findings(synthesized(env).app)).toEqual([]);
  });

  it('acknowledges only real findings, each with a specific reason', () => {
    const { app } = synthesized('dev');
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(60);
    expect(unusedAcknowledgments(app)).toEqual([]);
  });

  it('checks the nested stacks too: each holds acknowledgments, all of them matched by real findings', () => {
    const { app, stack } = synthesized('dev');
    const stacksWithAcks = new Set(acknowledgments(app).map((ack) => ack.path.split('/')[1]));
    // The observability stack holds alarms and a dashboard, on which AwsSolutions has no rule: nothing to acknowledge.
    for (const nested of nestedStacksOf(stack).filter((n) => n !== stack.observability)) expect(stacksWithAcks, nested.node.id).toContain(nested.node.id);
    expect(unusedAcknowledgments(app)).toEqual([]);
  });

  it('fails synth when a finding is not acknowledged', () => {
    const { app, stack } = build('dev');
    new Queue(stack, 'Careless');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(findings(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS3 at .*Careless/), expect.stringMatching(/^AwsSolutions-SQS4 at .*Careless/)]),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('lets the real app synthesize with the plugin registered', () => {
    const { app } = build('dev');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
