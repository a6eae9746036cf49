import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { clinicTimeZoneOf, createComebackApp } from '../../../infra/app.ts';
import { DataTables } from '../../../infra/constructs/data-tables.ts';
import { WeeklySweep } from '../../../infra/constructs/weekly-sweep.ts';
import { analyticsBucket, clientsTable, episodesTable, modelsTable, outreachQueue, suppressionTable, tables, visitsTable } from '../../../infra/resources.ts';

// Prepare: the whole app with the flags `cdk synth` uses and a clinic that is not on UTC.
// Bundling is skipped here: stateless-stack.test.ts checks every function's bundle.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const appContext = { ...context, 'aws:cdk:bundling-stacks': [] };
const { stateful, stateless } = createComebackApp(new App({ context: { ...appContext, clinicTimeZone: 'Europe/London' } }));
const template = Template.fromStack(stateless);
const sweep = stateless.weeklySweep;

const idOf = (construct: IConstruct) => stateless.getLogicalId(construct.node.defaultChild as CfnElement);
/** A value of the stateful stack as the stateless template spells it (an import). */
const imported = (token: string) => stateless.resolve(token) as unknown;
const functionProps = (construct: IConstruct) => template.toJSON().Resources[idOf(construct)].Properties;

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const statementsOf = (role: IConstruct): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: idOf(role) }] } })).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat();

const scratchObjects = () => imported(stateful.analyticsBucket.arnForObjects('sweep-scratch/*'));

describe('the weekly sweep schedule', () => {
  it('runs the coordinator every Monday at 06:00 in the clinic time zone, at the set time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [idOf(sweep.coordinator), 'Arn'] },
        Input: '{}',
      },
    });
  });

  it('retries delivery for a bounded time, then dead-letters the event', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: {
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf(sweep.failedSweeps), 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 6 * 60 * 60, MaximumRetryAttempts: 3 },
      },
    });
  });

  it('assumes a role that only scheduler of this account can take and that only starts the coordinator', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0]!;
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: expect.objectContaining({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }) },
      }),
    ]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements.flatMap(actionsOf).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = statements.find((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))!;
    for (const resource of resourcesOf(invoke)) {
      expect(JSON.stringify(resource)).toContain(`"${idOf(sweep.coordinator)}"`);
    }
  });
});

describe('the failed-sweeps queue', () => {
  it('is encrypted, refuses requests without TLS and raises an alarm on any message', () => {
    expect(template.toJSON().Resources[idOf(sweep.failedSweeps)].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 60 * 60,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: idOf(sweep.failedSweeps) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(sweep.failedSweeps), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('also receives coordinator runs that failed after Scheduler handed them to Lambda', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: idOf(sweep.coordinator) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 6 * 60 * 60,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [idOf(sweep.failedSweeps), 'Arn'] } } },
    });
  });
});

describe.each([
  ['coordinator', () => sweep.coordinator],
  ['segment function', () => sweep.segmentFunction],
])('the %s', (_, fn) => {
  it('runs Node.js 24 on arm64 with 1 GB for up to 15 minutes', () => {
    expect(functionProps(fn())).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 900,
    });
  });

  it('may touch only the sweep-scratch/ prefix of the analytics bucket, and never list it', () => {
    const s3 = statementsOf(fn().role!).filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    for (const statement of s3) {
      expect(resourcesOf(statement)).toEqual([scratchObjects()]);
      expect(actionsOf(statement)).not.toContain('s3:ListBucket');
    }
  });
});

describe('the coordinator', () => {
  const env = () => functionProps(sweep.coordinator).Environment.Variables;

  it('knows the segment function, the number of segments and the clinic time zone', () => {
    expect(env()).toMatchObject({
      SWEEP_SEGMENT_FUNCTION: { Ref: idOf(sweep.segmentFunction) },
      SWEEP_SEGMENTS: '16',
      COMEBACK_TIMEZONE: 'Europe/London',
      [modelsTable.envVar]: imported(stateful.tables.table(modelsTable).tableName),
      [analyticsBucket.envVar]: imported(stateful.analyticsBucket.bucketName),
    });
  });

  it('runs one sweep at a time', () => {
    expect(functionProps(sweep.coordinator).ReservedConcurrentExecutions).toBe(1);
  });

  it('may invoke the segment function (unqualified, as it calls it) and write the models table', () => {
    const statements = statementsOf(sweep.coordinator.role!);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [idOf(sweep.segmentFunction), 'Arn'] },
      }),
    );
    const models = statements.find((statement) =>
      resourcesOf(statement).some((resource) => JSON.stringify(resource) === JSON.stringify(imported(stateful.tables.table(modelsTable).tableArn))),
    );
    expect(models && actionsOf(models)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
  });

  it('reads and deletes scratch objects but does not write them', () => {
    const s3Actions = statementsOf(sweep.coordinator.role!)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:DeleteObject', 's3:GetObject']);
  });
});

