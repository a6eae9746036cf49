import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AnalyticsBucket } from './constructs/analytics-bucket.ts';
import { QueryResultsBucket } from './constructs/analytics-query.ts';
import { DataTables } from './constructs/data-tables.ts';
import { StaffUserPool } from './constructs/staff-api.ts';
import { analyticsBucket, tables } from './resources.ts';

/** Everything that holds data and must outlive any deployment of the functions around it. */
export class StatefulStack extends Stack {
  readonly dataKey: Key;
  readonly tables: DataTables;
  readonly analyticsBucket: Bucket;
  /** Athena's query results for the reports: disposable (kept 30 days), but a bucket, so it lives here. */
  readonly queryResultsBucket: Bucket;
  /** Who may sign in to the staff and managers' API: their accounts outlive any deployment. */
  readonly staffUsers: StaffUserPool;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.dataKey = new Key(this, 'DataKey', {
      description: 'Comeback: encrypts client data in DynamoDB and the analytics exports in S3',
      enableKeyRotation: true,
    });

    this.tables = new DataTables(this, 'Tables', { definitions: tables, encryptionKey: this.dataKey });

    const analyticsStorage = new AnalyticsBucket(this, 'AnalyticsStorage', {
      definition: analyticsBucket,
      encryptionKey: this.dataKey,
    });
    this.analyticsBucket = analyticsStorage.bucket;
    this.queryResultsBucket = new QueryResultsBucket(this, 'QueryResults', {
      encryptionKey: this.dataKey,
      accessLogsBucket: analyticsStorage.accessLogsBucket,
    }).bucket;

    this.staffUsers = new StaffUserPool(this, 'StaffUsers');
    new CfnOutput(this, 'UserPoolId', {
      description: 'Cognito user pool of staff and managers (groups: managers, staff)',
      value: this.staffUsers.userPool.userPoolId,
    });
    new CfnOutput(this, 'UserPoolClientId', {
      description: "App client of the managers' tools (public, SRP sign-in)",
      value: this.staffUsers.toolsClient.userPoolClientId,
    });
  }
}
