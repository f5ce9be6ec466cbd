import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { IMAGES_BY_USER_INDEX, IMAGES_TABLE_KEY, IMAGES_TTL_ATTRIBUTE, ORIGINALS_PREFIX, USAGE_TABLE_KEY } from '../../src/contract';

export interface StorageProps {
  /** Origins that may PUT to presigned URLs; empty leaves the bucket without CORS. */
  readonly uploadAllowedOrigins: readonly string[];
  /** Originals expire after this many days; 0 keeps them. */
  readonly originalsExpirationDays: number;
}

/**
 * The two buckets and the table: the pipeline's data, retained when the stack is deleted
 * (README "Teardown"). Encryption at rest is SSE-S3 for the buckets and DynamoDB's default
 * (AWS-owned key): no KMS key to pay for, and no kms:* permission for presigned uploads to need.
 */
export class Storage extends Construct {
  readonly originals: s3.Bucket;
  readonly processed: s3.Bucket;
  readonly table: dynamodb.Table;
  /** One item per user with the counters the per-user quotas are enforced on. */
  readonly usageTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    const common: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // Ownership enforced: ACLs are disabled, the bucket policy alone decides.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A bucket policy that denies any request without TLS 1.2 or later.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    // Presigned uploads are single PUTs, but any multipart upload left unfinished is billed
    // storage until aborted. https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html
    const abortIncompleteUploads: s3.LifecycleRule = {
      id: 'abort-incomplete-multipart-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    };

    this.originals = new s3.Bucket(this, 'Originals', {
      ...common,
      // The browser PUTs straight to S3 with the headers the presigned URL was signed with
      // (Content-Type, If-None-Match; Content-Length is set by the browser itself).
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
      cors:
        props.uploadAllowedOrigins.length > 0
          ? [
              {
                allowedMethods: [s3.HttpMethods.PUT],
                allowedOrigins: [...props.uploadAllowedOrigins],
                allowedHeaders: ['content-type', 'if-none-match'],
                exposedHeaders: ['ETag'],
                maxAge: 3600,
              },
            ]
          : undefined,
      lifecycleRules: [
        abortIncompleteUploads,
        // S3 lifecycle filters see only prefix, tags and size, never whether an image was
        // processed (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html),
        // so the rule for originals that never became renditions (rejected, failed, abandoned)
        // expires every original: nothing in the system reads an original after processing, and
        // 30 days is far beyond the 14 days a message can wait in the dead-letter queue.
        ...(props.originalsExpirationDays > 0
          ? [
              {
                id: 'expire-originals',
                prefix: ORIGINALS_PREFIX,
                expiration: Duration.days(props.originalsExpirationDays),
              },
            ]
          : []),
      ],
    });

    this.processed = new s3.Bucket(this, 'Processed', {
      ...common,
      lifecycleRules: [abortIncompleteUploads],
    });

    this.table = new dynamodb.Table(this, 'Images', {
      partitionKey: { name: IMAGES_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Set on PENDING (abandoned reservations), EXPIRED and DELETED records only: DynamoDB removes
      // them some time after, usually within days. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
      timeToLiveAttribute: IMAGES_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // GET /images: one user's images, newest first.
    this.table.addGlobalSecondaryIndex({
      indexName: IMAGES_BY_USER_INDEX.name,
      partitionKey: { name: IMAGES_BY_USER_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: IMAGES_BY_USER_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.usageTable = new dynamodb.Table(this, 'Usage', {
      partitionKey: { name: USAGE_TABLE_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
