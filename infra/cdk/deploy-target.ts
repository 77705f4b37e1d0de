import { Aws, CfnRule, Fn, type Stack } from 'aws-cdk-lib';
import { z } from 'zod';
import { environmentSettings, type EnvironmentName } from './environments.js';

/** Where one environment deploys: its own AWS account and region, its stack and the role its pipeline job assumes. */
export interface DeployTarget {
  name: EnvironmentName;
  account: string;
  region: string;
  /** The CloudFormation stack `cdk deploy` updates and `npm run migrate -- --stack` and the smoke test read. */
  stackName: string;
  /** The role GitHub Actions assumes through OIDC; it trusts only this environment's GitHub environment (docs/deploying.md). */
  deployRoleArn: string;
}

/** The name of the deploy role in each environment's account (created once per account, see docs/deploying.md). */
export const deployRoleName = (name: EnvironmentName): string => `smartshelf-github-deploy-${name}`;

const AccountOnly = z.object({ account: z.unknown() });

/**
 * The deploy target of `name`, refusing anything that could put one environment's settings into another's account:
 * two environments naming the same account in `cdk.json`, or (when the CDK CLI resolved credentials, which it passes
 * as `CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION`) credentials for an account or a region other than the
 * environment's own. Synth then fails before anything is deployed; without credentials (an offline `cdk synth`) only
 * `cdk.json` is checked.
 * @param environments the `environments` context of `cdk.json`
 * @param name the `-c env` value (dev when absent)
 * @param caller the account of the credentials in use and the CLI's region, when known
 */
export function deployTarget(environments: unknown, name: unknown, caller: { account?: string | undefined; region?: string | undefined } = {}): DeployTarget {
  const { name: envName, settings } = environmentSettings(environments, name);
  const { account, region } = settings;
  for (const [other, value] of Object.entries(environments as Record<string, unknown>)) {
    const parsed = AccountOnly.safeParse(value);
    if (other !== envName && parsed.success && parsed.data.account === account) {
      throw new Error(`environments.${envName} and environments.${other} in cdk.json both name account ${account}: each environment needs an account of its own`);
    }
  }
  if (caller.account && caller.account !== account) {
    throw new Error(
      `-c env=${envName} deploys to account ${account} (environments.${envName}.account in cdk.json), but the credentials in use are for account ${caller.account}: ` +
        `refusing to synthesize ${envName}'s settings for another account. Assume ${envName}'s deploy role (${deployRoleName(envName)}) or choose the environment that account belongs to.`,
    );
  }
  // The region alone is no credential: it is checked once credentials are, so an offline synth ignores a default region.
  if (caller.account && caller.region && caller.region !== region) {
    throw new Error(`-c env=${envName} deploys to ${region} (environments.${envName}.region in cdk.json), but the CLI's region is ${caller.region}: set AWS_REGION=${region}`);
  }
  return {
    name: envName,
    account,
    region,
    stackName: `SmartShelf-${envName}`,
    deployRoleArn: `arn:aws:iam::${account}:role/${deployRoleName(envName)}`,
  };
}

/**
 * Makes CloudFormation itself refuse `stack` in any account or region but the target's: a template rule, checked on
 * every create and update, whoever deploys and however. The stack stays environment-agnostic at synth (its ARNs keep
 * the account and region as pseudo parameters, which its cdk-nag acknowledgments are written against).
 */
export function refuseOtherAccounts(stack: Stack, target: DeployTarget): CfnRule {
  return new CfnRule(stack, 'DeployTarget', {
    assertions: [
      {
        assert: Fn.conditionEquals(Aws.ACCOUNT_ID, target.account),
        assertDescription: `${target.stackName} deploys only to account ${target.account} (environments.${target.name}.account in cdk.json)`,
      },
      {
        assert: Fn.conditionEquals(Aws.REGION, target.region),
        assertDescription: `${target.stackName} deploys only to ${target.region} (environments.${target.name}.region in cdk.json)`,
      },
    ],
  });
}
