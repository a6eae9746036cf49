import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { CfnConfigurationSet } from 'aws-cdk-lib/aws-smsvoice';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { outreachTable, suppressionTable } from '../resources.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';

export interface DeliveryEventsProps {
  readonly tables: DataTables;
  /** Where End User Messaging publishes SMS and voice events. */
  readonly smsVoiceEventsTopic: ITopic;
  /** The queue subscribed to that topic, which the function drains. */
  readonly smsVoiceEventsQueue: IQueue;
}

/**
 * What providers say after a send, recorded on the request and the suppression list: SES
 * events arrive through EventBridge (the email configuration set sends them to the default
 * bus), SMS and voice events through an End User Messaging configuration set, SNS and an SQS
 * queue. Events that fail after the retries wait in a dead-letter queue: the email ones in
 * `failedEvents`, the SMS and voice ones in their queue's own.
 */
export class DeliveryEvents extends Construct {
  readonly function: ComebackFunction;
  readonly smsConfigurationSet: CfnConfigurationSet;
  readonly failedEvents: Queue;

  constructor(scope: Construct, id: string, props: DeliveryEventsProps) {
    super(scope, id);
    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/delivery-events/handler.ts',
      description: 'Comeback: records deliveries, bounces, complaints and clicks; suppresses dead addresses',
      timeout: Duration.seconds(30),
    });
    this.function.useTable(outreachTable, props.tables.table(outreachTable), 'readWrite');
    this.function.useTable(suppressionTable, props.tables.table(suppressionTable), 'readWrite');

    this.failedEvents = new Queue(this, 'FailedEvents', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    Validations.of(this.failedEvents).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the SES events rule target; it has none of its own.',
    });

    new Alarm(this, 'FailedEventsAlarm', {
      alarmDescription: 'An email event (bounce, complaint, delivery) could not be recorded after its retries: it waits in the failed-events queue.',
      metric: this.failedEvents.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    new Rule(this, 'EmailEvents', {
      description: 'Comeback: SES deliveries, bounces, complaints, clicks and rejects',
      eventPattern: { source: ['aws.ses'], detailType: ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Clicked', 'Email Rejected'] },
      targets: [new LambdaFunction(this.function, { retryAttempts: 8, maxEventAge: Duration.hours(24), deadLetterQueue: this.failedEvents })],
    });

    this.function.addEventSource(new SqsEventSource(props.smsVoiceEventsQueue, { batchSize: 10, reportBatchItemFailures: true }));
    this.smsConfigurationSet = new CfnConfigurationSet(this, 'SmsVoice', {
      eventDestinations: [
        {
          eventDestinationName: 'comeback-delivery',
          enabled: true,
          matchingEventTypes: ['TEXT_ALL', 'VOICE_ALL'],
          snsDestination: { topicArn: props.smsVoiceEventsTopic.topicArn },
        },
      ],
    });
  }
}
