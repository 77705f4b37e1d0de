import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleApiPathPatterns, consoleFiles } from '../../infra/cdk/constructs/console-site.js';
import { environmentSettings, ENVIRONMENT_NAMES } from '../../infra/cdk/environments.js';
import { logicalIdOf } from '../../infra/cdk/nag.js';
import { isConsoleSignInFunction } from '../../infra/cdk/smartshelf-stack.js';
import { scopesForRoles, STAFF_ROLES } from '../../shared/auth/roles.js';
import { ENV } from '../../shared/config/env-names.js';
import { AUTHORIZER_FN, functions, routes, type FunctionSpec, type RouteSpec } from '../../wiring/index.js';
import { CDK_CONTEXT, CONSOLE_FIXTURE, synthesized } from './support/synth.js';
import { referencedIds, resource, resourcesOf } from './support/template.js';

const { stack, template } = synthesized('dev');
const distributionId = logicalIdOf(stack.console.distribution);
const bucketId = logicalIdOf(stack.console.bucket);
const config = () => resource(template, distributionId).Properties.DistributionConfig as DistributionConfig;

interface Behavior {
  PathPattern?: string;
  TargetOriginId: string;
  ViewerProtocolPolicy: string;
  AllowedMethods: string[];
  CachePolicyId: string;
  OriginRequestPolicyId?: string;
  ResponseHeadersPolicyId?: unknown;
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
}
interface DistributionConfig {
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: { Id: string; DomainName: unknown; OriginPath?: unknown; OriginAccessControlId?: unknown; S3OriginConfig?: unknown; CustomOriginConfig?: Record<string, unknown> }[];
  Logging: { Bucket: unknown; Prefix: string };
}
const originOf = (behavior: Behavior) => config().Origins.find((o) => o.Id === behavior.TargetOriginId) ?? expect.fail(behavior.TargetOriginId);
const apiId = () => logicalIdOf(stack.api.restApi);
const isApiOrigin = (behavior: Behavior) => referencedIds(originOf(behavior).DomainName).has(apiId());
const isBucketOrigin = (behavior: Behavior) => referencedIds(originOf(behavior).DomainName).has(bucketId);
const envOf = (fn: FunctionSpec) =>
  (resource(template, logicalIdOf(stack.functions.get(fn.id) ?? expect.fail(fn.id))).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe("the console's files", () => {
  it('splits the built console into hashed files (cached for a year) and the rest (revalidated)', () => {
    expect(consoleFiles(CONSOLE_FIXTURE)).toEqual({
      hashed: ['assets/orders-7KQ2ZP3M.js'],
      unhashed: ['assets/main.js', 'assets/styles.css', 'index.html'],
    });
  });

  it('refuses a directory without index.html, naming the build to run', () => {
    const empty = mkdtempSync(join(tmpdir(), 'console-empty-'));
    writeFileSync(join(empty, 'main.js'), '');
    expect(() => consoleFiles(empty)).toThrow(/no index\.html: build it with console\/build\.ts/);
  });

  it('deploys the hashed files first with a year-long immutable Cache-Control, then the rest with no-cache, pruning nothing', () => {
    const deployments = Object.entries(resourcesOf(template, 'Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(2);
    const [hashed, entry] = ['DeployHashed', 'DeployEntry'].map((id) => {
      const found = deployments.find(([logicalId]) => logicalId.startsWith(`Console${id}`)) ?? expect.fail(id);
      return { id: found[0], ...found[1] };
    });
    for (const d of [hashed!, entry!]) {
      expect(d.Properties).toMatchObject({ DestinationBucketKeyPrefix: 'admin/', Prune: false, DestinationBucketName: { Ref: bucketId } });
    }
    expect(hashed!.Properties.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
    expect(entry!.Properties.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    expect(entry!.DependsOn).toEqual(expect.arrayContaining([hashed!.id]));
    // The source assets differ: each deployment takes only its own files.
    expect(hashed!.Properties.SourceObjectKeys).not.toEqual(entry!.Properties.SourceObjectKeys);
  });
});

describe("the console's bucket", () => {
  it('is private, SSE-S3 encrypted, TLS-only and logged to the access-log bucket', () => {
    expect(resource(template, bucketId).Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack.storage.logsBucket) }, LogFilePrefix: 's3/console/' },
    });
    expect(resource(template, bucketId).DeletionPolicy).toBe('Delete');
    expect(resource(synthesized('prod').template, logicalIdOf(synthesized('prod').stack.console.bucket)).DeletionPolicy).toBe('Retain');
  });

  it('lets only this distribution read it, through origin access control, and refuses plain HTTP', () => {
    const policy = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).find((p) => referencedIds(p.Properties.Bucket).has(bucketId)) ?? expect.fail('no policy');
    const statements = (policy.Properties.PolicyDocument as { Statement: { Effect: string; Principal: unknown; Action: unknown; Condition?: unknown }[] }).Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(JSON.stringify(allows[0]?.Condition)).toContain(distributionId);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const siteOrigin = config().Origins.find((o) => referencedIds(o.DomainName).has(bucketId)) ?? expect.fail('no bucket origin');
    expect(siteOrigin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    expect(siteOrigin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
  });
});

describe("the console's distribution", () => {
  it('sends the API routes under /admin to the API before /admin and /admin/* go to the bucket', () => {
    const behaviors = config().CacheBehaviors;
    const apiPatterns = consoleApiPathPatterns(routes);
    expect(apiPatterns).toEqual(expect.arrayContaining(['/admin/queues', '/admin/queues/*']));
    expect(behaviors.map((b) => b.PathPattern)).toEqual([...apiPatterns, '/admin', '/admin/*']);
    for (const api of behaviors.slice(0, apiPatterns.length)) expect(isApiOrigin(api), api.PathPattern).toBe(true);
    // Every API route under /admin is caught by one of them, as CloudFront matches: `/x` exactly, `/x/*` below it.
    const caught = (path: string) => apiPatterns.some((p) => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p));
    for (const route of routes.filter((r) => r.path.startsWith('/admin/'))) expect(caught(route.path), route.path).toBe(true);
    const [site, siteBelow] = behaviors.slice(apiPatterns.length);
    for (const files of [site!, siteBelow!]) {
      expect(isBucketOrigin(files), files.PathPattern).toBe(true);
      expect(files).toMatchObject({ AllowedMethods: ['GET', 'HEAD'], ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: CachePolicy.CACHING_OPTIMIZED.cachePolicyId });
    }
  });

  it('derives the API patterns from the wiring, refusing a route that would take the console\'s paths', () => {
    const route = (path: string): RouteSpec => ({ method: 'GET', path, fn: 'x', auth: { kind: 'public' } }) as RouteSpec;
    expect(consoleApiPathPatterns([route('/admin/stores/{id}'), route('/orders'), route('/admin/queues')])).toEqual([
      '/admin/queues',
      '/admin/queues/*',
      '/admin/stores',
      '/admin/stores/*',
    ]);
    for (const path of ['/admin', '/admin/{id}', '/admin/assets/x', '/admin/index.html']) expect(() => consoleApiPathPatterns([route(path)]), path).toThrow(/console/);
  });

  it('sends everything else to the API stage uncached over HTTPS, with every viewer header but Host, cookies and query', () => {
    const api = config().DefaultCacheBehavior;
    expect(isApiOrigin(api)).toBe(true);
    expect(api).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
      OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
    });
    expect(api.ResponseHeadersPolicyId).toBeUndefined();
    for (const b of config().CacheBehaviors.filter(isApiOrigin)) expect({ ...b, PathPattern: undefined }).toEqual({ ...api, PathPattern: undefined });
    const origin = originOf(api);
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    // The stage's name is the origin path: the distribution's /orders is the stage's /<stage>/orders.
    expect(referencedIds(origin.OriginPath).has(logicalIdOf(stack.api.restApi.deploymentStage))).toBe(true);
  });

  it("gives the console's behaviours the design's CSP, HSTS, no framing, no sniffing and no referrer", () => {
    const policies = Object.entries(resourcesOf(template, 'AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toHaveLength(1);
    const [policyId, policy] = policies[0]!;
    expect((policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: unknown }).SecurityHeadersConfig).toEqual({
      ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CSP, Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    expect(CONSOLE_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    for (const b of config().CacheBehaviors.filter(isBucketOrigin)) expect(b.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  it('redirects /admin to /admin/ and serves /admin/ from index.html, leaving other paths alone', () => {
    const functionsOf = Object.entries(resourcesOf(template, 'AWS::CloudFront::Function'));
    expect(functionsOf).toHaveLength(1);
    const [fnId, fn] = functionsOf[0]!;
    for (const b of config().CacheBehaviors.filter(isBucketOrigin)) {
      expect(b.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } }]);
    }
    const handler = new Function(`${String(fn.Properties.FunctionCode)}; return handler;`)() as (event: unknown) => Record<string, unknown>;
    const request = (uri: string) => ({ request: { uri, headers: {} } });
    expect(handler(request('/admin'))).toMatchObject({ statusCode: 301, headers: { location: { value: '/admin/' } } });
    expect(handler(request('/admin/'))).toMatchObject({ uri: '/admin/index.html' });
    expect(handler(request('/admin/assets/main.js'))).toMatchObject({ uri: '/admin/assets/main.js' });
  });

  it('logs to the access-log bucket and publishes the console URL', () => {
    expect(config().Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logicalIdOf(stack.storage.logsBucket), 'RegionalDomainName'] }, Prefix: 'cloudfront/console/' });
    expect(template.findOutputs('ConsoleUrl').ConsoleUrl?.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/admin/']] });
  });
});

describe('Cognito for the console', () => {
  const clientId = logicalIdOf(stack.identity.consoleClient);
  const client = () => resource(template, clientId).Properties;

  it('gives the staff pool a hosted UI domain with each environment\'s prefix', () => {
    for (const env of ENVIRONMENT_NAMES) {
      const { template: t } = synthesized(env);
      const prefix = environmentSettings(CDK_CONTEXT.environments, env).settings.cognitoDomainPrefix;
      t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: prefix, UserPoolId: { Ref: logicalIdOf(synthesized(env).stack.identity.userPool) } });
    }
  });

  it('refuses a prefix Cognito would refuse, naming the field', () => {
    const dev = (CDK_CONTEXT.environments as { dev: object }).dev;
    for (const bad of ['SmartShelf', 'my-cognito-staff', 'aws-staff', '-staff', 'a'.repeat(64)]) {
      expect(() => environmentSettings({ dev: { ...dev, cognitoDomainPrefix: bad } }, 'dev'), bad).toThrow(/cognitoDomainPrefix/);
    }
  });

  it('makes the console client a public PKCE client of the staff pool: authorization code only, staff scopes, 15-minute tokens', () => {
    expect(client()).toMatchObject({
      UserPoolId: { Ref: logicalIdOf(stack.identity.userPool) },
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
    });
    expect([...(client().AllowedOAuthScopes as string[])].sort()).toEqual(['openid', ...scopesForRoles(STAFF_ROLES).map((s) => `smartshelf/${s}`)].sort());
  });

  it('sends staff back to https://<distribution>/admin/ after sign-in and sign-out, without the client referencing the distribution', () => {
    // The client itself cannot name the distribution (the cycle through the session functions and the API): a custom
    // resource that waits for both sets its redirect with every other setting the client has.
    expect([...referencedIds(client())]).not.toContain(distributionId);
    const updates = Object.entries(resourcesOf(template, 'Custom::AWS'));
    expect(updates).toHaveLength(1);
    const [updateId, update] = updates[0]!;
    expect(update.DependsOn).toEqual(expect.arrayContaining([clientId]));
    const call = update.Properties.Create as { 'Fn::Join': [string, unknown[]] };
    expect(update.Properties.Update).toEqual(call);
    const text = call['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${[...referencedIds(part)].join(',')}>`)).join('');
    expect(text).toContain('"action":"UpdateUserPoolClient"');
    expect(text).toContain(`"CallbackURLs":["https://<${distributionId}>/admin/"],"LogoutURLs":["https://<${distributionId}>/admin/"]`);
    expect(text).toContain(`"ClientId":"<${clientId}>"`);
    const parameters = JSON.parse(text.replace(/<[^>]*>/g, 'ref')) as { parameters: Record<string, unknown> };
    const { UserPoolId: _pool, GenerateSecret: _secret, CallbackURLs: _callback, LogoutURLs: _logout, ...settings } = client();
    const { UserPoolId: _p, ClientId: _c, CallbackURLs: _cb, LogoutURLs: _l, ...repeated } = parameters.parameters;
    expect(repeated).toEqual(settings);
    // Allowed to update this pool's clients only.
    const policy = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('UpdateUserPoolClient'));
    expect((policy?.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'cognito-idp:UpdateUserPoolClient', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalIdOf(stack.identity.userPool), 'Arn'] } },
    ]);
    expect(updateId).toMatch(/^IdentityConsoleClientRedirect/);
  });

  it("gives the console's sign-in functions the hosted UI, the client and the staff pool's token settings, and no other function", () => {
    const signIn = functions.filter(isConsoleSignInFunction);
    const authorizer = functions.find((f) => f.id === AUTHORIZER_FN) ?? expect.fail(AUTHORIZER_FN);
    for (const fn of functions) {
      const env = envOf(fn);
      if (signIn.includes(fn)) {
        expect(env[ENV.consoleSignIn], fn.id).toBe('cognito');
        expect(env[ENV.consoleClientId], fn.id).toEqual({ Ref: logicalIdOf(stack.identity.consoleClient) });
        const domainRefs = [...referencedIds(env[ENV.consoleCognitoDomain])].filter((id) => !id.startsWith('AWS::'));
        expect(domainRefs, fn.id).toEqual([logicalIdOf(stack.identity.hostedUi)]);
        expect(JSON.stringify(env[ENV.consoleCognitoDomain]), fn.id).toContain('.auth.');
        // The exchanged access token is verified as the authorizer verifies a bearer token (config.jwt), staff pool only.
        for (const name of [ENV.jwtIssuer, ENV.jwtAudience, ENV.jwksUrl]) expect(env[name], `${fn.id} ${name}`).toEqual(envOf(authorizer)[name]);
      } else {
        for (const name of [ENV.consoleSignIn, ENV.consoleClientId, ENV.consoleCognitoDomain]) expect(env, fn.id).not.toHaveProperty(name);
      }
    }
    const spec = (entry: string) => ({ id: 'x', entry, access: {} }) as FunctionSpec;
    expect(['create-session', 'get-session', 'refresh-session', 'delete-session', 'get-sign-in-options'].map((f) => isConsoleSignInFunction(spec(`functions/auth/${f}.ts`)))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    for (const other of ['functions/auth/authorize.ts', 'functions/staff/list-sessions.ts', 'functions/auth/session.test.ts']) expect(isConsoleSignInFunction(spec(other)), other).toBe(false);
  });

  it('changes nothing the authorizer already had', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'smartshelf-dev-auth-authorize',
      Environment: { Variables: Match.objectLike({ [ENV.jwtAudience]: { Ref: logicalIdOf(stack.identity.client) } }) },
    });
  });
});
