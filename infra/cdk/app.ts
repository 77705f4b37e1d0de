import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildConsole } from '../../console/build.js';
import { DeployAccessStack, GitHubRepository } from './deploy-access-stack.js';
import { deployTarget, refuseOtherAccounts } from './deploy-target.js';
import { environmentSettings } from './environments.js';
import { SmartShelfStack } from './smartshelf-stack.js';

/**
 * The CDK app: `cdk synth -c env=dev|staging|prod` (dev by default). Each environment names its own account and
 * region in `cdk.json`. Synth needs no AWS credentials (it does no lookups); when the CLI has credentials
 * (`CDK_DEFAULT_ACCOUNT`) for another account than the environment's, synth fails, and the template carries a rule by
 * which CloudFormation refuses the stack in any other account or region (`deploy-target.ts`), so one environment's
 * settings never reach another's account. cdk-nag's AwsSolutions pack runs as a CDK validation plugin: an
 * unacknowledged finding fails synth.
 *
 * The staff console is built (minified) before the stack is made, since constructs cannot wait for esbuild; its
 * deployment then takes the files from that directory as an asset.
 */
const app = new App();
const { name, settings } = environmentSettings(app.node.tryGetContext('environments'), app.node.tryGetContext('env'));
const target = deployTarget(app.node.tryGetContext('environments'), name, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
const consoleBuild = await buildConsole({ outDir: join(mkdtempSync(join(tmpdir(), 'smartshelf-console-')), 'site'), minify: true });
const stack = new SmartShelfStack(app, target.stackName, {
  environmentName: name,
  settings,
  consoleAssetsDir: consoleBuild.outDir,
  description: `SmartShelf grocery commerce backend (${name})`,
});
refuseOtherAccounts(stack, target);
const repository = GitHubRepository.safeParse(app.node.tryGetContext('githubRepository'));
if (!repository.success) throw new Error(`githubRepository in cdk.json is invalid: ${repository.error.issues[0]!.message}`);
// Deployed once per account by an administrator; the pipeline deploys only the stack above (docs/deploying.md).
new DeployAccessStack(app, `${target.stackName}-deploy-access`, {
  target,
  repository: repository.data,
  env: { account: target.account, region: target.region },
  description: `The role SmartShelf's pipeline deploys ${name} with, through GitHub's OIDC`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
