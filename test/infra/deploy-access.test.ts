import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DeployAccessStack, GitHubRepository } from '../../infra/cdk/deploy-access-stack.js';
import { deployTarget } from '../../infra/cdk/deploy-target.js';
import { ENVIRONMENT_NAMES } from '../../infra/cdk/environments.js';
import { findings, unusedAcknowledgments } from './support/nag.js';
import { CDK_CONTEXT } from './support/synth.js';

/** The stack an administrator deploys once per account so that the pipeline can deploy there through GitHub's OIDC. */

const repository = GitHubRepository.parse(CDK_CONTEXT.githubRepository);

function synthesizeFor(env: (typeof ENVIRONMENT_NAMES)[number]) {
  const app = new App({ context: CDK_CONTEXT });
  const target = deployTarget(CDK_CONTEXT.environments, env);
  const stack = new DeployAccessStack(app, `${target.stackName}-deploy-access`, { target, repository, env: { account: target.account, region: target.region } });
  return { stack, target, template: Template.fromStack(stack) };
}

describe('SmartShelf-<env>-deploy-access', () => {
  it("trusts GitHub's OIDC tokens of this repository's jobs in the same-named GitHub environment only", () => {
    for (const env of ENVIRONMENT_NAMES) {
      const { template, target } = synthesizeFor(env);
      template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: `smartshelf-github-deploy-${env}`,
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRoleWithWebIdentity',
              Effect: 'Allow',
              Principal: { Federated: Match.anyValue() },
              Condition: {
                StringEquals: {
                  'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                  'token.actions.githubusercontent.com:sub': `repo:${repository}:environment:${env}`,
                },
              },
            },
          ],
        },
      });
      expect(target.deployRoleArn).toBe(`arn:aws:iam::${target.account}:role/smartshelf-github-deploy-${env}`);
    }
  });

  it("may only hand the deploy to CDK's bootstrap roles, read its own stack's outputs and migrate its own table", () => {
    const { template, target } = synthesizeFor('prod');
    const { account, region } = target;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }[];
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['DeployThroughTheCdkBootstrapRoles', 'ReadStackOutputs', 'RunDataMigrations']);
    expect(statements[0]!.Resource).toEqual(
      ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((purpose) => `arn:aws:iam::${account}:role/cdk-hnb659fds-${purpose}-role-${account}-${region}`),
    );
    expect(statements[1]).toMatchObject({ Action: 'cloudformation:DescribeStacks', Resource: `arn:aws:cloudformation:${region}:${account}:stack/SmartShelf-prod/*` });
    expect(statements[2]!.Resource).toEqual([`arn:aws:dynamodb:${region}:${account}:table/SmartShelf-prod-*`, `arn:aws:dynamodb:${region}:${account}:table/SmartShelf-prod-*/index/*`]);
    expect(statements[2]!.Action).not.toContain('dynamodb:UpdateTable');
    expect(statements[2]!.Action).not.toContain('dynamodb:DeleteTable');
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
  });

  it('has no unacknowledged cdk-nag finding and no stale acknowledgment', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const { stack } = synthesizeFor(env);
      expect(findings(stack)).toEqual([]);
      expect(unusedAcknowledgments(stack)).toEqual([]);
    }
  });

  it('refuses a githubRepository that is not owner/name', () => {
    expect(GitHubRepository.safeParse('smartshelf').success).toBe(false);
    expect(GitHubRepository.safeParse('https://github.com/example-grocer/smartshelf').success).toBe(false);
    expect(repository).toMatch(/^[^/]+\/[^/]+$/);
  });
});
