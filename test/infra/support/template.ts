import type { Template } from 'aws-cdk-lib/assertions';

/** One CloudFormation resource as it appears in a synthesized template. */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every resource of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** The one resource of a logical id. */
export function resource(template: Template, logicalId: string): CfnResource {
  const found = (template.toJSON().Resources as Record<string, CfnResource>)[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}`);
  return found;
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
export function referencedId(value: unknown): string {
  if (value && typeof value === 'object') {
    if ('Ref' in value) return String(value.Ref);
    if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) return String(value['Fn::GetAtt'][0]);
  }
  throw new Error(`not a reference: ${JSON.stringify(value)}`);
}

/** Every logical id referenced anywhere inside a value. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if ('Ref' in v) ids.add(String(v.Ref));
      if ('Fn::GetAtt' in v && Array.isArray(v['Fn::GetAtt'])) ids.add(String(v['Fn::GetAtt'][0]));
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return ids;
}

export function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** All statements of an IAM role: its own inline `Policies` (the functions' roles keep their grants there) and the policies attached to it. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatement[] {
  const inline = ((resource(template, roleLogicalId).Properties.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => referencedId(r) === roleLogicalId),
  );
  return [...inline, ...policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement)];
}

/** The logical id of the role a Lambda function runs as. */
export function roleOfFunction(template: Template, functionLogicalId: string): string {
  return referencedId(resource(template, functionLogicalId).Properties.Role);
}

/**
 * The logical ids of the Lambdas CDK itself brings for deploying the console (`infra/cdk/constructs/console-site.ts`):
 * the BucketDeployment handler and the AwsCustomResource provider that sets the console client's redirect. They are
 * not wiring functions (no name, no wiring grants); `console-site.test.ts` covers them.
 */
export const CDK_PROVIDER_FUNCTION = /^(CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C|AWS679f53fac002430cb0da5b7982bd2287)[0-9A-F]{8}$/;

/** Every Lambda of a template but CDK's deployment-time handlers ({@link CDK_PROVIDER_FUNCTION}), by logical id. */
export function applicationFunctions(template: Template): Record<string, CfnResource> {
  return Object.fromEntries(Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => !CDK_PROVIDER_FUNCTION.test(id)));
}
