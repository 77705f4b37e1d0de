import { Stack, type NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { functions, routes } from '../../wiring/index.js';
import { nestedStacksOf, synthesized } from './support/synth.js';
import { CDK_PROVIDER_FUNCTION } from './support/template.js';

/** CloudFormation's quotas per template (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
const MAX_RESOURCES = 500;
const MAX_PARAMETERS = 60;
const MAX_OUTPUTS = 200;

const { stack } = synthesized('dev');
interface Json {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}
const parent = Template.fromStack(stack).toJSON() as Json;
const nested = nestedStacksOf(stack).map((n) => ({ stack: n, id: n.node.id, template: Template.fromStack(n).toJSON() as Json }));
const count = (o: object | undefined) => Object.keys(o ?? {}).length;
const contextOf = (fnId: string) => fnId.split('-')[0] ?? fnId;
const resourceIdOf = (n: NestedStack) => stack.getLogicalId(n.nestedStackResource!);

describe('the stack layout', () => {
  it(`keeps the parent template under ${MAX_RESOURCES} resources (${count(parent.Resources)})`, () => {
    expect(count(parent.Resources)).toBeLessThan(MAX_RESOURCES);
  });

  it.each(nested.map((n) => [n.id, count(n.template.Resources), count(n.template.Parameters), count(n.template.Outputs), n] as const))(
    'keeps %s under the quotas: %i resources, %i parameters, %i outputs',
    (_, resources, parameters, outputs) => {
      expect(resources).toBeLessThan(MAX_RESOURCES);
      expect(parameters).toBeLessThan(MAX_PARAMETERS);
      expect(outputs).toBeLessThan(MAX_OUTPUTS);
    },
  );

  it('puts every wired function exactly once across the stacks, in its bounded context\'s Functions<Context> stack', () => {
    // CDK's own deployment-time handlers (the console's) are in the parent, beside what they deploy; no wiring function is.
    const wired = (t: Json) => Object.entries(t.Resources).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !CDK_PROVIDER_FUNCTION.test(id));
    const found = [parent, ...nested.map((n) => n.template)].flatMap((t) => wired(t).map(([, r]) => String(r.Properties?.FunctionName)));
    expect(found.sort()).toEqual(functions.map((f) => `smartshelf-dev-${f.id}`).sort());
    expect(wired(parent)).toEqual([]);
    for (const spec of functions) {
      const home = Stack.of(stack.functions.get(spec.id) ?? expect.fail(spec.id));
      const context = contextOf(spec.id);
      expect(home, spec.id).toBe(stack.functionStacks.get(context));
      expect(home.node.id, spec.id).toBe(`Functions${context.charAt(0).toUpperCase()}${context.slice(1)}`);
    }
    expect([...stack.functionStacks.keys()].sort()).toEqual([...new Set(functions.map((f) => contextOf(f.id)))].sort());
  });

  it('keeps the shared resources in the parent under their logical ids: replacing the table, a user pool or a bucket would lose its data', () => {
    const kept = {
      DataTableFDBAD0F2: stack.data.table,
      IdentityUserPool96FE3B9B: stack.identity.userPool,
      IdentityShopperPool28BA2DB9: stack.identity.shopperPool,
      StorageMedia9333CB25: stack.storage.buckets.media,
      StorageImports7FFDF8D1: stack.storage.buckets.imports,
      StorageExports62CF1092: stack.storage.buckets.exports,
      StorageAccessLogs96FB524C: stack.storage.logsBucket,
      MessagingBus52612CDD: stack.messaging.bus,
    };
    for (const [logicalId, construct] of Object.entries(kept)) {
      expect(logicalIdOf(construct)).toBe(logicalId);
      expect(Stack.of(construct), logicalId).toBe(stack);
      expect(parent.Resources, logicalId).toHaveProperty(logicalId);
    }
    for (const queue of [...stack.messaging.queues.values(), ...stack.messaging.deadLetterQueues.values()]) expect(parent.Resources).toHaveProperty(logicalIdOf(queue));
    expect(Object.values(parent.Resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret').length).toBeGreaterThan(0);
  });

  it('makes the API stack wait for the stacks of the functions it invokes by name', () => {
    const dependsOn = parent.Resources[resourceIdOf(stack.apiStack)]?.DependsOn ?? [];
    for (const context of new Set(routes.map((r) => contextOf(r.fn)))) {
      expect(dependsOn, context).toContain(resourceIdOf(stack.functionStacks.get(context) ?? expect.fail(context)));
    }
  });

  it('passes references one way only: no function stack reads the API stack or another function stack', () => {
    const others = new Set([stack.apiStack, ...stack.functionStacks.values()].map(resourceIdOf));
    for (const n of stack.functionStacks.values()) {
      const passed = JSON.stringify(parent.Resources[resourceIdOf(n)]?.Properties?.Parameters ?? {});
      for (const other of others) expect(passed.includes(`"${other}"`), `${n.node.id} reads ${other}`).toBe(false);
    }
  });
});
