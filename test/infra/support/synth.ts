import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type NestedStack, type Stack } from 'aws-cdk-lib';
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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `value` with every `{ Ref: <parameter> }` of a nested template replaced by what the parent passes for it. */
function resolveParameters(value: Json, parameters: Record<string, Json>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveParameters(v, parameters));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && typeof value.Ref === 'string' && value.Ref in parameters) return parameters[value.Ref]!;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveParameters(v, parameters)]));
}

/**
 * The stack's template with its nested stacks' resources merged in, each nested parameter replaced by the value the
 * parent passes: assertions then read one template in which a method's integration references its function directly,
 * as they would if everything were in one stack.
 */
export function flattenedTemplate(stack: Stack, nested: readonly NestedStack[]): Template {
  const parent = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: { Parameters?: Record<string, Json> } }> };
  const resources = { ...parent.Resources };
  for (const child of nested) {
    const id = stack.getLogicalId(child.nestedStackResource!);
    const parameters = resources[id]?.Properties?.Parameters ?? {};
    delete resources[id];
    const childResources = (Template.fromStack(child).toJSON() as { Resources: Record<string, Json> }).Resources;
    for (const [logicalId, body] of Object.entries(childResources)) {
      if (logicalId in resources) throw new Error(`logical id ${logicalId} is in both ${stack.stackName} and ${child.node.path}`);
      resources[logicalId] = resolveParameters(body, parameters) as (typeof resources)[string];
    }
  }
  return Template.fromJSON({ ...parent, Resources: resources });
}

/** {@link build}, then synthesized into one template (nested stacks merged) for assertions. */
export function synthesize(env: EnvironmentName = 'dev', wiring?: Wiring): Synthesized {
  const built = build(env, wiring);
  return { ...built, template: flattenedTemplate(built.stack, [built.stack.apiStack]) };
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
