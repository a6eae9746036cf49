import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { deadLetterName, queues, tables, topics, type KeyAttribute, type QueueDefinition, type TableDefinition } from '../resources.ts';

/** Creates one table from its definition, unless it exists (a second start reuses the data). */
export const provisionTable = async (dynamo: DynamoDBClient, table: TableDefinition, name = table.localName): Promise<void> => {
  const keys: KeyAttribute[] = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
  for (const index of table.globalIndexes) keys.push(index.partitionKey, ...(index.sortKey ? [index.sortKey] : []));
  const attributes = new Map<string, AttributeDefinition>(keys.map((key) => [key.name, { AttributeName: key.name, AttributeType: key.type }]));
  const keySchema = (partition: KeyAttribute, sort?: KeyAttribute) => [
    { AttributeName: partition.name, KeyType: 'HASH' as const },
    ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : []),
  ];
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()],
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        ...(table.globalIndexes.length > 0 && {
          GlobalSecondaryIndexes: table.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: index.projection ?? 'ALL' },
          })),
        }),
        ...(table.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // A table kept from an older version may lack an index added since: add it, as a deploy would.
  let described = await waitUntilActive(dynamo, name);
  for (const index of table.globalIndexes) {
    if (described.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.indexName)) continue;
    await dynamo.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [...attributes.values()],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.indexName,
              KeySchema: keySchema(index.partitionKey, index.sortKey),
              Projection: { ProjectionType: index.projection ?? 'ALL' },
            },
          },
        ],
      }),
    );
    described = await waitUntilActive(dynamo, name);
  }
  // Time to live as the CDK sets it (DynamoDB Local keeps expired items a while: code filters on the attribute too).
  if (table.timeToLiveAttribute) {
    const { TimeToLiveDescription } = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: name }));
    if (TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await dynamo.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true } }));
    }
  }
};

const waitUntilActive = async (dynamo: DynamoDBClient, name: string) => {
  for (let attempt = 0; attempt < 600; attempt++) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')) return Table;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${name} did not become active`);
};

export const provisionTables = async (dynamo: DynamoDBClient): Promise<void> => {
  await Promise.all(tables.map((table) => provisionTable(dynamo, table)));
};

export interface MessagingAddresses {
  readonly queueUrls: Record<string, string>;
  readonly topicArns: Record<string, string>;
}

const createQueue = async (sqs: SQSClient, queue: QueueDefinition): Promise<string> => {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: deadLetterName(queue),
      Attributes: { MessageRetentionPeriod: String(14 * 86_400) },
    }),
  );
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: queue.localName,
      Attributes: {
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(queue.retentionDays * 86_400),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: queue.maxReceiveCount }),
      },
    }),
  );
  return QueueUrl!;
};

/** Queues (each with its dead-letter queue), topics, and the queues' topic subscriptions. */
export const provisionMessaging = async (sqs: SQSClient, sns: SNSClient): Promise<MessagingAddresses> => {
  const topicArns: Record<string, string> = {};
  for (const topic of topics) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic.localName }));
    topicArns[topic.id] = TopicArn!;
  }
  const queueUrls: Record<string, string> = {};
  for (const queue of queues) {
    queueUrls[queue.id] = await createQueue(sqs, queue);
    if (queue.subscribesTo) {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrls[queue.id], AttributeNames: ['QueueArn'] }));
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArns[queue.subscribesTo],
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
    }
  }
  return { queueUrls, topicArns };
};
