import { readFileSync } from 'node:fs';
import { deployTarget } from '../cdk/deploy-target.js';

/**
 * `npx tsx infra/scripts/deploy-target.ts <env>`: prints where an environment deploys, as `key=value` lines for
 * `$GITHUB_OUTPUT` (account, region, stack, role-arn), read from `cdk.json` so that the pipeline assumes the role in
 * the account the environment's settings name and in no other.
 */
try {
  const name = process.argv[2];
  if (!name || process.argv.length > 3) throw new Error('usage: npx tsx infra/scripts/deploy-target.ts <dev|staging|prod>');
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: { environments: unknown } };
  const target = deployTarget(context.environments, name);
  console.log([`account=${target.account}`, `region=${target.region}`, `stack=${target.stackName}`, `role-arn=${target.deployRoleArn}`].join('\n'));
} catch (error) {
  console.error(`deploy-target: ${(error as Error).message}`);
  process.exitCode = 1;
}
