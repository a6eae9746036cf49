import path from 'node:path';
import { Arn, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { BucketDefinition, TableDefinition } from '../resources.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';

const projectRoot = path.resolve(import.meta.dirname, '../..');

export interface ComebackFunctionProps {
  /** Handler file relative to the project root, e.g. `functions/record-visits/handler.ts`; it exports `handler`. */
  readonly entry: string;
  readonly description?: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  readonly environment?: Readonly<Record<string, string>>;
  /** Caps concurrent executions (and reserves them from the account's pool). @default no cap */
  readonly reservedConcurrentExecutions?: number;
}

export type TableAccess = 'read' | 'readWrite';

/** What a function may do with the objects under one key prefix of a bucket. */
export type ObjectAccess = 'read' | 'write' | 'delete';

const objectActions: Record<ObjectAccess, string> = {
  read: 's3:GetObject',
  write: 's3:PutObject',
  delete: 's3:DeleteObject',
};
// SSE-KMS: reading an object decrypts its data key; writing one asks KMS for a new data key.
const objectKeyActions: Record<ObjectAccess, readonly string[]> = {
  read: ['kms:Decrypt'],
  write: ['kms:GenerateDataKey'],
  delete: [],
};

// The action sets of Table.grantReadData / grantReadWriteData, granted here on the table and
// its named indexes only (the CDK grants cover every index through a `/index/*` wildcard).
const tableReadActions = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const tableWriteActions = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const keyReadActions = ['kms:Decrypt', 'kms:DescribeKey'];
const keyWriteActions = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** The runtime of every function. */
export const functionRuntime = Runtime.NODEJS_24_X;

/** What every function starts with in NODE_OPTIONS (a stack trace names the TypeScript source). */
export const functionNodeOptions = '--enable-source-maps';

/** The most a function's bundle (`index.mjs`) may weigh, in bytes: it is read and compiled at every cold start. */
export const functionBundleLimit = 600 * 1024;

/**
 * The SDK's credential providers for profiles, SSO, credential processes and web identity, and
 * the SSO/STS clients they call: left out of every bundle. The SDK's default credential chain
 * imports each of them (a dynamic `import()`) only once the environment holds no credentials,
 * and Lambda always puts the execution role's credentials there, so they would be some 90 KB
 * that no function ever loads. The container and instance-metadata providers stay bundled.
 */
export const unbundledModules = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
];

/**
 * How esbuild bundles every function; test/bench/bundles.ts bundles with these same options to
 * report each function's size and load time. Tree-shaking relies on package.json's
 * `sideEffects`, which declares shared/ and functions/ free of import-time side effects, so a
 * function keeps only the parts of shared/app.ts it takes, and their adapters.
 */
export const functionBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  // The map names files and lines for NODE_OPTIONS=--enable-source-maps without carrying the
  // sources themselves: a third of the size, and some 15 ms less to read at a cold start.
  sourcesContent: false,
  // Bundle the SDK rather than use the runtime's copy, so a function runs the exact
  // @aws-sdk version the project pins and tests against (but for the modules above).
  bundleAwsSDK: true,
  externalModules: unbundledModules,
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // Greek, Cyrillic, Georgian, Bengali and Khmer as themselves, not as \uXXXX escapes: the
  // answer lexicons shrink by half. (The `charset` option is not passed on to esbuild by this CDK.)
  esbuildArgs: { '--charset': 'utf8' },
};

/**
 * The one way Comeback builds a Lambda function: Node.js 24 on arm64, bundled by esbuild as
 * minified ESM with source maps, traced by X-Ray, logging to a log group with a fixed retention.
 */
export class ComebackFunction extends NodejsFunction {
  /** The handler file relative to the project root, as given (`functions/NAME/handler.ts`). */
  readonly entry: string;
  private readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: ComebackFunctionProps) {
    // The log group and role are created beside the function (not inside it) because a
    // NodejsFunction takes both as constructor props; an explicit role avoids the broad
    // AWSLambdaBasicExecutionRole managed policy in favour of write access to this log group only.
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });

    super(scope, id, {
      entry: path.join(projectRoot, props.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: functionRuntime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: { NODE_OPTIONS: functionNodeOptions, ...props.environment },
      bundling: functionBundling,
    });

    this.entry = props.entry;
    this.executionRole = role;
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    });
  }

  /** Grants access to a table and passes its name in the environment variable its definition names. */
  useTable(definition: TableDefinition, table: ITable, access: TableAccess): void {
    this.addEnvironment(definition.envVar, table.tableName);
    const writes = access === 'readWrite';
    this.addToRolePolicy(
      new PolicyStatement({
        actions: writes ? [...tableReadActions, ...tableWriteActions] : tableReadActions,
        resources: [table.tableArn, ...definition.globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`)],
      }),
    );
    if (!table.encryptionKey) return;
    table.encryptionKey.grant(this, ...keyReadActions, ...(writes ? keyWriteActions : []));
    if (!writes) return;
    for (const action of keyWriteActions.filter((keyAction) => keyAction.endsWith('*'))) {
      Validations.of(this.executionRole).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: 'The KMS actions CDK grants for writing to a table encrypted with a customer managed key; the statement names only the table key.',
      });
    }
  }

  /**
   * Lets the function read one SSM parameter (a SecureString, decrypted with the default aws/ssm
   * key, whose policy lets the account's principals decrypt through SSM), that one only, and
   * names it in the environment variable given.
   */
  useParameter(envVar: string, parameterName: string): void {
    this.addEnvironment(envVar, parameterName);
    const arn = Arn.format({ service: 'ssm', resource: 'parameter', resourceName: parameterName.replace(/^\//, '') }, Stack.of(this));
    this.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [arn] }));
  }

  /**
   * Grants object access under one key prefix of a bucket (not the bucket itself, not other
   * prefixes) and passes the bucket's name in the environment variable its definition names.
   * `prefix` ends in `/`; no `s3:ListBucket`, so a missing key reads as AccessDenied.
   */
  useObjects(definition: BucketDefinition, bucket: IBucket, prefix: string, access: readonly ObjectAccess[]): void {
    if (!prefix.endsWith('/')) throw new Error(`Object prefix '${prefix}' must end in '/'`);
    this.addEnvironment(definition.envVar, bucket.bucketName);
    const objects = bucket.arnForObjects(`${prefix}*`);
    this.addToRolePolicy(new PolicyStatement({ actions: access.map((kind) => objectActions[kind]), resources: [objects] }));
    const keyActions = access.flatMap((kind) => objectKeyActions[kind]);
    if (bucket.encryptionKey && keyActions.length > 0) bucket.encryptionKey.grant(this, ...keyActions);
    acknowledgeWildcardResource(
      this.executionRole,
      objects,
      `Object keys are made per run and cannot be named ahead; the wildcard is confined to the '${prefix}' prefix of one bucket.`,
    );
  }
}
