import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ConfigurationSet, EmailSendingEvent, EventDestination, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { catalogueTable, clientsTable, outreachQueue, outreachTable, suppressionTable, visitsTable } from '../resources.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';
import { useMessengersToSend, type MessengerSettings } from './messengers.ts';
import { envNames } from '../../shared/environment.ts';

/** What a clinic sets at deploy time (CDK context), see README "Outreach". */
export interface OutreachSettings {
  readonly clinicName: string;
  /** A verified SES identity: `Clinic name <care@clinic.example>`. */
  readonly emailFrom: string;
  /** The phone number, sender id or pool of End User Messaging texts and calls come from. */
  readonly smsOriginationIdentity: string;
  /** `locale=VOICE` pairs; voice calls only go to clients whose language is listed. */
  readonly voices: string;
  /** Base URL of the reply page (the links in requests). */
  readonly replyBaseUrl: string;
  /** SSM SecureString with the reply-link signing secret(s), one per line, newest first. */
  readonly replySecretParameter: string;
  /** Default language for clients without one. */
  readonly defaultLocale: string;
  /** What the origination identity may send: 1 for 10DLC, 3 toll-free, 100 short code. */
  readonly smsMessagesPerSecond: number;
}

const sendConcurrency = 2;

export interface SendOutreachProps {
  readonly tables: DataTables;
  readonly outreachQueue: IQueue;
  readonly settings: OutreachSettings;
  /** WhatsApp and Viber, each only when the clinic set it up. @default neither */
  readonly messengers?: MessengerSettings;
}

/**
 * The send function: drains the outreach queue ten jobs at a time, reports each failed job
 * alone (partial batch responses), and at most two instances run at once so the providers'
 * rates hold. Email goes through an SES configuration set whose events (bounce, complaint,
 * delivery, click) go to EventBridge.
 */
export class SendOutreach extends Construct {
  readonly function: ComebackFunction;
  readonly emailConfigurationSet: ConfigurationSet;

  constructor(scope: Construct, id: string, props: SendOutreachProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { settings } = props;

    this.emailConfigurationSet = new ConfigurationSet(this, 'Email', {
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.emailConfigurationSet.addEventDestination('ToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.DELIVERY, EmailSendingEvent.CLICK, EmailSendingEvent.REJECT],
    });

    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/send-outreach/handler.ts',
      description: 'Comeback: sends feedback requests by email, SMS and voice, once each, at a decent hour',
      timeout: Duration.seconds(60),
      environment: {
        [envNames.clinicName]: settings.clinicName,
        [envNames.emailFrom]: settings.emailFrom,
        [envNames.emailConfigurationSet]: this.emailConfigurationSet.configurationSetName,
        [envNames.smsOriginationIdentity]: settings.smsOriginationIdentity,
        [envNames.voices]: settings.voices,
        [envNames.replyBaseUrl]: settings.replyBaseUrl,
        [envNames.clinicLocale]: settings.defaultLocale,
        [envNames.smsMessagesPerSecond]: String(settings.smsMessagesPerSecond),
        // Each of the (at most) two instances takes half of every provider's rate.
        [envNames.sendConcurrency]: String(sendConcurrency),
      },
    });
    const send = this.function;
    send.useTable(clientsTable, props.tables.table(clientsTable), 'read');
    send.useTable(suppressionTable, props.tables.table(suppressionTable), 'read');
    send.useTable(outreachTable, props.tables.table(outreachTable), 'readWrite');
    // Viber's message carries the reasons as buttons, in the reply page's order.
    send.useTable(catalogueTable, props.tables.table(catalogueTable), 'read');
    // The client store wants both table names; sending reads the client item only.
    send.addEnvironment(visitsTable.envVar, props.tables.table(visitsTable).tableName);
    // A job due at night goes back on the queue with a delay.
    send.addEnvironment(outreachQueue.envVar, props.outreachQueue.queueUrl);
    props.outreachQueue.grantSendMessages(send);
    send.addEventSource(new SqsEventSource(props.outreachQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: sendConcurrency }));
    // The send rate comes from SES itself.
    send.addToRolePolicy(new PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));

    const identities = Arn.format({ service: 'ses', resource: 'identity', resourceName: '*' }, stack);
    send.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          identities,
          Arn.format({ service: 'ses', resource: 'configuration-set', resourceName: this.emailConfigurationSet.configurationSetName }, stack),
        ],
      }),
    );
    acknowledgeWildcardResource(
      send.role!,
      identities,
      'SES checks the sender identity at send time; the verified identities of the account are the ones the clinic configured.',
    );
    const smsVoice = Arn.format({ service: 'sms-voice', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }, stack);
    send.addToRolePolicy(new PolicyStatement({ actions: ['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage'], resources: [smsVoice] }));
    acknowledgeWildcardResource(
      send.role!,
      smsVoice,
      'The origination identity (number, sender id or pool) is chosen by configuration; sending is limited to End User Messaging in this account and region.',
    );
    send.useParameter(envNames.replySecretParameter, settings.replySecretParameter);
    // WhatsApp from the clinic's one number, Viber with its bot's token: nothing of either unless set up.
    useMessengersToSend(send, props.messengers ?? {});
  }
}
