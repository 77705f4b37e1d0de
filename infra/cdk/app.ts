import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environmentSettings } from './environments.js';
import { SmartShelfStack } from './smartshelf-stack.js';

/**
 * The CDK app: `cdk synth -c env=dev|staging|prod` (dev by default). Without an account and
 * region in `cdk.json` the stack is environment-agnostic, so synth needs no AWS credentials and
 * does no lookups. cdk-nag's AwsSolutions pack runs as a CDK validation plugin: an
 * unacknowledged finding fails synth.
 */
const app = new App();
const { name, settings } = environmentSettings(app.node.tryGetContext('environments'), app.node.tryGetContext('env'));
new SmartShelfStack(app, `SmartShelf-${name}`, {
  environmentName: name,
  settings,
  ...(settings.account || settings.region ? { env: { account: settings.account, region: settings.region } } : {}),
  description: `SmartShelf grocery commerce backend (${name})`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
