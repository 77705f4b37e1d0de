import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildConsole } from '../../console/build.js';
import { environmentSettings } from './environments.js';
import { SmartShelfStack } from './smartshelf-stack.js';

/**
 * The CDK app: `cdk synth -c env=dev|staging|prod` (dev by default). Without an account and
 * region in `cdk.json` the stack is environment-agnostic, so synth needs no AWS credentials and
 * does no lookups. cdk-nag's AwsSolutions pack runs as a CDK validation plugin: an
 * unacknowledged finding fails synth.
 *
 * The staff console is built (minified) before the stack is made, since constructs cannot wait for esbuild; its
 * deployment then takes the files from that directory as an asset.
 */
const app = new App();
const { name, settings } = environmentSettings(app.node.tryGetContext('environments'), app.node.tryGetContext('env'));
const consoleBuild = await buildConsole({ outDir: join(mkdtempSync(join(tmpdir(), 'smartshelf-console-')), 'site'), minify: true });
new SmartShelfStack(app, `SmartShelf-${name}`, {
  environmentName: name,
  settings,
  consoleAssetsDir: consoleBuild.outDir,
  ...(settings.account || settings.region ? { env: { account: settings.account, region: settings.region } } : {}),
  description: `SmartShelf grocery commerce backend (${name})`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
