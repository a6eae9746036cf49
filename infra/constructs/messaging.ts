import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterName, type QueueDefinition, type TopicDefinition } from '../resources.ts';

export interface MessagingProps {
  readonly queues: readonly QueueDefinition[];
  readonly topics: readonly TopicDefinition[];
}

/** SQS allows no longer; a dead letter keeps its original enqueue time, so give it all there is. */
const deadLetterRetention = Duration.days(14);

/**
 * The queues and topics of resources.ts. Every queue has a dead-letter queue with an alarm on
 * it; a queue that subscribes to a topic receives its messages raw.
 */
export class Messaging extends Construct {
  /** Encrypts the topics. Messages only pass through it, so it need not outlive the stack. */
  readonly topicKey: Key;
  private readonly queuesById = new Map<string, Queue>();
  private readonly topicsById = new Map<string, Topic>();

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);

    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Comeback: encrypts SNS topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    for (const definition of props.topics) {
      this.topicsById.set(definition.id, new Topic(this, definition.id, { masterKey: this.topicKey, enforceSSL: true }));
    }

    for (const definition of props.queues) {
      const queue = this.createQueue(definition);
      this.queuesById.set(definition.id, queue);
      if (definition.subscribesTo !== undefined) {
        this.topicById(definition.subscribesTo).addSubscription(new SqsSubscription(queue, { rawMessageDelivery: true }));
      }
    }
  }

  queue(definition: QueueDefinition): Queue {
    const queue = this.queuesById.get(definition.id);
    if (!queue) throw new Error(`No queue was built for definition '${definition.id}'`);
    return queue;
  }

  topic(definition: TopicDefinition): Topic {
    return this.topicById(definition.id);
  }

  /**
   * Lets an AWS service of this account (e.g. `sms-voice` for End User Messaging two-way SMS)
   * publish to a topic: the topic policy and the topic key policy both have to allow it.
   */
  allowServiceToPublish(definition: TopicDefinition, servicePrefix: string): void {
    const stack = Stack.of(this);
    const principal = new ServicePrincipal(`${servicePrefix}.amazonaws.com`);
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: servicePrefix,
          resource: '*',
          arnFormat: ArnFormat.NO_RESOURCE_NAME,
        }),
      },
    };
    const topic = this.topic(definition);
    topic.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [principal],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions,
      }),
    );
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [principal],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions,
      }),
    );
  }

  private topicById(id: string): Topic {
    const topic = this.topicsById.get(id);
    if (!topic) throw new Error(`No topic was built for definition '${id}'`);
    return topic;
  }

  private createQueue(definition: QueueDefinition): Queue {
    const deadLetters = new Queue(this, deadLetterName(definition), {
      retentionPeriod: deadLetterRetention,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    new Alarm(this, `${deadLetterName(definition)}-alarm`, {
      alarmDescription: `Messages from ${definition.localName} failed ${definition.maxReceiveCount} times and wait in its dead-letter queue.`,
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    return new Queue(this, definition.id, {
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(definition.retentionDays),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: definition.maxReceiveCount },
    });
  }
}
