import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { reportRoutes } from '../../../functions/reports/routes.ts';
import { analyticsFirstDayOf, createComebackApp } from '../../../infra/app.ts';
import type { ComebackFunction, TableAccess } from '../../../infra/constructs/comeback-function.ts';
import { analyticsBucket, tables, type TableDefinition } from '../../../infra/resources.ts';
import { exportTables, type ExportColumnType } from '../../../shared/analytics/export-tables.ts';

// Prepare: the whole app with the flags `cdk synth` uses and a clinic that is not on UTC.
// Bundling is skipped here: stateless-stack.test.ts checks every function's bundle.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const appContext = { ...context, 'aws:cdk:bundling-stacks': [], clinicTimeZone: 'Europe/London' };
const { app, stateful, stateless } = createComebackApp(new App({ context: appContext }));
app.synth();
const template = Template.fromStack(stateless);
const statefulTemplate = Template.fromStack(stateful);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
const analyticsExport = stateless.analyticsExport;
const query = stateless.analyticsQuery;

const idOf = (construct: IConstruct) => stateless.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const statefulIdOf = (construct: IConstruct) => stateful.getLogicalId(construct.node.defaultChild as CfnElement);
/** A value of the stateful stack as the stateless template spells it (an import). */
const imported = (token: string) => stateless.resolve(token) as unknown;
const json = (value: unknown) => JSON.stringify(value);
const propertiesOf = (construct: IConstruct) => resources[idOf(construct)]!.Properties;

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: Record<string, Record<string, unknown>> };
const statementsOf = (fn: ComebackFunction): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: idOf(fn.role!) }] } })).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat();
const withService = (fn: ComebackFunction, service: string) =>
  statementsOf(fn).filter((statement) => actionsOf(statement).some((action) => action.startsWith(`${service}:`)));

