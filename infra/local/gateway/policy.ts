import type { APIGatewayAuthorizerResult } from 'aws-lambda';

type Statement = APIGatewayAuthorizerResult['policyDocument']['Statement'][number];

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** IAM resource wildcards: `*` any run of characters, `?` exactly one. */
function matchesArn(pattern: string, arn: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

function covers(statement: Statement, methodArn: string): boolean {
  const s = statement as { Action?: string | string[]; Resource?: string | string[] };
  const actions = asList(s.Action);
  const invokes = actions.some((a) => a === '*' || a === 'execute-api:*' || a === 'execute-api:Invoke');
  return invokes && asList(s.Resource).some((r) => matchesArn(r, methodArn));
}

/**
 * Whether an authorizer's policy lets the caller invoke `methodArn`, as API Gateway decides:
 * an explicit Deny wins, otherwise some Allow must cover the method.
 */
export function policyAllows(policy: APIGatewayAuthorizerResult['policyDocument'] | undefined, methodArn: string): boolean {
  const statements = policy?.Statement ?? [];
  if (statements.some((s) => s.Effect === 'Deny' && covers(s, methodArn))) return false;
  return statements.some((s) => s.Effect === 'Allow' && covers(s, methodArn));
}
