import type { PolicyDocument } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { policyAllows } from '../../../infra/local/gateway/policy.js';

const arn = 'arn:aws:execute-api:us-east-1:000000000000:local/local/POST/categories';
const policy = (...statements: { Effect: 'Allow' | 'Deny'; Resource: string | string[]; Action?: string }[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements.map((s) => ({ Action: 'execute-api:Invoke', ...s })),
});

describe('authorizer policy evaluation', () => {
  it('allows a method its Allow statement names', () => {
    expect(policyAllows(policy({ Effect: 'Allow', Resource: arn }), arn)).toBe(true);
  });

  it('allows through wildcards', () => {
    expect(policyAllows(policy({ Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:local/*/POST/*' }), arn)).toBe(true);
  });

  it('denies when no statement covers the method', () => {
    expect(policyAllows(policy({ Effect: 'Allow', Resource: arn.replace('POST', 'GET') }), arn)).toBe(false);
    expect(policyAllows(undefined, arn)).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    expect(policyAllows(policy({ Effect: 'Allow', Resource: '*' }, { Effect: 'Deny', Resource: [arn] }), arn)).toBe(false);
  });

  it('ignores statements about other actions', () => {
    expect(policyAllows(policy({ Effect: 'Allow', Resource: arn, Action: 's3:GetObject' }), arn)).toBe(false);
  });
});
