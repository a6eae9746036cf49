import { readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createComebackApp } from '../../../infra/app.ts';
import { ComebackFunction, functionBundleLimit, unbundledModules } from '../../../infra/constructs/comeback-function.ts';
import { clientsTable, queues, topics, visitsTable } from '../../../infra/resources.ts';

// Prepare: synthesize once (bundling the functions with esbuild), with the flags `cdk synth` uses.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const { app, stateless } = createComebackApp(new App({ context }));
const template = Template.fromStack(stateless);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;

const logicalIdOf = (construct: IConstruct) => stateless.getLogicalId(construct.node.defaultChild as CfnElement);
const resourceOf = (construct: IConstruct) => {
  const resource = resources[logicalIdOf(construct)];
  if (!resource) throw new Error(`${construct.node.path} is not in the template`);
  return resource;
};

/**
 * Functions whose bundle is still over the limit, with the most each may weigh (KB) until the
 * work that brings it under lands: the AWS SDK's clients (SSM for one GetParameter, SES, S3,
 * Lambda, Bedrock for the optional answer model) and, in each answer path, the matcher with
 * the lexicons of every language (some 350 KB). `npm run bench -- bundles` shows what weighs in each.
 */
const bundlesOverLimit: Readonly<Record<string, number>> = {
  export: 660,
  'reply-web': 960,
  'send-outreach': 660,
  'sms-inbound': 880,
  'staff-api': 880,
  sweep: 680,
  'viber-callbacks': 970,
  'whatsapp-events': 925,
};

