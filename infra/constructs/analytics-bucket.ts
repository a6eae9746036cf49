import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { BucketDefinition } from '../resources.ts';

export interface AnalyticsBucketProps {
  readonly definition: BucketDefinition;
  readonly encryptionKey: IKey;
}

const accessLogRetention = Duration.days(365);
const noncurrentVersionRetention = Duration.days(90);

/**
 * Where the weekly sweep's segments leave model inputs for its coordinator (the key prefix of
 * shared/lapse/use-cases/sweep.ts). A sweep deletes its own; the lifecycle rule catches a crashed run.
 */
export const sweepScratchPrefix = 'sweep-scratch/';
const sweepScratchRetention = Duration.days(2);

/** The Parquet export bucket, with its server access logs kept in a bucket of their own. */
export class AnalyticsBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogsBucket: Bucket;

  constructor(scope: Construct, id: string, props: AnalyticsBucketProps) {
    super(scope, id);

    // S3 server access logging can only deliver to a bucket encrypted with S3-managed keys.
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: accessLogRetention }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the server access log target; logging its own access would write a log record for every log delivery.',
    });

    this.bucket = new Bucket(this, props.definition.id, {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: `${props.definition.localName}/`,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: noncurrentVersionRetention,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          // Versioned bucket: expiry leaves a delete marker, so old versions go a day later
          // rather than after the 90 days kept for the exports.
          id: 'ExpireSweepScratch',
          prefix: sweepScratchPrefix,
          expiration: sweepScratchRetention,
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
