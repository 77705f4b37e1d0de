import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployTarget } from '../../infra/cdk/deploy-target.js';
import { REPOSITORY_ROOT } from '../../infra/cdk/smartshelf-stack.js';
import { CDK_CONTEXT } from './support/synth.js';

/**
 * The delivery pipeline, `.github/workflows/deploy.yml`, cannot run here (no GitHub, no AWS), so its file is checked:
 * the jobs and their order, each step's command, OIDC instead of stored keys, the approval on prod, one deploy of an
 * environment at a time, and migrate before deploy before smoke.
 */

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  environment?: { name: string } | string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push?: { branches: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(join(REPOSITORY_ROOT, '.github/workflows/deploy.yml'), 'utf8')) as Workflow;
const scripts = (JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const environments = CDK_CONTEXT.environments;

const commands = (job: Job) => job.steps.filter((s) => s.run !== undefined).map((s) => s.run!.trim());
/** The index of the one step whose command (or action) matches; fails when none or several do. */
function stepIndex(job: Job, pattern: RegExp): number {
  const found = job.steps.flatMap((step, index) => (pattern.test(step.run ?? step.uses ?? '') ? [index] : []));
  expect(found, `steps matching ${pattern}`).toHaveLength(1);
  return found[0]!;
}

describe('.github/workflows/deploy.yml', () => {
  it('runs on pushes to main, with jobs verify, then staging, then prod', () => {
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    expect(Object.keys(workflow.jobs)).toEqual(['verify', 'staging', 'prod']);
    expect(workflow.jobs.verify!.needs).toBeUndefined();
    expect(workflow.jobs.staging!.needs).toBe('verify');
    expect(workflow.jobs.prod!.needs).toBe('staging');
  });

  it('verifies with the README test command: install, type-check, lint, test, then synthesize every environment', () => {
    const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/^npm test +# type-check, lint, and every test layer$/m);
    const verify = commands(workflow.jobs.verify!);
    expect(verify.slice(0, 4)).toEqual(['npm ci', 'npm run typecheck', 'npm run lint', 'npm test']);
    expect(verify[4]).toMatch(/^for env in dev staging prod; do\n\s+npx cdk synth --quiet -c env=\$env -o cdk\.out\/\$env\ndone$/);
    expect(verify).toHaveLength(5);
    expect(scripts.typecheck).toContain('tsc --noEmit');
    expect(scripts.lint).toBe('eslint .');
  });

  it('gives no job more than read access except the OIDC token of the two deploy jobs', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.verify!.permissions).toBeUndefined();
    for (const env of ['staging', 'prod']) expect(workflow.jobs[env]!.permissions).toEqual({ 'contents': 'read', 'id-token': 'write' });
    // No long-lived keys anywhere: credentials come from the role alone.
    expect(readFileSync(join(REPOSITORY_ROOT, '.github/workflows/deploy.yml'), 'utf8')).not.toMatch(/aws-access-key-id|aws-secret-access-key|secrets\./);
  });

  for (const env of ['staging', 'prod'] as const) {
    describe(`the ${env} job`, () => {
      const job = workflow.jobs[env]!;
      const target = deployTarget(environments, env);

      it(`runs in the ${env} GitHub environment, one run at a time, never cancelled mid-deploy`, () => {
        expect(job.environment).toEqual({ name: env });
        expect(job.concurrency).toEqual({ 'group': `deploy-${env}`, 'cancel-in-progress': false });
      });

      it(`assumes the ${env} deploy role in ${env}'s own account and region, read from cdk.json`, () => {
        const targetStep = job.steps[stepIndex(job, /deploy-target\.ts/)]!;
        expect(targetStep).toMatchObject({ id: 'target', run: `npx tsx infra/scripts/deploy-target.ts ${env} >> "$GITHUB_OUTPUT"` });
        const assume = job.steps[stepIndex(job, /^aws-actions\/configure-aws-credentials@/)]!;
        expect(assume.with).toEqual({
          'role-to-assume': '${{ steps.target.outputs.role-arn }}',
          'aws-region': '${{ steps.target.outputs.region }}',
          'role-session-name': `smartshelf-${env}-\${{ github.run_id }}`,
        });
        expect(target.deployRoleArn).toBe(`arn:aws:iam::${target.account}:role/smartshelf-github-deploy-${env}`);
      });

      it('installs, assumes the role, migrates the target stack, deploys it with its settings, migrates again, then smoke-tests it', () => {
        expect(commands(job)).toEqual([
          'npm ci',
          `npx tsx infra/scripts/deploy-target.ts ${env} >> "$GITHUB_OUTPUT"`,
          `npm run migrate -- --stack ${target.stackName} --allow-missing-stack`,
          `npx cdk deploy ${target.stackName} -c env=${env} --require-approval never --outputs-file cdk-outputs.json`,
          `npm run migrate -- --stack ${target.stackName}`,
          `npm run smoke -- --base-url "$(node -p "require('./cdk-outputs.json')['${target.stackName}'].ApiUrl")" --wait 120`,
        ]);
        const order = [/deploy-target\.ts/, /^aws-actions\/configure-aws-credentials@/, /--allow-missing-stack/, /^npx cdk deploy /, /^npm run smoke /].map((p) => stepIndex(job, p));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(scripts.migrate).toBe('tsx infra/scripts/migrate.ts');
        expect(scripts.smoke).toBe('tsx infra/scripts/smoke.ts');
      });
    });
  }

  it('deploys prod exactly as staging, behind the prod environment', () => {
    const asStaging = (job: Job) => JSON.stringify(job.steps).replaceAll('prod', 'staging');
    expect(asStaging(workflow.jobs.prod!)).toBe(JSON.stringify(workflow.jobs.staging!.steps));
  });
});