/** The tables a function's role may touch, and how, read from the statements that name them. */
const tableAccessOf = (fn: ComebackFunction): Record<string, TableAccess> => {
  const tableId = (definition: TableDefinition) => statefulIdOf(stateful.tables.table(definition));
  const access: Record<string, TableAccess> = {};
  for (const statement of withService(fn, 'dynamodb')) {
    const writes = actionsOf(statement).some((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(action));
    for (const resource of resourcesOf(statement)) {
      const touched = tables.filter((definition) => json(resource).includes(`ExportsOutputFnGetAtt${tableId(definition)}Arn`));
      expect(touched, `dynamodb statement on ${json(resource)}`).toHaveLength(1);
      const id = touched[0]!.id;
      access[id] = writes || access[id] === 'readWrite' ? 'readWrite' : 'read';
    }
  }
  return access;
};

const bucketName = () => imported(stateful.analyticsBucket.bucketName);
const bucketArn = () => imported(stateful.analyticsBucket.bucketArn);
const exportObjects = () => imported(stateful.analyticsBucket.arnForObjects('exports/*'));
const s3Url = (suffix: string) => ({ 'Fn::Join': ['', ['s3://', bucketName(), suffix]] });

// Written out here rather than imported, so a change to the construct's mapping is caught.
const glueTypes: Record<ExportColumnType, string> = {
  string: 'string',
  int: 'int',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

describe('the Glue catalog of the export', () => {
  const glueTables = () => Object.values(template.findResources('AWS::Glue::Table'));
  const tableNamed = (name: string) => glueTables().find((table) => table.Properties.TableInput.Name === name)!;

  it('is one database with exactly one table per exported table', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseInput: { Name: query.databaseName },
    });
    expect(
      glueTables()
        .map((table) => table.Properties.TableInput.Name)
        .sort(),
    ).toEqual(exportTables.map((table) => table.name).sort());
    for (const table of glueTables()) expect(table.Properties.DatabaseName).toBe(query.databaseName);
  });

  describe.each(exportTables.map((definition) => [definition.name, definition] as const))('table %s', (name, definition) => {
    it('has the columns of export-tables.ts, in order, with their Glue types', () => {
      const { StorageDescriptor } = tableNamed(name).Properties.TableInput;
      expect(StorageDescriptor.Columns.map((column: { Name: string; Type: string }) => [column.Name, column.Type])).toEqual(
        definition.columns.map((column) => [column.name, glueTypes[column.type]]),
      );
    });

    it('reads Parquet under exports/<table>/ of the analytics bucket', () => {
      expect(tableNamed(name).Properties.TableInput).toMatchObject({
        TableType: 'EXTERNAL_TABLE',
        StorageDescriptor: {
          Location: s3Url(`/exports/${name}/`),
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      });
    });

    it('is partitioned by dt (a string) that Athena projects day by day (month by month for current_answers), with no crawler or MSCK REPAIR', () => {
      const input = tableNamed(name).Properties.TableInput;
      expect(input.PartitionKeys).toEqual([expect.objectContaining({ Name: 'dt', Type: 'string' })]);
      expect(input.Parameters).toEqual(
        expect.objectContaining({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          // NOW is UTC: a clinic ahead of UTC writes a dt that UTC reaches only later that day.
          'projection.dt.range': '2020-01-01,NOW+1DAYS',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': name === 'current_answers' ? 'MONTHS' : 'DAYS',
          'storage.location.template': s3Url(`/exports/${name}/dt=\${dt}/`),
        }),
      );
    });
  });

  it('starts the projection at the day CDK context analyticsFirstDay names, and refuses one that is no date', () => {
    const { stateless: older } = createComebackApp(new App({ context: { ...appContext, analyticsFirstDay: '2014-03-17' } }));
    Template.fromStack(older).hasResourceProperties('AWS::Glue::Table', {
      TableInput: { Name: 'visits', Parameters: Match.objectLike({ 'projection.dt.range': '2014-03-17,NOW+1DAYS' }) },
    });
    // A monthly table's partitions are the first of each month: its projection starts on one.
    Template.fromStack(older).hasResourceProperties('AWS::Glue::Table', {
      TableInput: { Name: 'current_answers', Parameters: Match.objectLike({ 'projection.dt.range': '2014-03-01,NOW+1DAYS' }) },
    });
    expect(analyticsFirstDayOf(new App())).toBeUndefined();
    expect(() => analyticsFirstDayOf(new App({ context: { analyticsFirstDay: '2014-02-30' } }))).toThrow(/analyticsFirstDay/);
  });
});

describe('the Athena workgroup', () => {
  const configuration = () => propertiesOf(query.workGroup).WorkGroupConfiguration;

  it('enforces its own configuration, with a bytes-scanned cutoff of at most 10 GiB per query', () => {
    expect(configuration()).toMatchObject({ EnforceWorkGroupConfiguration: true, PublishCloudWatchMetricsEnabled: true });
    expect(configuration().BytesScannedCutoffPerQuery).toBeGreaterThan(0);
    expect(configuration().BytesScannedCutoffPerQuery).toBeLessThanOrEqual(10 * 1024 ** 3);
    expect(configuration().EngineVersion).toEqual({ SelectedEngineVersion: 'AUTO' });
  });

  it('writes results to the results bucket, encrypted with the data key', () => {
    const resultsBucket = imported(stateful.queryResultsBucket.bucketName);
    expect(configuration().ResultConfiguration).toEqual({
      OutputLocation: { 'Fn::Join': ['', ['s3://', resultsBucket, '/results/']] },
      ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: imported(stateful.dataKey.keyArn) },
    });
  });

  it('is named in the outputs with the Glue database', () => {
    template.hasOutput('AthenaWorkGroup', { Value: { Ref: idOf(query.workGroup) } });
    template.hasOutput('AnalyticsDatabase', { Value: { Ref: stateless.getLogicalId(query.database) } });
  });
});

