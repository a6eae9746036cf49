import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createComebackApp } from '../../../infra/app.ts';
import { tables, type KeyAttribute } from '../../../infra/resources.ts';

// Prepare: synthesize once, with the feature flags `cdk synth` uses (the functions unbundled: only the stateful stack is read).
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const { stateful } = createComebackApp(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }));
const template = Template.fromStack(stateful);
const resources = template.toJSON().Resources as Record<string, { Properties: any; DeletionPolicy?: string }>;

const resourceOf = (construct: IConstruct) => {
  const resource = resources[stateful.getLogicalId(construct.node.defaultChild as CfnElement)];
  if (!resource) throw new Error(`${construct.node.path} is not in the template`);
  return resource;
};

const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute) => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
];

describe('stateful stack', () => {
  it('builds exactly one table per definition', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', tables.length);
  });

  describe.each(tables.map((definition) => [definition.id, definition] as const))('table %s', (_, definition) => {
    const table = resourceOf(stateful.tables.table(definition));

    it('has the keys and indexes of its definition', () => {
      expect(table.Properties.KeySchema).toEqual(keySchema(definition.partitionKey, definition.sortKey));
      expect(table.Properties.GlobalSecondaryIndexes ?? []).toEqual(
        definition.globalIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: index.projection ?? 'ALL' },
        })),
      );
      const keyAttributes = [definition.partitionKey, definition.sortKey]
        .concat(definition.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]))
        .filter((key) => key !== undefined);
      expect(table.Properties.AttributeDefinitions).toEqual(
        expect.arrayContaining(keyAttributes.map((key) => ({ AttributeName: key.name, AttributeType: key.type }))),
      );
    });

    it('is on-demand, encrypted with the data key, recoverable and protected', () => {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [stateful.getLogicalId(stateful.dataKey.node.defaultChild as CfnElement), 'Arn'] },
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
    });

    it('has the time to live and stream of its definition', () => {
      expect(table.Properties.TimeToLiveSpecification).toEqual(
        definition.timeToLiveAttribute === undefined ? undefined : { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      );
      expect(table.Properties.StreamSpecification).toEqual(definition.stream === undefined ? undefined : { StreamViewType: definition.stream });
    });
  });

  it('rotates the data key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  describe('analytics bucket', () => {
    const bucket = resourceOf(stateful.analyticsBucket);

    it('blocks all public access, is versioned, KMS-encrypted, logged and retained', () => {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        expect.objectContaining({
          ServerSideEncryptionByDefault: expect.objectContaining({ SSEAlgorithm: 'aws:kms' }),
        }),
      ]);
      expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toBeDefined();
      expect(bucket.DeletionPolicy).toBe('Retain');
    });

    it("expires the weekly sweep's scratch objects after two days, old versions a day later", () => {
      expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({
          Status: 'Enabled',
          Prefix: 'sweep-scratch/',
          ExpirationInDays: 2,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        }),
      );
    });

    it('every bucket refuses requests that are not TLS', () => {
      for (const logicalId of Object.keys(template.findResources('AWS::S3::Bucket'))) {
        template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: logicalId },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });
  });
});
