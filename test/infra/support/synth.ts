import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { environmentSettings, type EnvironmentName } from '../../../infra/cdk/environments.js';
import { REPOSITORY_ROOT, SmartShelfStack, type Wiring } from '../../../infra/cdk/smartshelf-stack.js';

/** The context `cdk synth` runs with: feature flags and environments from `cdk.json`. */
export const CDK_CONTEXT = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

export interface Synthesized {
  app: App;
  stack: SmartShelfStack;
  template: Template;
}

/**
 * Builds the app and stack as `cdk synth -c env=<env>` would, minus asset bundling (an empty
 * `aws:cdk:bundling-stacks` skips esbuild, which `bundled-synth.test.ts` covers once), without
 * synthesizing yet: validation plugins registered now still run on `app.synth()`.
 */
export function build(env: EnvironmentName = 'dev', wiring?: Wiring): Omit<Synthesized, 'template'> {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const { name, settings } = environmentSettings(CDK_CONTEXT.environments, env);
  const stack = new SmartShelfStack(app, `SmartShelf-${name}`, { environmentName: name, settings, ...(wiring ? { wiring } : {}) });
  return { app, stack };
}

/** {@link build}, then synthesized into a template for assertions. */
export function synthesize(env: EnvironmentName = 'dev', wiring?: Wiring): Synthesized {
  const built = build(env, wiring);
  return { ...built, template: Template.fromStack(built.stack) };
}

const cache = new Map<EnvironmentName, Synthesized>();

/** The real wiring's stack, synthesized once per environment and test file. */
export function synthesized(env: EnvironmentName = 'dev'): Synthesized {
  let result = cache.get(env);
  if (!result) {
    result = synthesize(env);
    cache.set(env, result);
  }
  return result;
}
