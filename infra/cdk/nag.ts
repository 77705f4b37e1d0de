import { CfnElement, Names, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Records a cdk-nag acknowledgment on a construct (and so on everything under it). cdk-nag 3
 * reads CDK's own acknowledgment metadata, one finding per call, so wildcard IAM findings are
 * acknowledged one by one with their exact `Rule[Finding]` id.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The logical id CloudFormation will give a construct's main resource (or a CloudFormation element itself). */
export function logicalIdOf(construct: IConstruct): string {
  const cfn = CfnElement.isCfnElement(construct) ? construct : (construct.node.defaultChild as CfnElement | undefined);
  if (!cfn) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve(cfn.logicalId) as string;
}

/**
 * The id cdk-nag gives an IAM5 finding for a wildcard resource built on a resource's ARN, as it
 * flattens `Fn::GetAtt`: `AwsSolutions-IAM5[Resource::<Table1234.Arn>/index/*]`. Granted from a
 * stack nested in the resource's (`from`, e.g. a function in its context's stack), the ARN arrives
 * as the parameter CDK creates for it, which cdk-nag flattens as a `Ref`:
 * `<referencetoSmartShelfdevDataTable1234Arn>`.
 */
export function wildcardResourceFinding(construct: IConstruct, suffix: string, attribute = 'Arn', from?: IConstruct): string {
  if (!from || Stack.of(from) === Stack.of(construct)) return `AwsSolutions-IAM5[Resource::<${logicalIdOf(construct)}.${attribute}>${suffix}]`;
  const cfn = CfnElement.isCfnElement(construct) ? construct : (construct.node.defaultChild as CfnElement | undefined);
  if (!cfn) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  // As CDK names it (core/lib/private/refs.ts, createNestedStackParameter): the target's unique id and the attribute.
  const parameter = `reference-to-${Names.nodeUniqueId(cfn.node)}${attribute}`.replace(/[^A-Za-z0-9]/g, '');
  return `AwsSolutions-IAM5[Resource::<${parameter}>${suffix}]`;
}

/** The id of an IAM5 finding for a wildcard action, e.g. `s3:GetObject*`. */
export function wildcardActionFinding(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/** X-Ray's trace-writing actions have no resource-level permissions, so every traced role gets `Resource: *`. */
export const XRAY_REASON =
  'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; Resource * is the only valid scope (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).';