describe('the query results bucket in the stateful stack', () => {
  const bucket = () => statefulTemplate.toJSON().Resources[statefulIdOf(stateful.queryResultsBucket)];

  it('is encrypted with the data key, private, logged, and empties itself after 30 days', () => {
    expect(bucket().Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [statefulIdOf(stateful.dataKey), 'Arn'] } } },
        ],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      // The log bucket of the analytics bucket, under a prefix of its own.
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.stringMatching(/^AnalyticsStorageAccessLogs/) }, LogFilePrefix: 'athena-results/' },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
  });

  it('refuses requests without TLS', () => {
    statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: statefulIdOf(stateful.queryResultsBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('the daily export schedule', () => {
  it('runs the export every day at 04:00 in the clinic time zone, clear of daylight-saving gaps', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 4 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [idOf(analyticsExport.function), 'Arn'] }, Input: '{}' },
    });
  });

  it('retries delivery for a bounded time, then dead-letters the event; a failed run also ends there', () => {
    const failed = { 'Fn::GetAtt': [idOf(analyticsExport.failedExports), 'Arn'] };
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: {
        Arn: { 'Fn::GetAtt': [idOf(analyticsExport.function), 'Arn'] },
        DeadLetterConfig: { Arn: failed },
        RetryPolicy: { MaximumEventAgeInSeconds: 6 * 60 * 60, MaximumRetryAttempts: 3 },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: idOf(analyticsExport.function) },
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: failed } },
    });
  });

  it('raises an alarm on any failed export', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(analyticsExport.failedExports), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('assumes a role that can start the export function and nothing else', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule')).find((candidate) =>
      json(candidate.Properties.Target.Arn).includes(idOf(analyticsExport.function)),
    )!;
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements.flatMap(actionsOf).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    for (const resource of resourcesOf(statements.find((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))!)) {
      expect(json(resource)).toContain(`"${idOf(analyticsExport.function)}"`);
    }
  });
});

