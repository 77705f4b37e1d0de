import { ENV, bucketEnvName, queueUrlEnvName } from '../../../shared/config/env-names.js';
import type { Access, BucketId, FunctionSpec } from '../../../wiring/index.js';

const REGION = 'eu-west-2';
const ACCOUNT = '123456789012';

/**
 * The variables the Lambda Node runtime itself sets before the handler module loads. Tracing is
 * active on every function (`infra/cdk/constructs/app-function.ts`), so the X-Ray ones are here too:
 * Powertools' tracer reads them at module scope.
 */
function runtimeEnvironment(id: string, memoryMb: number): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: id,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${id}`,
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARKBENCHMA',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _HANDLER: 'index.handler',
  };
}

/**
 * The variables the CDK app sets on every function (`AppFunction`): stage, Powertools settings,
 * source maps, and one variable per resource the wiring grants. Names are the real ones; values are
 * plausible stand-ins, since only their presence and shape matter to configuration parsing.
 */
function appEnvironment(id: string, access: Access): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.stage]: 'prod',
    POWERTOOLS_SERVICE_NAME: id.split('-')[0] ?? id,
    POWERTOOLS_METRICS_NAMESPACE: 'SmartShelf',
    LOG_LEVEL: 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
    [ENV.mediaBaseUrl]: 'https://media.smartshelf.example',
    [ENV.jwtIssuer]: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_bench`,
    [ENV.jwtAudience]: 'bench-client-id',
    [ENV.jwksUrl]: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_bench/.well-known/jwks.json`,
  };
  if (access.table) env[ENV.tableName] = 'smartshelf-prod-Table-BENCH';
  for (const bucket of Object.keys(access.buckets ?? {}) as BucketId[]) env[bucketEnvName(bucket)] = `smartshelf-prod-${bucket}-bench`;
  if (access.events) env[ENV.eventBusName] = 'smartshelf-prod-events';
  for (const queue of access.sendTo ?? []) {
    env[queueUrlEnvName(queue)] = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/smartshelf-prod-${queue}`;
  }
  return env;
}

/**
 * Everything a deployed function's process sees at cold start. Its floor gets the very same
 * environment, so that a difference in init time can only come from the code.
 */
export function lambdaEnvironment(spec: Pick<FunctionSpec, 'id' | 'access' | 'memoryMb'>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...runtimeEnvironment(spec.id, spec.memoryMb ?? 512),
    ...appEnvironment(spec.id, spec.access),
  };
}
