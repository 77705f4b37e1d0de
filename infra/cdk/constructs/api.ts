import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  MockIntegration,
  Period,
  PassthroughBehavior,
  RequestAuthorizer,
  ResponseType,
  RestApi,
  type IResource,
  type Method,
  type MethodDeploymentOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../../shared/http/problem.js';
import { SECURITY_HEADERS } from '../../../shared/http/responses.js';
import { BINARY_MEDIA_TYPES, type RouteSpec } from '../../../wiring/index.js';
import { logRetentionOf, removalPolicyOf, type EnvironmentSettings } from '../environments.js';
import { acknowledge } from '../nag.js';

/**
 * The integrations usage plan's name, which the functions with `access.usagePlanKeys` find it by: its id is not known
 * when they are deployed, before the API's stack that makes it.
 */
export const integrationsUsagePlanName = (namePrefix: string) => `${namePrefix}-integrations`;

export interface ApiProps {
  stage: string;
  namePrefix: string;
  settings: EnvironmentSettings;
  routes: readonly RouteSpec[];
  functionsById: ReadonlyMap<string, IFunction>;
  authorizerFunction: IFunction;
  /** The shared usage-plan key for bearer-token callers; the authorizer reads the same secret. */
  peopleUsageKey: ISecret;
}

/**
 * What API Gateway answers by itself, as RFC 9457 problems like the handlers'. Status `undefined`
 * keeps API Gateway's own status; the DEFAULT_* entries only catch response types that have no
 * entry here, whose status we cannot name, so their problems omit `status` (it is optional).
 */
const GATEWAY_PROBLEMS: readonly { type: ResponseType; status?: number; code: string; title: string; detail?: string }[] = [
  { type: ResponseType.DEFAULT_4XX, code: 'client-error', title: 'Bad Request' },
  { type: ResponseType.DEFAULT_5XX, code: 'gateway-error', title: 'Internal Server Error' },
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    code: 'no-such-route',
    title: 'Not Found',
    detail: 'No such route: no resource of this API matches the method and path.',
  },
  { type: ResponseType.RESOURCE_NOT_FOUND, status: 404, code: 'no-such-route', title: 'Not Found' },
  { type: ResponseType.UNAUTHORIZED, status: 401, code: 'unauthenticated', title: 'Unauthorized', detail: 'Send a valid bearer token or API key.' },
  { type: ResponseType.ACCESS_DENIED, status: 403, code: 'forbidden', title: 'Forbidden' },
  { type: ResponseType.EXPIRED_TOKEN, status: 401, code: 'unauthenticated', title: 'Unauthorized' },
  { type: ResponseType.INVALID_SIGNATURE, status: 401, code: 'unauthenticated', title: 'Unauthorized' },
  { type: ResponseType.INVALID_API_KEY, status: 403, code: 'forbidden', title: 'Forbidden' },
  { type: ResponseType.WAF_FILTERED, status: 403, code: 'request-blocked', title: 'Forbidden' },
  { type: ResponseType.THROTTLED, status: 429, code: 'rate-limited', title: 'Too Many Requests' },
  { type: ResponseType.QUOTA_EXCEEDED, status: 429, code: 'quota-exceeded', title: 'Too Many Requests' },
  { type: ResponseType.REQUEST_TOO_LARGE, status: 413, code: 'too-large', title: 'Content Too Large' },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, code: 'unsupported-media-type', title: 'Unsupported Media Type' },
  { type: ResponseType.BAD_REQUEST_BODY, status: 400, code: 'validation-failed', title: 'Bad Request' },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, code: 'validation-failed', title: 'Bad Request' },
  { type: ResponseType.AUTHORIZER_FAILURE, status: 500, code: 'internal', title: 'Internal Server Error' },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 500, code: 'internal', title: 'Internal Server Error' },
  { type: ResponseType.API_CONFIGURATION_ERROR, status: 500, code: 'internal', title: 'Internal Server Error' },
  { type: ResponseType.INTEGRATION_FAILURE, status: 502, code: 'bad-gateway', title: 'Bad Gateway' },
  { type: ResponseType.INTEGRATION_TIMEOUT, status: 504, code: 'gateway-timeout', title: 'Gateway Timeout' },
];

/**
 * A problem document as an API Gateway mapping template. `$context.error.messageString` is
 * API Gateway's own message, already a quoted JSON string.
 */
export function problemTemplate(p: { code: string; title: string; status?: number; detail?: string }): string {
  const detail = p.detail === undefined ? '$context.error.messageString' : JSON.stringify(p.detail);
  const status = p.status === undefined ? '' : `"status":${p.status},`;
  return `{"type":${JSON.stringify(PROBLEM_TYPE_BASE + p.code)},"title":${JSON.stringify(p.title)},${status}"detail":${detail},"instance":"urn:smartshelf:request:$context.requestId"}`;
}

