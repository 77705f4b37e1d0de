import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { integrationsUsagePlanName } from '../../infra/cdk/constructs/api.js';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { functions } from '../../wiring/index.js';
import { ENV } from '../../shared/config/env-names.js';
import { findings, unusedAcknowledgments } from './support/nag.js';
import { synthesized } from './support/synth.js';
import { actionsOf, resource, resourcesOf, roleOfFunction, roleStatements, type PolicyStatement } from './support/template.js';

const { stack, template } = synthesized('dev');
const MANAGERS = ['api-keys-create-api-key', 'api-keys-rotate-api-key', 'api-keys-revoke-api-key'];

const fnIdOf = (id: string) => logicalIdOf(stack.functions.get(id) ?? expect.fail(`no function ${id}`));
const envOf = (id: string) => (resource(template, fnIdOf(id)).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const statementsOf = (id: string) => roleStatements(template, roleOfFunction(template, fnIdOf(id)));
const gatewayStatements = (id: string) => statementsOf(id).filter((s) => actionsOf(s).some((a) => a.startsWith('apigateway:')));
/** An API Gateway path's ARN in this partition and region, as CloudFormation joins it. */
const pathArn = (path: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, `::${path}`]] });
/** Each statement's resources by its actions, in one order (CDK sorts a statement's resources its own way). */
const byAction = (statements: PolicyStatement[]) =>
  Object.fromEntries(statements.map((s) => [actionsOf(s).join(','), (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r)).sort()]));
const arns = (...paths: string[]) => paths.map((p) => JSON.stringify(pathArn(p))).sort();

describe('API keys made through the API join the integrations usage plan on AWS', () => {
  it('is declared for exactly the functions that create, rotate and revoke keys', () => {
    expect(functions.filter((f) => f.access.usagePlanKeys).map((f) => f.id)).toEqual(MANAGERS);
    expect(functions.filter((f) => f.access.usagePlanKeys).every((f) => f.access.usagePlanKeys === 'manage')).toBe(true);
  });

  it('gives them the plan by the name the API gives it, and nobody else any plan', () => {
    const plans = Object.values(resourcesOf(template, 'AWS::ApiGateway::UsagePlan')).map((p) => p.Properties.UsagePlanName);
    expect(plans).toContain(integrationsUsagePlanName('smartshelf-dev'));
    for (const spec of functions) {
      expect(envOf(spec.id)[ENV.integrationsUsagePlan], spec.id).toBe(MANAGERS.includes(spec.id) ? 'smartshelf-dev-integrations' : undefined);
    }
  });

  it('grants them only the API Gateway calls of the adapter, on the key and usage-plan paths of this region', () => {
    for (const id of MANAGERS) {
      expect(byAction(gatewayStatements(id)), id).toEqual({
        'apigateway:GET': arns('/usageplans', '/apikeys'),
        'apigateway:POST': arns('/apikeys', '/usageplans/*/keys'),
        'apigateway:DELETE': arns('/apikeys/*'),
      });
      for (const s of gatewayStatements(id)) {
        expect(s.Effect).toBe('Allow');
        expect(s.Condition).toBeUndefined();
      }
    }
  });

  it('grants no other function any API Gateway call', () => {
    for (const spec of functions.filter((f) => !MANAGERS.includes(f.id))) expect(gatewayStatements(spec.id), spec.id).toEqual([]);
  });

  it('acknowledges the two path wildcards with reasons, and nothing else is left for cdk-nag on these functions', () => {
    for (const id of MANAGERS) {
      const scope = stack.functions.get(id)!.node.scope as IConstruct;
      expect(findings(scope), id).toEqual([]);
      expect(unusedAcknowledgments(scope), id).toEqual([]);
    }
  });
});
