import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApiBase } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { RouteSpec } from '../../../wiring/index.js';
import { logRetentionOf, removalPolicyOf, type EnvironmentSettings } from '../environments.js';
import { acknowledge, wildcardResourceFinding } from '../nag.js';

/** Where the console lives on its origin: `/admin/` (index.html) and `/admin/assets/<file>`. */
export const CONSOLE_PATH = '/admin';

/** The console's Content-Security-Policy (docs: the console design): nothing inline, nothing from another origin but images. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const DEPLOYMENT_HANDLER_REASON =
  "CDK's BucketDeployment handler role uses AWSLambdaBasicExecutionRole for its own CloudWatch Logs; it runs only while CloudFormation deploys the console.";

/** esbuild's content hash in a file name (`chunk-7KQ2ZP3M.js`): such a file never changes, so browsers may keep it for a year. */
const HASHED_FILE = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/**
 * The API routes that live under the console's path (`GET /admin/queues`, `POST /admin/queues/{id}/redrive`) as
 * CloudFront path patterns, `/admin/<segment>` and `/admin/<segment>/*` per first segment: behaviours that must come
 * before the console's `/admin/*`, or the bucket would answer them. A parameter as that segment would swallow the
 * console's own files, so it is refused.
 */
export function consoleApiPathPatterns(routes: readonly RouteSpec[]): string[] {
  const segments = new Set<string>();
  for (const route of routes) {
    if (route.path === CONSOLE_PATH) throw new Error(`wiring: ${route.method} ${route.path} is the console's own path`);
    if (!route.path.startsWith(`${CONSOLE_PATH}/`)) continue;
    const segment = route.path.slice(CONSOLE_PATH.length + 1).split('/')[0] ?? '';
    if (segment === '' || segment.startsWith('{') || segment === 'assets' || segment === 'index.html') {
      throw new Error(`wiring: ${route.method} ${route.path} would take paths the console's files are served from`);
    }
    segments.add(segment);
  }
  return [...segments].sort().flatMap((s) => [`${CONSOLE_PATH}/${s}`, `${CONSOLE_PATH}/${s}/*`]);
}

/** The built console's files (relative to its directory) split by whether their names carry a content hash. */
export function consoleFiles(dir: string): { hashed: string[]; unhashed: string[] } {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
  if (!files.includes('index.html')) throw new Error(`the console in ${dir} has no index.html: build it with console/build.ts first`);
  return { hashed: files.filter((f) => HASHED_FILE.test(f)), unhashed: files.filter((f) => !HASHED_FILE.test(f)) };
}

/**
 * `/admin` becomes `/admin/` (a redirect, so the page's relative asset URLs resolve under `/admin/`), and `/admin/` is
 * read from `admin/index.html`: an S3 origin behind origin access control has no index documents.
 */
const INDEX_FUNCTION = `function handler(event) {
  var request = event.request;
  if (request.uri === '${CONSOLE_PATH}') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '${CONSOLE_PATH}/' } } };
  }
  if (request.uri === '${CONSOLE_PATH}/') request.uri = '${CONSOLE_PATH}/index.html';
  return request;
}`;

export interface ConsoleSiteProps {
  settings: EnvironmentSettings;
  /** The stack's access-log bucket: the console bucket's server access logs and the distribution's logs go there. */
  logsBucket: IBucket;
  /** The REST API whose deployment stage the distribution forwards everything but the console to. */
  restApi: RestApiBase;
  /** The wiring's routes, for the API paths under `/admin`. */
  routes: readonly RouteSpec[];
  /** The built console (`console/build.ts`): `index.html` and `assets/`. */
  assetsDir: string;
}