describe('the export function', () => {
  const fn = () => analyticsExport.function;

  it('has 2 GB for up to 10 minutes, one run at a time, on the clinic clock', () => {
    expect(propertiesOf(fn())).toMatchObject({ MemorySize: 2048, Timeout: 600, ReservedConcurrentExecutions: 1 });
    expect(propertiesOf(fn()).Environment.Variables).toMatchObject({
      COMEBACK_TIMEZONE: 'Europe/London',
      [analyticsBucket.envVar]: bucketName(),
    });
  });

  it('touches exactly the tables it exports, writing only the catalogue (whose load may seed it)', () => {
    expect(tableAccessOf(fn())).toEqual({
      Clients: 'read',
      Visits: 'read',
      LapseEpisodes: 'read',
      Outreach: 'read',
      Answers: 'read',
      ReasonCatalogue: 'readWrite',
    });
    const environment = propertiesOf(fn()).Environment.Variables as Record<string, unknown>;
    for (const id of Object.keys(tableAccessOf(fn()))) {
      const definition = tables.find((table) => table.id === id)!;
      expect(environment[definition.envVar]).toEqual(imported(stateful.tables.table(definition).tableName));
    }
  });

  it('reads, writes and deletes objects under exports/ only, and lists only keys under exports/', () => {
    const s3 = withService(fn(), 's3');
    const objectStatements = s3.filter((statement) => !actionsOf(statement).includes('s3:ListBucket'));
    expect(objectStatements.flatMap(actionsOf).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    for (const statement of objectStatements) expect(resourcesOf(statement)).toEqual([exportObjects()]);
    const listing = s3.filter((statement) => actionsOf(statement).includes('s3:ListBucket'));
    expect(listing).toEqual([
      expect.objectContaining({ Action: 's3:ListBucket', Resource: bucketArn(), Condition: { StringLike: { 's3:prefix': ['exports/*'] } } }),
    ]);
  });

  it('may use the data key for the objects and tables it reads and writes', () => {
    const keyActions = withService(fn(), 'kms')
      .filter((statement) => json(resourcesOf(statement)) === json([imported(stateful.dataKey.keyArn)]))
      .flatMap(actionsOf);
    expect(keyActions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
  });
});

describe('the reports function', () => {
  const fn = () => query.reportsFunction;
  const arn = (service: string, resource: string) => {
    const [type, ...name] = resource.split('/');
    return stateless.formatArn({ service, resource: type!, ...(name.length > 0 && { resourceName: name.join('/') }) });
  };
  const normalise = (value: unknown) => json(stateless.resolve(value));

  it('answers within API Gateway’s 30 seconds and knows its workgroup and database', () => {
    expect(propertiesOf(fn())).toMatchObject({ MemorySize: 512, Timeout: 29 });
    expect(propertiesOf(fn()).Environment.Variables).toMatchObject({
      ATHENA_WORKGROUP: query.workGroupName,
      ANALYTICS_DATABASE: query.databaseName,
    });
  });

  it('may start, follow and stop queries in its own workgroup only', () => {
    const athena = withService(fn(), 'athena');
    expect(athena.flatMap(actionsOf).sort()).toEqual([
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StartQueryExecution',
      'athena:StopQueryExecution',
    ]);
    for (const statement of athena) {
      expect(resourcesOf(statement).map(normalise)).toEqual([normalise(arn('athena', `workgroup/${query.workGroupName}`))]);
    }
  });

  it('may read the catalog entries of its database and the exported tables, and nothing else in Glue', () => {
    const glue = withService(fn(), 'glue');
    expect(glue.flatMap(actionsOf).sort()).toEqual(['glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTables']);
    const expected = [
      arn('glue', 'catalog'),
      arn('glue', `database/${query.databaseName}`),
      ...exportTables.map((table) => arn('glue', `table/${query.databaseName}/${table.name}`)),
    ].map(normalise);
    expect(glue.flatMap(resourcesOf).map(normalise).sort()).toEqual(expected.sort());
  });

  it('reads the export under exports/ only, and writes only query results', () => {
    const s3 = withService(fn(), 's3');
    const onAnalytics = s3.filter((statement) => json(resourcesOf(statement)).includes(statefulIdOf(stateful.analyticsBucket)));
    const analyticsActions = onAnalytics.flatMap((statement) =>
      resourcesOf(statement)
        .filter((resource) => json(resource).includes(statefulIdOf(stateful.analyticsBucket)))
        .map((resource) => [actionsOf(statement).join(','), resource, statement.Condition ?? null]),
    );
    expect(analyticsActions).toEqual(
      expect.arrayContaining([
        ['s3:GetObject', exportObjects(), null],
        ['s3:ListBucket', bucketArn(), { StringLike: { 's3:prefix': ['exports/*'] } }],
        ['s3:GetBucketLocation', bucketArn(), null],
      ]),
    );
    expect(analyticsActions).toHaveLength(3);
    const writes = s3.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
    expect(writes.flatMap(resourcesOf)).toEqual([imported(stateful.queryResultsBucket.arnForObjects('results/*'))]);
  });

  it('serves the report routes on the staff API, each behind the Cognito authorizer', () => {
    const apiId = idOf(stateless.staffApi.httpApi);
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { ApiId: { Ref: apiId } } }));
    const reportIntegrations = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration', { Properties: { ApiId: { Ref: apiId } } }))
      .filter(([, integration]) => json(integration.Properties.IntegrationUri).includes(idOf(fn())))
      .map(([id]) => id);
    expect(reportIntegrations).toHaveLength(1);
    expect(Object.values(reportRoutes)).toHaveLength(3);
    for (const route of Object.values(reportRoutes)) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: { Ref: apiId },
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: reportIntegrations[0] }]] },
      });
    }
  });
});

describe('cdk-nag', () => {
  it.each([stateful, stateless].map((stack) => [stack.stackName, stack] as const))(
    'finds nothing unacknowledged in the analytics resources of %s',
    (_, stack) => {
      const report = new AwsSolutionsChecks().validateScope(stack);
      const findings = report.violations
        .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`))
        .filter((finding) => /Analytics|QueryResults/.test(finding));
      expect(findings).toEqual([]);
    },
  );
});
