import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { reportRoutes } from '../../functions/reports/routes.ts';
import { exportPrefix } from '../../shared/analytics/export-location.ts';
import { exportTables, partitionOfDay, partitionPrefix, type ExportColumnType, type ExportTable } from '../../shared/analytics/export-tables.ts';
import { isIsoDay } from '../../shared/common/dates.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { StaffApi } from './staff-api.ts';
import { envNames } from '../../shared/environment.ts';

/** The Glue (Hive) type of each export column type; the Parquet writer uses the same names. */
export const glueColumnTypes: Readonly<Record<ExportColumnType, string>> = {
  string: 'string',
  int: 'int',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

/** Athena writes each query's result under this prefix of the results bucket. */
export const queryResultsPrefix = 'results/';
const queryResultsRetention = Duration.days(30);

export interface QueryResultsBucketProps {
  readonly encryptionKey: IKey;
  /** Where the bucket's server access logs go (the analytics bucket's log bucket). */
  readonly accessLogsBucket: IBucket;
}

/**
 * Where Athena writes query results: CSV files of report rows (pseudonymous ids, counts, money),
 * encrypted with the data key, kept 30 days (long enough for result reuse and for a manager to
 * fetch a long query's answer by its id). A bucket, so it lives in the stateful stack beside the
 * analytics bucket and logs its access to the same log bucket.
 */
export class QueryResultsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: QueryResultsBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ expiration: queryResultsRetention, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Results are disposable, but a bucket with objects cannot be deleted by CloudFormation;
      // retained like the other buckets, its lifecycle rule empties it within 30 days.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** Athena's own `NOW` is a UTC instant: a clinic ahead of UTC writes tomorrow's (UTC) `dt` before UTC gets there. */
const lastProjectedDay = 'NOW+1DAYS';

export interface AnalyticsQueryProps {
  /** Holds the export under `exports/<table>/dt=YYYY-MM-DD/`. */
  readonly analyticsBucket: IBucket;
  /** Athena's query results (QueryResultsBucket, in the stateful stack). */
  readonly resultsBucket: IBucket;
  /** The reports' routes join this API, behind its Cognito authorizer. */
  readonly staffApi: StaffApi;
  /** The earliest `dt` Athena looks for (YYYY-MM-DD): the clinic's oldest visit day. @default 2020-01-01 */
  readonly firstPartitionDay?: string;
  /** @default comeback_analytics */
  readonly databaseName?: string;
  /** @default comeback-reports */
  readonly workGroupName?: string;
  /** A query that would read more than this is cancelled. @default 10 GiB */
  readonly bytesScannedCutoffPerQuery?: Size;
}

/**
 * The managers' reports on Athena: a Glue database with one table per exported table (Parquet,
 * `dt` found by partition projection, so no crawler and no `MSCK REPAIR`), a workgroup that
 * fixes where results go, how they are encrypted and how much a query may scan, and the reports
 * function behind the staff API.
 */
export class AnalyticsQuery extends Construct {
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly database: CfnDatabase;
  readonly workGroup: CfnWorkGroup;
  readonly reportsFunction: ComebackFunction;
  private readonly tablesByName = new Map<string, CfnTable>();

  constructor(scope: Construct, id: string, props: AnalyticsQueryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.databaseName ?? 'comeback_analytics';
    this.workGroupName = props.workGroupName ?? 'comeback-reports';
    const firstDay = props.firstPartitionDay ?? '2020-01-01';
    if (!isIsoDay(firstDay)) throw new Error(`AnalyticsQuery: firstPartitionDay must be a date as YYYY-MM-DD, not ${JSON.stringify(firstDay)}`);
    if (!/^[a-z0-9_]{1,255}$/.test(this.databaseName))
      throw new Error(`AnalyticsQuery: databaseName ${JSON.stringify(this.databaseName)} must be lower-case letters, digits and _ (Athena)`);

    this.database = new CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: 'Comeback: the daily analytics export (Parquet, one dt partition per day)',
      },
    });

    const bucketName = props.analyticsBucket.bucketName;
    for (const definition of exportTables) {
      const table = new CfnTable(this, `Table-${definition.name}`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput: glueTableInput(definition, `s3://${bucketName}/${exportPrefix}`, firstDay),
      });
      table.addResourceDependency(this.database, 'the table names its database by name');
      this.tablesByName.set(definition.name, table);
    }

    const resultsKey = props.resultsBucket.encryptionKey;
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: "Comeback: managers' reports",
      state: 'ENABLED',
      // Replacing the workgroup must not fail on its query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Callers cannot point results elsewhere, drop encryption or lift the cutoff.
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes(),
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        engineVersion: { selectedEngineVersion: 'AUTO' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${queryResultsPrefix}`,
          expectedBucketOwner: stack.account,
          encryptionConfiguration: resultsKey ? { encryptionOption: 'SSE_KMS', kmsKey: resultsKey.keyArn } : { encryptionOption: 'SSE_S3' },
        },
      },
    });

    this.reportsFunction = new ComebackFunction(this, 'ReportsFunction', {
      entry: 'functions/reports/handler.ts',
      description: "Comeback: managers' reports on Athena (JSON or CSV; 202 and a query id for long ones)",
      memorySize: 512,
      // HTTP APIs give up at 30 seconds; the function answers 202 after 20.
      timeout: Duration.seconds(29),
      environment: {
        [envNames.athenaWorkGroup]: this.workGroupName,
        [envNames.analyticsDatabase]: this.databaseName,
        // The export's manifests say when it changed, so a report asked after a new export runs again.
        [envNames.analyticsBucket]: props.analyticsBucket.bucketName,
      },
    });
    this.grantQueries(this.reportsFunction, props);

    const integration = new HttpLambdaIntegration('ReportsFunction', this.reportsFunction);
    for (const route of Object.values(reportRoutes)) props.staffApi.addRoute(HttpMethod[route.method], route.path, integration);
  }

  /** The Glue table of one exported table. */
  table(name: ExportTable['name']): CfnTable {
    const table = this.tablesByName.get(name);
    if (!table) throw new Error(`No Glue table was built for '${name}'`);
    return table;
  }

  get workGroupArn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
  }

  /**
   * What a query needs, with the caller's own credentials (Athena reads and writes S3 as the
   * caller): its workgroup only; the catalog, database and exported tables; the export's
   * objects; the results prefix, and the keys of both buckets.
   */
  private grantQueries(fn: ComebackFunction, props: AnalyticsQueryProps): void {
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
        resources: [this.workGroupArn],
      }),
    );
    const glue = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          glue('catalog'),
          glue('database', this.databaseName),
          ...exportTables.map((definition) => glue('table', `${this.databaseName}/${definition.name}`)),
        ],
      }),
    );

    // The export: its objects, and listing under exports/ only.
    const { analyticsBucket, resultsBucket } = props;
    const exportObjects = analyticsBucket.arnForObjects(`${exportPrefix}*`);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [exportObjects] }));
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [analyticsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${exportPrefix}*`] } },
      }),
    );
    analyticsBucket.encryptionKey?.grant(fn, 'kms:Decrypt');
    acknowledgeWildcardResource(
      fn.role!,
      exportObjects,
      `Athena reads whichever export files the query's partitions hold; the wildcard is confined to the '${exportPrefix}' prefix of the analytics bucket.`,
    );

    // The results: written, read back (and reused), multipart uploads of large ones.
    const resultObjects = resultsBucket.arnForObjects(`${queryResultsPrefix}*`);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [resultObjects],
      }),
    );
    // The bucket holds nothing but query results, all of which the function may read anyway.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [resultsBucket.bucketArn] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [analyticsBucket.bucketArn, resultsBucket.bucketArn] }));
    resultsBucket.encryptionKey?.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    acknowledgeWildcardResource(
      fn.role!,
      resultObjects,
      `Athena names each result file after its query id; the wildcard is confined to the '${queryResultsPrefix}' prefix of the results bucket.`,
    );
  }
}