/**
 * The staff console on AWS: one CloudFront distribution is the console's origin and the API's, so the console calls
 * the API with relative URLs, no CORS, and a `SameSite=Strict` session cookie the API receives. `/admin` and
 * `/admin/*` come from a private bucket through origin access control, with the console's CSP and security headers;
 * everything else (and the API's own routes under `/admin`, ordered before the console's) goes uncached to the REST
 * API's stage with every viewer header but Host, every cookie and the query string.
 */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution domain>/admin/`: the console's address, and the hosted UI's redirect after sign-in. */
  readonly consoleUrl: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const { settings } = props;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: removalPolicyOf(settings),
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 's3/console/',
    });

    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'SmartShelf console: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    const index = new CloudFrontFunction(this, 'IndexFunction', {
      comment: 'SmartShelf console: /admin to /admin/, /admin/ to index.html',
      code: FunctionCode.fromInline(INDEX_FUNCTION),
    });
    const site: BehaviorOptions = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      // Honours each object's Cache-Control (set by the deployments below).
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: headers,
      functionAssociations: [{ function: index, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    const api: BehaviorOptions = {
      // HTTPS only, TLS 1.2; the stage's URL names the stage, which becomes the origin path: `/orders` reaches `/<stage>/orders`.
      origin: new RestApiOrigin(props.restApi),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // API Gateway routes by its own Host; everything else (cookies, CSRF header, Sec-Fetch-Site, query) goes through.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    const additionalBehaviors: Record<string, BehaviorOptions> = {};
    // CloudFront takes the first pattern that matches, in this order: the API's /admin routes before the console's.
    for (const pattern of consoleApiPathPatterns(props.routes)) additionalBehaviors[pattern] = api;
    additionalBehaviors[CONSOLE_PATH] = site;
    additionalBehaviors[`${CONSOLE_PATH}/*`] = site;

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'SmartShelf staff console and API',
      defaultBehavior: api,
      additionalBehaviors,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logsBucket,
      logFilePrefix: 'cloudfront/console/',
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Staff sign in from wherever they work; the API behind it already restricts who may do what, so there is no country to exclude.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'The stack\'s WAF is REGIONAL, on the API stage that every request reaching the API through this distribution still passes; a CLOUDFRONT-scope WAF would need a separate us-east-1 stack, and the console\'s own files are static.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'No custom domain yet: the default *.cloudfront.net certificate cannot be given a minimum protocol version. Set one with an ACM certificate (us-east-1) and TLSv1.2_2021 when the console domain exists.',
    );
    this.consoleUrl = `https://${this.distribution.distributionDomainName}${CONSOLE_PATH}/`;
    this.deploy(props.assetsDir, settings);
  }

  /**
   * Two deployments into `admin/`: files named by their content hash first, cached for a year; then the rest
   * (`index.html`, an unhashed entry or stylesheet), revalidated on every use, so a new `index.html` never names a chunk that is not uploaded yet. Neither prunes: a page loaded before a deploy still finds
   * the chunks its `index.html` named.
   */
  private deploy(assetsDir: string, settings: EnvironmentSettings): void {
    const { hashed, unhashed } = consoleFiles(assetsDir);
    const destinationKeyPrefix = `${CONSOLE_PATH.slice(1)}/`;
    // The deployments share one handler; its logs are kept like every function's rather than forever.
    const logGroup = new LogGroup(this, 'DeployLogs', { retention: logRetentionOf(settings), removalPolicy: removalPolicyOf(settings) });
    const immutable =
      hashed.length === 0
        ? undefined
        : new BucketDeployment(this, 'DeployHashed', {
            sources: [Source.asset(assetsDir, { exclude: unhashed })],
            destinationBucket: this.bucket,
            destinationKeyPrefix,
            prune: false,
            logGroup,
            cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
          });
    const entry = new BucketDeployment(this, 'DeployEntry', {
      sources: [Source.asset(assetsDir, { exclude: hashed })],
      destinationBucket: this.bucket,
      destinationKeyPrefix,
      prune: false,
      logGroup,
      // Revalidated by browsers every time, and kept at the edge for the cache policy's 1 s minimum: no invalidation needed.
      cacheControl: [CacheControl.noCache()],
    });
    if (immutable) entry.node.addDependency(immutable);
    this.acknowledgeDeploymentHandler();
  }

  /** CDK's one BucketDeployment handler in the stack (a Lambda it provides, shared by both deployments). */
  private acknowledgeDeploymentHandler(): void {
    const handler = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler) throw new Error('no BucketDeployment handler in the stack');
    acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', DEPLOYMENT_HANDLER_REASON);
    acknowledge(handler, 'AwsSolutions-L1', 'CDK pins the BucketDeployment handler\'s runtime (Python, with the AWS CLI layer) to the one it is tested with; it runs only during deployments.');
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']) {
      acknowledge(handler, `AwsSolutions-IAM5[Action::${action}]`, `CDK's grantRead on its asset bucket and grantReadWrite on the console bucket (${action}): the handler copies the built console from one to the other.`);
    }
    acknowledge(handler, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]', 'The CDK bootstrap asset bucket, whose object keys are content hashes known only at deploy time; the handler reads the console\'s zip from it.');
    acknowledge(handler, wildcardResourceFinding(this.bucket, '/*'), 'The console bucket holds only the console\'s files, which the handler writes under admin/ by their built names.');
  }
}