describe('functions', () => {
  const allFunctions = template.findResources('AWS::Lambda::Function');
  const ownIds = stateless.node
    .findAll()
    .filter((construct) => construct instanceof ComebackFunction)
    .map(logicalIdOf);
  const functions = ownIds.map((id) => allFunctions[id]!);

  it('are all ComebackFunctions, but for the CDK handler that copies the console files', () => {
    expect(Object.keys(allFunctions).filter((id) => !ownIds.includes(id))).toEqual([expect.stringMatching(/^CustomCDKBucketDeployment/)]);
  });

  it('all run Node.js 24 on arm64 with active tracing and source maps', () => {
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      });
    }
  });

  it('all log to their own log group kept for a month', () => {
    for (const fn of functions) {
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  it('are bundled as minified ESM with a require shim and a source map', () => {
    for (const fn of functions) {
      const assetDir = path.join(app.outdir, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
      const bundle = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
      expect(readFileSync(path.join(assetDir, 'index.mjs.map'), 'utf8')).toContain('"mappings"');
      expect(fn.Properties.Handler).toBe('index.handler');
    }
  });

  const bundleOf = (fn: (typeof functions)[number]) =>
    path.join(app.outdir, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`, 'index.mjs');
  // The function's name as test/bench/bundles.ts gives it: functions/NAME/handler.ts.
  const nameOf = (id: string) => {
    const fn = stateless.node.findAll().find((construct) => construct instanceof ComebackFunction && logicalIdOf(construct) === id) as ComebackFunction;
    return fn.entry.split('/')[1]!;
  };
  const limitKb = functionBundleLimit / 1024;

  it(`weigh at most ${limitKb} KB each (index.mjs), but for the ones listed over it, which may not grow`, () => {
    const sizes = ownIds.map((id, i) => ({ name: nameOf(id), kb: Math.ceil(statSync(bundleOf(functions[i]!)).size / 1024) }));
    expect(sizes.filter(({ name, kb }) => kb > (bundlesOverLimit[name] ?? limitKb))).toEqual([]);
    // A function back under the limit leaves the list, so the list only ever shrinks.
    expect(Object.keys(bundlesOverLimit).filter((name) => sizes.filter((size) => size.name === name).every(({ kb }) => kb <= limitKb))).toEqual([]);
  });

  it('import nothing they leave out but Node.js itself, except in an import() no function reaches', () => {
    for (const fn of functions) {
      const bundle = readFileSync(bundleOf(fn), 'utf8');
      // An import statement: at the start of a statement, its bindings (a name, `* as name`, `{…}`) from a module, or the module alone.
      const statement = /(?:^|[;}\n])\s*import\s*(?:(?:[\w$]+\s*,?\s*)?(?:\*\s*as\s*[\w$]+|\{[^}"']*\})?\s*from\s*)?["']([^"']+)["']/g;
      const staticImports = [...bundle.matchAll(statement)].map((match) => match[1]!);
      expect(staticImports.length).toBeGreaterThan(0);
      expect(staticImports.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
      const dynamicImports = [...bundle.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]!);
      expect(
        dynamicImports.filter((specifier) => !isBuiltin(specifier) && !unbundledModules.some((name) => specifier === name || specifier.startsWith(`${name}/`))),
      ).toEqual([]);
    }
  });
});

describe('record-visits', () => {
  it('gets the clients and visits table names in its environment', () => {
    const fn = resourceOf(stateless.recordVisits.function);
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(expect.arrayContaining([clientsTable.envVar, visitsTable.envVar]));
  });

  it('is reached by POST /visits only with SigV4-signed (IAM) requests', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /visits',
      AuthorizationType: 'AWS_IAM',
    });
    // Every route of the clinic API; the reply page and the staff API are checked in replies.test.ts.
    const clinicRoutes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: { Ref: logicalIdOf(stateless.clinicApi.httpApi) } } }),
    );
    expect(clinicRoutes.length).toBeGreaterThan(0);
    for (const route of clinicRoutes) {
      expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    }
  });

  it('has a throttled default stage that writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });
});

describe.each(queues.map((definition) => [definition.id, definition] as const))('queue %s', (_, definition) => {
  const queue = resourceOf(stateless.messaging.queue(definition));
  const deadLetterQueueId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;

  it('has the settings of its definition', () => {
    expect(queue.Properties).toMatchObject({
      VisibilityTimeout: definition.visibilityTimeoutSeconds,
      MessageRetentionPeriod: definition.retentionDays * 24 * 60 * 60,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: definition.maxReceiveCount },
    });
  });

  it('has an encrypted dead-letter queue with an alarm on waiting messages', () => {
    expect(resources[deadLetterQueueId]).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('and its dead-letter queue refuse requests that are not TLS', () => {
    for (const queueId of [logicalIdOf(stateless.messaging.queue(definition)), deadLetterQueueId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });
});

const subscriptions = queues.flatMap((queue) => {
  const topic = topics.find((candidate) => candidate.id === queue.subscribesTo);
  return topic ? [[queue.id, topic.id, queue, topic] as const] : [];
});

it.each(subscriptions)('queue %s receives the messages of topic %s raw', (_queueId, _topicId, queue, topic) => {
  template.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'sqs',
    RawMessageDelivery: true,
    Endpoint: { 'Fn::GetAtt': [logicalIdOf(stateless.messaging.queue(queue)), 'Arn'] },
    TopicArn: { Ref: logicalIdOf(stateless.messaging.topic(topic)) },
  });
});

describe.each(topics.map((definition) => [definition.id, definition] as const))('topic %s', (_, definition) => {
  const topicId = logicalIdOf(stateless.messaging.topic(definition));

  it('is encrypted with a customer managed key and refuses publishing without TLS', () => {
    expect(resources[topicId]?.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [logicalIdOf(stateless.messaging.topicKey), 'Arn'],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('the web console', () => {
  it('is built into the deployment: index.html naming its hashed files under assets/, which exist', () => {
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    const markers = deployment!.Properties.SourceMarkers as Record<string, unknown>[];
    // The built console is the source without deploy-time values; config.json has them.
    const built = (deployment!.Properties.SourceObjectKeys as string[]).filter((_, index) => Object.keys(markers[index]!).length === 0);
    expect(built).toHaveLength(1);
    const dir = path.join(app.outdir, `asset.${built[0]!.replace(/\.zip$/, '')}`);
    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    const files = [...page.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(files.some((file) => file.endsWith('.js'))).toBe(true);
    for (const file of files) expect(readFileSync(path.join(dir, file)).length, file).toBeGreaterThan(0);
    // Files only: the Content-Security-Policy allows no inline script.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
