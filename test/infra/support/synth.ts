import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { environmentSettings, type EnvironmentName } from '../../../infra/cdk/environments.js';
import { REPOSITORY_ROOT, SmartShelfStack } from '../../../infra/cdk/smartshelf-stack.js';
import type { Wiring } from '../../../wiring/index.js';

/** The context `cdk synth` runs with: feature flags and environments from `cdk.json`. */
export const CDK_CONTEXT = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

/**
 * A console as `console/build.ts` lays it out (`index.html`, an unhashed entry and stylesheet, a hashed chunk): the
 * infra tests deploy it instead of building the real one, which `bundled-synth.test.ts` and `npm run synth` do.
 */
export const CONSOLE_FIXTURE = join(REPOSITORY_ROOT, 'test/infra/fixtures/console');

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
  const stack = new SmartShelfStack(app, `SmartShelf-${name}`, { environmentName: name, settings, consoleAssetsDir: CONSOLE_FIXTURE, ...(wiring ? { wiring } : {}) });
  return { app, stack };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resources = Record<string, { Type: string; Properties?: { Parameters?: Record<string, Json> } }>;

/** The stacks nested directly in a stack: the API's and one per bounded context's functions. */
export function nestedStacksOf(stack: Stack): NestedStack[] {
  return stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c) && c.nestedStackParent === stack);
}

/**
 * `value` with every `{ Ref: <parameter> }` of a nested template replaced by what the parent passes for it, and every
 * `Fn::GetAtt [<nested stack>, Outputs.<name>]` by that output's value in the nested template.
 */
function resolveReferences(value: Json, parameters: Record<string, Json>, outputs: ReadonlyMap<string, Record<string, Json>>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, parameters, outputs));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && typeof value.Ref === 'string' && value.Ref in parameters) return resolveReferences(parameters[value.Ref]!, {}, outputs);
  const getAtt = value['Fn::GetAtt'];
  if (keys.length === 1 && Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string' && getAtt[1].startsWith('Outputs.')) {
    const output = outputs.get(getAtt[0])?.[getAtt[1].slice('Outputs.'.length)];
    if (output !== undefined) return resolveReferences(output, {}, outputs);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, parameters, outputs)]));
}

/**
 * The stack's template with its nested stacks' resources merged in (by default every stack nested in it), each nested
 * parameter replaced by the value the parent passes and each nested output read by another stack by its value:
 * assertions then read one template in which a method's integration, a scheduler's role or a function's grant
 * references its function, table or queue directly, as they would if everything were in one stack.
 */
export function flattenedTemplate(stack: Stack, nested: readonly NestedStack[] = nestedStacksOf(stack)): Template {
  const parent = Template.fromStack(stack).toJSON() as { Resources: Resources; Outputs?: Record<string, Json> };
  const children = nested.map((child) => ({
    child,
    id: stack.getLogicalId(child.nestedStackResource!),
    template: Template.fromStack(child).toJSON() as { Resources: Record<string, Json>; Outputs?: Record<string, { Value: Json }> },
  }));
  const outputs = new Map(children.map(({ id, template }) => [id, Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([name, o]) => [name, o.Value]))]));
  const resources: Resources = {};
  for (const [logicalId, body] of Object.entries(parent.Resources)) resources[logicalId] = resolveReferences(body as Json, {}, outputs) as Resources[string];
  for (const { child, id, template } of children) {
    const parameters = parent.Resources[id]?.Properties?.Parameters ?? {};
    delete resources[id];
    for (const [logicalId, body] of Object.entries(template.Resources)) {
      if (logicalId in resources) throw new Error(`logical id ${logicalId} is in both ${stack.stackName} and ${child.node.path}`);
      resources[logicalId] = resolveReferences(body, parameters, outputs) as Resources[string];
    }
  }
  const parentOutputs = resolveReferences((parent.Outputs ?? {}) as Json, {}, outputs);
  return Template.fromJSON({ ...parent, Resources: resources, Outputs: parentOutputs });
}

/** {@link build}, then synthesized into one template (nested stacks merged) for assertions. */
export function synthesize(env: EnvironmentName = 'dev', wiring?: Wiring): Synthesized {
  const built = build(env, wiring);
  return { ...built, template: flattenedTemplate(built.stack) };
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
