import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { deployTarget, refuseOtherAccounts } from '../../infra/cdk/deploy-target.js';
import { ENVIRONMENT_NAMES, environmentSettings } from '../../infra/cdk/environments.js';
import { REPOSITORY_ROOT } from '../../infra/cdk/smartshelf-stack.js';
import { CDK_CONTEXT } from './support/synth.js';

const run = promisify(execFile);
const environments = CDK_CONTEXT.environments as Record<string, Record<string, unknown>>;

describe('each environment in its own account', () => {
  it('names an account and a region for dev, staging and prod, no two the same account', () => {
    const accounts = ENVIRONMENT_NAMES.map((name) => deployTarget(environments, name).account);
    expect(accounts.every((account) => /^\d{12}$/.test(account))).toBe(true);
    expect(new Set(accounts).size).toBe(ENVIRONMENT_NAMES.length);
    for (const name of ENVIRONMENT_NAMES) expect(deployTarget(environments, name).region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
  });

  it("deploys each environment's stack with the role in that environment's own account", () => {
    for (const name of ENVIRONMENT_NAMES) {
      const target = deployTarget(environments, name);
      expect(target).toEqual({
        name,
        account: environments[name]!.account,
        region: environments[name]!.region,
        stackName: `SmartShelf-${name}`,
        deployRoleArn: `arn:aws:iam::${String(environments[name]!.account)}:role/smartshelf-github-deploy-${name}`,
      });
    }
  });

  it('refuses an environment without an account or with a malformed one', () => {
    const { account: _, ...withoutAccount } = environments.staging!;
    expect(() => environmentSettings({ ...environments, staging: withoutAccount }, 'staging')).toThrow(/environments\.staging.*account/);
    expect(() => environmentSettings({ ...environments, staging: { ...environments.staging, account: '2222' } }, 'staging')).toThrow(/account: must be a 12-digit AWS account id/);
    expect(() => environmentSettings({ ...environments, staging: { ...environments.staging, region: 'London' } }, 'staging')).toThrow(/region: must be an AWS region/);
  });

  it('refuses two environments that share an account, naming both', () => {
    const shared = { ...environments, staging: { ...environments.staging, account: environments.prod!.account } };
    expect(() => deployTarget(shared, 'prod')).toThrow(`environments.prod and environments.staging in cdk.json both name account ${String(environments.prod!.account)}`);
    expect(() => deployTarget(shared, 'staging')).toThrow(/environments\.staging and environments\.prod .* both name account/);
  });

  it("refuses credentials for another environment's account, and accepts its own or none (an offline synth)", () => {
    const staging = String(environments.staging!.account);
    const prod = String(environments.prod!.account);
    expect(() => deployTarget(environments, 'prod', { account: staging })).toThrow(
      `-c env=prod deploys to account ${prod} (environments.prod.account in cdk.json), but the credentials in use are for account ${staging}`,
    );
    expect(() => deployTarget(environments, 'staging', { account: prod })).toThrow(/refusing to synthesize staging's settings for another account/);
    expect(deployTarget(environments, 'prod', { account: prod, region: String(environments.prod!.region) }).account).toBe(prod);
    expect(deployTarget(environments, 'prod', {}).account).toBe(prod);
  });

  it("refuses the CLI's region when it is not the environment's, once credentials are known", () => {
    const prod = String(environments.prod!.account);
    expect(() => deployTarget(environments, 'prod', { account: prod, region: 'us-east-1' })).toThrow(
      `-c env=prod deploys to ${String(environments.prod!.region)} (environments.prod.region in cdk.json), but the CLI's region is us-east-1`,
    );
    // An offline synth (no credentials) ignores a developer's default region.
    expect(deployTarget(environments, 'prod', { region: 'us-east-1' }).region).toBe(environments.prod!.region);
  });
});

describe('the CDK app', () => {
  it("fails synth when the CLI's credentials are for another account than the environment's", async () => {
    // The CDK CLI hands the app its context and the credentials' account this way.
    const env = {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, env: 'prod' }),
      CDK_DEFAULT_ACCOUNT: String(environments.staging!.account),
      CDK_DEFAULT_REGION: String(environments.staging!.region),
    };
    const synth = run('npx', ['tsx', 'infra/cdk/app.ts'], { cwd: REPOSITORY_ROOT, env, timeout: 120_000 });
    await expect(synth).rejects.toMatchObject({
      stderr: expect.stringContaining(`-c env=prod deploys to account ${String(environments.prod!.account)}`),
    });
  }, 150_000);

  it("carries a rule by which CloudFormation refuses the stack in any other account or region", () => {
    const app = new App();
    const target = deployTarget(environments, 'staging');
    const stack = new Stack(app, target.stackName);
    // CloudFormation wants a resource in every template.
    new CfnWaitConditionHandle(stack, 'Placeholder');
    refuseOtherAccounts(stack, target);
    expect((Template.fromStack(stack).toJSON() as { Rules: Record<string, unknown> }).Rules.DeployTarget).toEqual({
        Assertions: [
          {
            Assert: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, target.account] },
            AssertDescription: `SmartShelf-staging deploys only to account ${target.account} (environments.staging.account in cdk.json)`,
          },
          {
            Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, target.region] },
            AssertDescription: `SmartShelf-staging deploys only to ${target.region} (environments.staging.region in cdk.json)`,
          },
        ],
    });
  });

  it('synthesizes the environment stack with that rule, and its deploy-access stack, cdk-nag passing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'smartshelf-app-'));
    try {
      // As `cdk synth -c env=staging` runs the app, minus bundling the functions (bundled-synth.test.ts does that).
      const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, 'env': 'staging', 'aws:cdk:bundling-stacks': [] }) };
      for (const name of ['CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[name];
      await run('npx', ['tsx', 'infra/cdk/app.ts'], { cwd: REPOSITORY_ROOT, env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
      const read = (stack: string) => JSON.parse(readFileSync(join(out, `${stack}.template.json`), 'utf8')) as { Rules: Record<string, unknown>; Resources: Record<string, { Type: string }> };
      const target = deployTarget(environments, 'staging');
      expect(read('SmartShelf-staging').Rules.DeployTarget).toMatchObject({ Assertions: [{ Assert: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, target.account] } }, { Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, target.region] } }] });
      const access = read('SmartShelf-staging-deploy-access');
      expect(Object.values(access.Resources).map((r) => r.Type).sort()).toEqual(['AWS::IAM::OIDCProvider', 'AWS::IAM::Policy', 'AWS::IAM::Role']);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { environment?: string }> };
      expect(manifest.artifacts['SmartShelf-staging-deploy-access']!.environment).toBe(`aws://${target.account}/${target.region}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 330_000);
});