describe('the segment function', () => {
  const statements = () => statementsOf(sweep.segmentFunction.role!);
  const actionsOn = (table: { tableArn: string }) =>
    statements()
      .filter((statement) => resourcesOf(statement).some((resource) => JSON.stringify(resource) === JSON.stringify(imported(table.tableArn))))
      .flatMap(actionsOf);

  it('gets every name its adapters read from the environment', () => {
    const tableName = (definition: typeof clientsTable) => imported(stateful.tables.table(definition).tableName);
    expect(functionProps(sweep.segmentFunction).Environment.Variables).toMatchObject({
      [clientsTable.envVar]: tableName(clientsTable),
      [visitsTable.envVar]: tableName(visitsTable),
      [episodesTable.envVar]: tableName(episodesTable),
      [suppressionTable.envVar]: tableName(suppressionTable),
      [outreachQueue.envVar]: { Ref: idOf(stateless.messaging.queue(outreachQueue)) },
      [analyticsBucket.envVar]: imported(stateful.analyticsBucket.bucketName),
    });
  });

  it('writes clients and episodes, only reads suppression, and has no access to visits', () => {
    const table = (definition: typeof clientsTable) => stateful.tables.table(definition);
    expect(actionsOn(table(clientsTable))).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:UpdateItem']));
    expect(actionsOn(table(episodesTable))).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem']));
    expect(actionsOn(table(suppressionTable))).toContain('dynamodb:BatchGetItem');
    expect(actionsOn(table(suppressionTable)).filter((action) => /Put|Update|Delete|Write/.test(action))).toEqual([]);
    expect(actionsOn(table(visitsTable))).toEqual([]);
  });

  it('may send to the outreach queue', () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: { 'Fn::GetAtt': [idOf(stateless.messaging.queue(outreachQueue)), 'Arn'] },
      }),
    );
  });

  it('reads, writes and deletes scratch objects, and may use the data key for them', () => {
    const s3Actions = statements()
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    const dataKey = imported(stateful.dataKey.keyArn);
    const keyActions = statements()
      .filter((statement) => resourcesOf(statement).some((resource) => JSON.stringify(resource) === JSON.stringify(dataKey)))
      .flatMap(actionsOf);
    expect(keyActions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
  });
});

describe('WeeklySweep on its own', () => {
  // Prepare: the construct with stand-ins for what the stateful stack and Messaging provide.
  const standAlone = (props: { segments?: number; weekDay?: string }) => {
    const stack = new Stack(new App({ context: appContext }), 'Test');
    const key = new Key(stack, 'Key');
    return new WeeklySweep(stack, 'Sweep', {
      tables: new DataTables(stack, 'Tables', { definitions: tables, encryptionKey: key }),
      outreachQueue: new Queue(stack, 'Outreach'),
      analyticsBucket: new Bucket(stack, 'Bucket', { encryption: BucketEncryption.KMS, encryptionKey: key }),
      clinicTimeZone: 'America/New_York',
      segments: props.segments,
      schedule: props.weekDay ? { weekDay: props.weekDay, hour: '5', minute: '30' } : undefined,
    });
  };

  it('takes the number of segments and the time of the sweep', () => {
    const built = standAlone({ segments: 4, weekDay: 'SUN' });
    const local = Template.fromStack(Stack.of(built));
    local.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SWEEP_SEGMENTS: '4', COMEBACK_TIMEZONE: 'America/New_York' }) },
    });
    local.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 5 ? * SUN *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
  });

  it('refuses a number of segments the coordinator would refuse', () => {
    expect(() => standAlone({ segments: 0 })).toThrow(/segments/);
    expect(() => standAlone({ segments: 2.5 })).toThrow(/segments/);
  });
});

describe('the clinic time zone', () => {
  it('comes from CDK context and is UTC when the context has none', () => {
    expect(clinicTimeZoneOf(new App({ context: { clinicTimeZone: 'Australia/Sydney' } }))).toBe('Australia/Sydney');
    expect(clinicTimeZoneOf(new App())).toBe('UTC');
  });

  it('must be an IANA time zone', () => {
    expect(() => clinicTimeZoneOf(new App({ context: { clinicTimeZone: 'Mars/Olympus_Mons' } }))).toThrow(/clinicTimeZone/);
    expect(() => clinicTimeZoneOf(new App({ context: { clinicTimeZone: '+01:00' } }))).toThrow(/clinicTimeZone/);
  });
});
