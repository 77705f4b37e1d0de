import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { OidcProviderNative, PolicyStatement, Role, WebIdentityPrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { deployRoleName, type DeployTarget } from './deploy-target.js';
import { acknowledge } from './nag.js';

/** GitHub Actions' OIDC issuer, and the audience configure-aws-credentials asks its tokens for. */
export const GITHUB_OIDC_URL = 'https://token.actions.githubusercontent.com';
const GITHUB_AUDIENCE = 'sts.amazonaws.com';
/** The CDK bootstrap's default qualifier: its roles are `cdk-<qualifier>-<purpose>-role-<account>-<region>`. */
const BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** `githubRepository` in `cdk.json`'s context: the repository whose workflow deploys, `owner/name`. */
export const GitHubRepository = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name, the GitHub repository that deploys');

export interface DeployAccessStackProps extends StackProps {
  target: DeployTarget;
  /** `owner/name` of the GitHub repository whose deploy workflow may assume the role. */
  repository: string;
}

/**
 * What one environment's account needs for the pipeline to deploy into it without long-lived keys, deployed once per
 * account by an administrator (`npx cdk deploy SmartShelf-<env>-deploy-access -c env=<env>`, after `cdk bootstrap`):
 * GitHub's OIDC provider and the role `smartshelf-github-deploy-<env>`. The role trusts tokens of this repository's
 * workflow jobs that run in the GitHub environment of the same name and no other, so a job of another environment (or
 * of a pull request, or a fork) cannot assume it; prod's GitHub environment requires a reviewer, so prod's role is
 * only reachable after an approval. It may do three things: hand the deploy to CDK's bootstrap roles (which
 * CloudFormation then acts through), read the environment's stack outputs, and run data migrations on its table.
 */
export class DeployAccessStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: DeployAccessStackProps) {
    super(scope, id, props);
    const { name, account, region, stackName } = props.target;
    const provider = new OidcProviderNative(this, 'GitHubOidc', { url: GITHUB_OIDC_URL, clientIds: [GITHUB_AUDIENCE] });
    this.role = new Role(this, 'DeployRole', {
      roleName: deployRoleName(name),
      description: `Assumed by ${props.repository}'s deploy workflow in its ${name} GitHub environment`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new WebIdentityPrincipal(provider.oidcProviderArn, {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': GITHUB_AUDIENCE,
          'token.actions.githubusercontent.com:sub': `repo:${props.repository}:environment:${name}`,
        },
      }),
    });
    const bootstrapRole = (purpose: string) => `arn:aws:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-${purpose}-role-${account}-${region}`;
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'DeployThroughTheCdkBootstrapRoles',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(bootstrapRole),
      }),
    );
    const stackArn = `arn:aws:cloudformation:${region}:${account}:stack/${stackName}/*`;
    this.role.addToPolicy(new PolicyStatement({ sid: 'ReadStackOutputs', actions: ['cloudformation:DescribeStacks'], resources: [stackArn] }));
    // CloudFormation names the table after the stack; the migrations read and write items and check the table's state.
    const tableArn = `arn:aws:dynamodb:${region}:${account}:table/${stackName}-*`;
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'RunDataMigrations',
        actions: [
          'dynamodb:DescribeTable',
          'dynamodb:DescribeTimeToLive',
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [tableArn, `${tableArn}/index/*`],
      }),
    );
    const policy = this.role.node.findChild('DefaultPolicy');
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${stackArn}]`,
      'A stack ARN ends in an id CloudFormation assigns at creation; the wildcard covers only that id of this one named stack.',
    );
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${tableArn}]`,
      'CloudFormation generates the table name from the stack name; the wildcard covers only tables of this environment stack.',
    );
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${tableArn}/index/*]`,
      'Data migrations may query any index of the environment table; indexes are added by the stack, so their names are not fixed here.',
    );
  }
}
