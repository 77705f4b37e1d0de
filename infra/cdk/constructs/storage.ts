import { Duration } from 'aws-cdk-lib';
import { Distribution, HttpVersion, PriceClass, ViewerProtocolPolicy, CachePolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type BucketProps } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPORT_RETENTION_DAYS, PERSONAL_DATA_PREFIX } from '../../../shared/personal-data/retention.js';
import type { BucketId } from '../../../wiring/index.js';
import { removalPolicyOf, type EnvironmentSettings } from '../environments.js';
import { acknowledge } from '../nag.js';

/** Uploaded import files and generated exports are working copies; the table holds the outcome. */
const TRANSIENT_OBJECT_DAYS = 30;
/** Replaced or deleted product images stay restorable this long. */
const NONCURRENT_MEDIA_DAYS = 30;

/**
 * The media, imports and exports buckets, their access-log bucket, and the CloudFront
 * distribution that serves media. Every bucket is private, SSE-S3 encrypted and TLS-only; media
 * is reachable only through CloudFront's origin access control.
 */
export class Storage extends Construct {
  readonly buckets: Readonly<Record<BucketId, Bucket>>;
  readonly logsBucket: Bucket;
  readonly mediaDistribution: Distribution;
  /** `https://<distribution domain>`, what functions receive as MEDIA_BASE_URL. */
  readonly mediaBaseUrl: string;

  constructor(scope: Construct, id: string, props: { settings: EnvironmentSettings }) {
    super(scope, id);
    const common: BucketProps = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: removalPolicyOf(props.settings),
    };

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      ...common,
      // CloudFront standard logging still delivers through bucket ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.settings.logRetentionDays) }],
    });

    const logged = (prefix: BucketId): BucketProps => ({
      ...common,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: `s3/${prefix}/`,
    });
    const transient = [
      { expiration: Duration.days(TRANSIENT_OBJECT_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];
    this.buckets = {
      media: new Bucket(this, 'Media', {
        ...logged('media'),
        versioned: true,
        lifecycleRules: [
          { noncurrentVersionExpiration: Duration.days(NONCURRENT_MEDIA_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
      }),
      imports: new Bucket(this, 'Imports', { ...logged('imports'), lifecycleRules: transient }),
      exports: new Bucket(this, 'Exports', {
        ...logged('exports'),
        // Shoppers' personal-data exports go sooner, after their retention period (shared/personal-data/retention.ts).
        lifecycleRules: [...transient, { prefix: PERSONAL_DATA_PREFIX, expiration: Duration.days(EXPORT_RETENTION_DAYS) }],
      }),
    };

    this.mediaDistribution = new Distribution(this, 'MediaCdn', {
      comment: 'SmartShelf product media',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.buckets.media),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/media/',
    });
    acknowledge(
      this.mediaDistribution,
      'AwsSolutions-CFR1',
      'Product images are public catalogue content sold in every market we serve; there is no country to exclude.',
    );
    acknowledge(
      this.mediaDistribution,
      'AwsSolutions-CFR2',
      'The distribution serves only immutable public images from a private bucket via OAC (GET/HEAD, no origin compute); a CLOUDFRONT-scope WAF would have to live in a separate us-east-1 stack for no inspected input. The API, which takes input, has its own WAF.',
    );
    acknowledge(
      this.mediaDistribution,
      'AwsSolutions-CFR4',
      'No custom domain yet: the default *.cloudfront.net certificate cannot be given a minimum protocol version. Set one with an ACM certificate (us-east-1) and TLSv1.2_2021 when the media domain exists.',
    );
    this.mediaBaseUrl = `https://${this.mediaDistribution.distributionDomainName}`;
  }
}
