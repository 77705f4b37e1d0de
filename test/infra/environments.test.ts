import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { environmentSettings } from '../../infra/cdk/environments.js';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { CDK_CONTEXT, synthesized } from './support/synth.js';
import { resource, resourcesOf } from './support/template.js';

describe('environment selection', () => {
  it('defaults to dev when no -c env is given', () => {
    expect(environmentSettings(CDK_CONTEXT.environments, undefined).name).toBe('dev');
  });

  it('rejects an environment that cdk.json does not define', () => {
    expect(() => environmentSettings(CDK_CONTEXT.environments, 'qa')).toThrow(/-c env must be one of dev, staging, prod/);
  });

  it('names the offending field of a malformed environment', () => {
    const environments = { dev: { ...(CDK_CONTEXT.environments as { dev: object }).dev, logRetentionDays: 8 } };
    expect(() => environmentSettings(environments, 'dev')).toThrow(/environments\.dev.*logRetentionDays/);
  });

  it('refuses unknown settings instead of silently ignoring them', () => {
    const environments = { dev: { ...(CDK_CONTEXT.environments as { dev: object }).dev, deletionProtections: true } };
    expect(() => environmentSettings(environments, 'dev')).toThrow(/deletionProtections/);
  });
});

describe('prod', () => {
  const { stack, template } = synthesized('prod');

  it('protects the table, the user pool and the stack from deletion, and retains data on removal', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }) });
    for (const bucket of Object.values(resourcesOf(template, 'AWS::S3::Bucket'))) expect(bucket.DeletionPolicy).toBe('Retain');
    expect(stack.terminationProtection).toBe(true);
  });

  it('keeps logs for a year and logs at INFO', () => {
    for (const fn of stack.functions.values()) {
      const props = resource(template, logicalIdOf(fn)).Properties;
      expect((props.Environment as { Variables: Record<string, string> }).Variables.LOG_LEVEL).toBe('INFO');
    }
    for (const group of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'))) expect(group.Properties.RetentionInDays).toBe(365);
  });

  it('turns on Cognito threat protection (Plus tier)', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });
});

describe('dev', () => {
  const { stack, template } = synthesized('dev');

  it('can be torn down: no deletion protection, resources destroyed with the stack', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
    expect(stack.terminationProtection).toBe(false);
  });
});