/**
 * Execution logging without bodies, which may hold personal data (access logs carry the rest).
 * Repeated on every throttled method: a method override does not inherit the stage's settings.
 */
const METHOD_LOGGING = { loggingLevel: MethodLoggingLevel.INFO, dataTraceEnabled: false, metricsEnabled: true } as const;

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    time: AccessLogField.contextRequestTime(),
    ip: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    method: AccessLogField.contextHttpMethod(),
    resource: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    latencyMs: AccessLogField.contextResponseLatency(),
    integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
    principal: AccessLogField.contextAuthorizerPrincipalId(),
    authorizerError: AccessLogField.contextAuthorizerError(),
    errorType: AccessLogField.contextErrorResponseType(),
    error: AccessLogField.contextErrorMessage(),
    waf: AccessLogField.contextWafResponseCode(),
    traceId: AccessLogField.contextXrayTraceId(),
  }),
);

/**
 * The public REST API: one method per wiring route, each on its function; the Lambda REQUEST
 * authorizer on scoped routes only; per-route throttling; a 405 responder on every routed path;
 * problem+json for everything API Gateway answers itself; access logs, tracing, a WAF and a
 * usage plan for integrations.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { settings, routes } = props;

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: logRetentionOf(settings),
      removalPolicy: removalPolicyOf(settings),
    });

    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: props.namePrefix,
      description: 'SmartShelf grocery commerce API',
      endpointTypes: [EndpointType.REGIONAL],
      // Uploads (multipart images, raw images) arrive base64-encoded, byte for byte.
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: true,
      // The role is the region's one API Gateway logging role, shared with every other API in the
      // account; deleting it with this stack would silence their execution logs.
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        tracingEnabled: true,
        ...METHOD_LOGGING,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        throttlingRateLimit: settings.throttling.rateLimit,
        throttlingBurstLimit: settings.throttling.burstLimit,
        methodOptions: methodThrottling(routes),
      },
    });
    acknowledge(
      this.restApi,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level logging role must use this AWS-managed policy; it only lets API Gateway write its own execution logs.",
    );
    acknowledge(
      this.restApi,
      'AwsSolutions-APIG2',
      'Bodies and parameters are validated in the handlers with zod, which answers RFC 9457 problems listing every failing field; API Gateway models would duplicate the schemas and answer in a different shape.',
    );

    const authorizer = new RequestAuthorizer(this, 'Authorizer', {
      authorizerName: `${props.namePrefix}-authorizer`,
      handler: props.authorizerFunction,
      // A caller sends either `Authorization: Bearer` or `x-api-key`, so neither header can be a
      // required identity source, and without identity sources API Gateway cannot cache.
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    this.addRoutes(props, authorizer);
    this.addGatewayResponses();
    this.addUsagePlans(settings, props.namePrefix, props.peopleUsageKey);
    this.webAcl = this.addWaf(props);
  }

  private addRoutes(props: ApiProps, authorizer: RequestAuthorizer): void {
    const methodsByResource = new Map<IResource, string[]>();
    for (const route of props.routes) {
      const fn = props.functionsById.get(route.fn);
      if (!fn) throw new Error(`wiring: route ${route.method} ${route.path} names unknown function ${route.fn}`);
      const resource = this.restApi.root.resourceForPath(route.path);
      const integration = new LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
      const method =
        route.auth.kind === 'scope'
          ? resource.addMethod(route.method, integration, { authorizer, authorizationType: AuthorizationType.CUSTOM, apiKeyRequired: true })
          : resource.addMethod(route.method, integration, { authorizationType: AuthorizationType.NONE });
      acknowledgeNonCognito(method);
      if (route.auth.kind === 'public') {
        acknowledge(method, 'AwsSolutions-APIG4', `${route.method} ${route.path} is public by design in wiring/index.ts (catalogue browsing and API docs).`);
      }
      methodsByResource.set(resource, [...(methodsByResource.get(resource) ?? []), route.method]);
    }
    for (const [resource, methods] of methodsByResource) this.addMethodNotAllowed(resource, methods);
  }

  /**
   * API Gateway answers a known path with an unrouted method like an unknown path. `ANY` only
   * matches methods that have no method of their own, so this mock gives them a 405 with `Allow`,
   * as the local runtime does.
   */
  private addMethodNotAllowed(resource: IResource, methods: readonly string[]): void {
    const allow = [...methods].sort().join(', ');
    const method = resource.addMethod(
      'ANY',
      new MockIntegration({
        // No request template: the mock falls through to its default (and only) response.
        passthroughBehavior: PassthroughBehavior.WHEN_NO_TEMPLATES,
        integrationResponses: [
          {
            statusCode: '405',
            responseParameters: {
              'method.response.header.Allow': `'${allow}'`,
              'method.response.header.Content-Type': `'${PROBLEM_CONTENT_TYPE}'`,
            },
            responseTemplates: {
              'application/json': problemTemplate({
                code: 'method-not-allowed',
                title: 'Method Not Allowed',
                status: 405,
                detail: `This resource allows ${allow}.`,
              }),
            },
          },
        ],
      }),
      {
        authorizationType: AuthorizationType.NONE,
        methodResponses: [
          {
            statusCode: '405',
            responseParameters: { 'method.response.header.Allow': true, 'method.response.header.Content-Type': true },
          },
        ],
      },
    );
    acknowledgeNonCognito(method);
    acknowledge(method, 'AwsSolutions-APIG4', 'Mock 405 responder: it never reaches a backend and returns only the allowed methods.');
  }

  private addGatewayResponses(): void {
    for (const p of GATEWAY_PROBLEMS) {
      this.restApi.addGatewayResponse(`Problem-${p.type.responseType}`, {
        type: p.type,
        ...(p.status === undefined ? {} : { statusCode: String(p.status) }),
        responseHeaders: {
          'Content-Type': `'${PROBLEM_CONTENT_TYPE}'`,
          'Cache-Control': "'no-store'",
          ...Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([name, value]) => [name, `'${value}'`])),
        },
        templates: { 'application/json': problemTemplate(p) },
      });
    }
  }

  /**
   * Every scoped method requires a usage-plan key, which the authorizer supplies
   * (`apiKeySourceType: AUTHORIZER`): an integration's own API key, so its throttle and quota follow
   * it, or for people the one shared key kept in Secrets Manager. A key made with `POST /api-keys` joins the
   * Integrations plan as it is made (`shared/staff/usage-plan-keys.ts`); the key created here is the seed's first one. People are also limited by the WAF per IP address and per bearer token, so that one person cannot
   * spend the throttle all people share.
   */
  private addUsagePlans(settings: EnvironmentSettings, namePrefix: string, peopleUsageKey: ISecret): void {
    const apiStages = [{ api: this.restApi, stage: this.restApi.deploymentStage }];
    const integrations = this.restApi.addUsagePlan('Integrations', {
      name: integrationsUsagePlanName(namePrefix),
      description: 'Rate and daily quota for integrations calling with an API key',
      throttle: { rateLimit: settings.integrationsUsagePlan.rateLimit, burstLimit: settings.integrationsUsagePlan.burstLimit },
      quota: { limit: settings.integrationsUsagePlan.quotaPerDay, period: Period.DAY },
      apiStages,
    });
    integrations.addApiKey(this.restApi.addApiKey('IntegrationKey', { description: 'First integration key; register it with registerApiClient' }));
    const people = this.restApi.addUsagePlan('People', {
      name: `${this.restApi.restApiName}-people`,
      description: 'Shoppers and staff calling with bearer tokens, metered together',
      throttle: { rateLimit: settings.throttling.rateLimit, burstLimit: settings.throttling.burstLimit },
      apiStages,
    });
    people.addApiKey(
      this.restApi.addApiKey('PeopleKey', {
        description: 'Shared usage-plan key for bearer-token callers; its value is the PeopleUsageKey secret',
        value: peopleUsageKey.secretValue.unsafeUnwrap(),
      }),
    );
  }

  private addWaf(props: ApiProps): CfnWebACL {
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${props.namePrefix}-api`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${props.namePrefix}-api`),
      rules: [
        {
          name: 'rate-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.settings.wafRateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('rate-per-ip'),
        },
        {
          // Keyed on the Authorization header's value: one person's token, whatever address it comes from. A request
          // without one (public browsing, API keys with their own usage plans) is not counted here.
          name: 'rate-per-token',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.settings.wafRateLimitPerToken,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('rate-per-token'),
        },
        {
          name: 'aws-common',
          priority: 2,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // Imports and image uploads are megabytes by design; the handlers enforce each
              // route's maxBodyBytes, so the 8 KB body rule only counts.
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: visibility('aws-common'),
        },
        {
          name: 'aws-known-bad-inputs',
          priority: 3,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
          visibilityConfig: visibility('aws-known-bad-inputs'),
        },
      ],
    });
    const association = new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    association.node.addDependency(this.restApi.deploymentStage);
    return webAcl;
  }
}

/** Stage `methodOptions` keys are `/<resource path>/<METHOD>`; routes without `throttle` keep the stage default. */
export function methodThrottling(routes: readonly RouteSpec[]): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    routes
      .filter((r) => r.throttle)
      .map((r) => [`${r.path}/${r.method}`, { ...METHOD_LOGGING, throttlingRateLimit: r.throttle?.rate, throttlingBurstLimit: r.throttle?.burst }]),
  );
}

function acknowledgeNonCognito(method: Method): void {
  acknowledge(
    method,
    'AwsSolutions-COG4',
    'Callers present either a Cognito JWT or an integration API key; a Cognito authorizer cannot accept API keys, so the Lambda REQUEST authorizer verifies the Cognito tokens (issuer, JWKS, client) itself.',
  );
}