/** One exported table as Glue sees it: Parquet under `<root><table>/`, `dt` projected from the key. */
export const glueTableInput = (definition: ExportTable, exportRoot: string, firstDay: string): CfnTable.TableInputProperty => ({
  name: definition.name,
  description: definition.description,
  tableType: 'EXTERNAL_TABLE',
  parameters: {
    EXTERNAL: 'TRUE',
    classification: 'parquet',
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    // A monthly table's `dt` is the first of each month, so its range starts on one.
    'projection.dt.range': `${partitionOfDay(definition, firstDay)},${lastProjectedDay}`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': definition.partitionSpan === 'month' ? 'MONTHS' : 'DAYS',
    // `${dt}` is Athena's placeholder for the partition value, written as it is.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's partition projection template
    'storage.location.template': `${exportRoot}${partitionPrefix(definition.name, '${dt}')}`,
  },
  partitionKeys: [{ name: 'dt', type: 'string', comment: definition.partition }],
  storageDescriptor: {
    location: `${exportRoot}${definition.name}/`,
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serdeInfo: {
      serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      parameters: { 'serialization.format': '1' },
    },
    compressed: false,
    storedAsSubDirectories: false,
    columns: definition.columns.map((column) => ({ name: column.name, type: glueColumnTypes[column.type], comment: column.description })),
  },
});
