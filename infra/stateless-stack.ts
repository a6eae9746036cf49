import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AnalyticsExport } from './constructs/analytics-export.ts';
import { useAnswerModel, type AnswerModelSettings } from './constructs/answer-model.ts';
import { AnalyticsQuery } from './constructs/analytics-query.ts';
import { ClinicApi } from './constructs/clinic-api.ts';
import { ClinicConsole, type ConsoleCustomDomain } from './constructs/console.ts';
import type { DataTables } from './constructs/data-tables.ts';
import { Messaging } from './constructs/messaging.ts';
import { Messengers, type MessengerSettings } from './constructs/messengers.ts';
import { RecordVisits } from './constructs/record-visits.ts';
import { ReplyWeb } from './constructs/reply-web.ts';
import { SendOutreach, type OutreachSettings } from './constructs/send-outreach.ts';
import { SmsInbound } from './constructs/sms-inbound.ts';
import { StaffApi } from './constructs/staff-api.ts';
import { WeeklySweep } from './constructs/weekly-sweep.ts';
import { DeliveryEvents } from './constructs/delivery-events.ts';
import {
  outreachQueue,
  queues,
  smsRepliesQueue,
  smsRepliesTopic,
  smsVoiceEventsQueue,
  smsVoiceEventsTopic,
  topics,
  whatsAppEventsQueue,
  whatsAppEventsTopic,
} from './resources.ts';
import { envNames } from '../shared/environment.ts';

/**
 * The clinic's outreach settings as deployed: without `replyBaseUrl` (a custom domain of the
 * clinic's), the links in requests point at the reply page's own API.
 */
export type OutreachContext = Omit<OutreachSettings, 'replyBaseUrl'> & { readonly replyBaseUrl?: string };

/** The web console as deployed (CDK context `consoleDomainPrefix`, `consoleDomainName` and `consoleCertificateArn`, `clinicCurrency`). */
export interface ConsoleContext {
  /** The managed login's domain prefix. @default comeback-<account id> */
  readonly signInDomainPrefix?: string;
  /** @default the distribution's `*.cloudfront.net` name */
  readonly customDomain?: ConsoleCustomDomain;
  /** ISO 4217 code of the clinic's money, as the console shows amounts. */
  readonly currency: string;
}

/** What the stateless stack uses from the stateful one. */
export interface StatelessStackProps extends StackProps {
  readonly tables: DataTables;
  readonly analyticsBucket: IBucket;
  /** Where Athena writes the reports' query results. */
  readonly queryResultsBucket: IBucket;
  readonly dataKey: IKey;
  /** IANA time zone of the clinic (CDK context `clinicTimeZone`): the sweep runs on its clock. */
  readonly clinicTimeZone: string;
  readonly outreach: OutreachContext;
  /** Staff and managers sign in here to use the staff API. */
  readonly staffUserPool: IUserPool;
  /** The app clients whose tokens the staff API accepts (the web console's own client is added). */
  readonly staffUserPoolClients: readonly IUserPoolClient[];
  readonly console: ConsoleContext;
  /** The earliest export day Athena looks for (CDK context `analyticsFirstDay`). @default 2020-01-01 */
  readonly analyticsFirstDay?: string;
  /** The optional Bedrock stage for answers the matcher cannot place (CDK context `answerModel`). @default off */
  readonly answerModel?: AnswerModelSettings;
  /** WhatsApp and Viber (CDK context `whatsApp…`, `viber…`), each only when set up. @default neither */
  readonly messengers?: MessengerSettings;
}

/** Functions, APIs and messaging: everything that can be replaced without losing data. */
export class StatelessStack extends Stack {
  readonly messaging: Messaging;
  readonly clinicApi: ClinicApi;
  readonly recordVisits: RecordVisits;
  readonly weeklySweep: WeeklySweep;
  readonly sendOutreach: SendOutreach;
  readonly deliveryEvents: DeliveryEvents;
  readonly replyWeb: ReplyWeb;
  readonly smsInbound: SmsInbound;
  readonly messengers: Messengers;
  readonly staffApi: StaffApi;
  readonly console: ClinicConsole;
  readonly analyticsExport: AnalyticsExport;
  readonly analyticsQuery: AnalyticsQuery;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    this.messaging = new Messaging(this, 'Messaging', { queues, topics });
    // End User Messaging publishes inbound two-way SMS to this topic.
    this.messaging.allowServiceToPublish(smsRepliesTopic, 'sms-voice');
    // ...and SMS and voice delivery events to this one.
    this.messaging.allowServiceToPublish(smsVoiceEventsTopic, 'sms-voice');
    // ...and End User Messaging Social a WhatsApp business account's statuses and messages to this one.
    this.messaging.allowServiceToPublish(whatsAppEventsTopic, 'social-messaging');

    this.clinicApi = new ClinicApi(this, 'ClinicApi');
    this.recordVisits = new RecordVisits(this, 'RecordVisits', { api: this.clinicApi, tables: props.tables });

    this.weeklySweep = new WeeklySweep(this, 'WeeklySweep', {
      tables: props.tables,
      outreachQueue: this.messaging.queue(outreachQueue),
      analyticsBucket: props.analyticsBucket,
      clinicTimeZone: props.clinicTimeZone,
    });

    const { outreach } = props;
    const messengers = props.messengers ?? {};
    this.replyWeb = new ReplyWeb(this, 'ReplyWeb', {
      tables: props.tables,
      settings: { clinicName: outreach.clinicName, replySecretParameter: outreach.replySecretParameter, defaultLocale: outreach.defaultLocale },
    });

    this.sendOutreach = new SendOutreach(this, 'SendOutreach', {
      tables: props.tables,
      outreachQueue: this.messaging.queue(outreachQueue),
      settings: { ...outreach, replyBaseUrl: outreach.replyBaseUrl ?? this.replyWeb.url },
      messengers,
    });

    this.deliveryEvents = new DeliveryEvents(this, 'DeliveryEvents', {
      tables: props.tables,
      smsVoiceEventsTopic: this.messaging.topic(smsVoiceEventsTopic),
      smsVoiceEventsQueue: this.messaging.queue(smsVoiceEventsQueue),
    });
    this.sendOutreach.function.addEnvironment(envNames.smsConfigurationSet, this.deliveryEvents.smsConfigurationSet.ref);

    const clinic = {
      clinicName: outreach.clinicName,
      emailFrom: outreach.emailFrom,
      smsOriginationIdentity: outreach.smsOriginationIdentity,
      voices: outreach.voices,
      defaultLocale: outreach.defaultLocale,
    };
    this.smsInbound = new SmsInbound(this, 'SmsInbound', {
      tables: props.tables,
      smsRepliesQueue: this.messaging.queue(smsRepliesQueue),
      smsConfigurationSet: this.deliveryEvents.smsConfigurationSet.ref,
      settings: clinic,
    });

    this.messengers = new Messengers(this, 'Messengers', {
      tables: props.tables,
      settings: messengers,
      clinic,
      smsConfigurationSet: this.deliveryEvents.smsConfigurationSet.ref,
      whatsAppEventsTopic: this.messaging.topic(whatsAppEventsTopic),
      whatsAppEventsQueue: this.messaging.queue(whatsAppEventsQueue),
      outreachQueue: this.messaging.queue(outreachQueue),
      replyWeb: this.replyWeb,
      replySecretParameter: outreach.replySecretParameter,
    });

    // The reply page offers clients who agreed to Viber the bot's deep link.
    if (messengers.viber?.botUri) this.replyWeb.function.addEnvironment(envNames.viberBotUri, messengers.viber.botUri);

    // The paths where clients' own words arrive may ask the model about words the matcher cannot
    // place; staff always pick a reason, so the staff API never does.
    if (props.answerModel) {
      useAnswerModel(this.replyWeb.function, props.answerModel);
      useAnswerModel(this.smsInbound.function, props.answerModel);
      useAnswerModel(this.messengers.whatsAppEvents, props.answerModel);
      useAnswerModel(this.messengers.viberCallbacks, props.answerModel);
    }

    // The console's sign-in returns to the distribution, the API's CORS names it, and the
    // console's config names the API: distribution and client first, the files last.
    this.console = new ClinicConsole(this, 'Console', {
      userPool: props.staffUserPool,
      signInDomainPrefix: props.console.signInDomainPrefix,
      customDomain: props.console.customDomain,
    });
    this.staffApi = new StaffApi(this, 'StaffApi', {
      tables: props.tables,
      userPool: props.staffUserPool,
      userPoolClients: [...props.staffUserPoolClients, this.console.client],
      consoleOrigin: this.console.origin,
    });
    this.console.publish({
      apiUrl: this.staffApi.url,
      timeZone: props.clinicTimeZone,
      locale: outreach.defaultLocale,
      currency: props.console.currency,
    });

    this.analyticsExport = new AnalyticsExport(this, 'AnalyticsExport', {
      tables: props.tables,
      analyticsBucket: props.analyticsBucket,
      clinicTimeZone: props.clinicTimeZone,
    });
    this.analyticsQuery = new AnalyticsQuery(this, 'AnalyticsQuery', {
      analyticsBucket: props.analyticsBucket,
      resultsBucket: props.queryResultsBucket,
      staffApi: this.staffApi,
      firstPartitionDay: props.analyticsFirstDay,
    });

    new CfnOutput(this, 'ClinicApiUrl', {
      description: 'Base URL of the clinic API (requests must be SigV4-signed)',
      value: this.clinicApi.url,
    });
    new CfnOutput(this, 'ReplyPageUrl', {
      description: 'Base URL of the reply page (public); the links in requests use it unless replyBaseUrl names another',
      value: this.replyWeb.url,
    });
    new CfnOutput(this, 'SmsRepliesTopicArn', {
      description: "Two-way SMS destination: set it as the origination number's two-way channel so texts clients send back are recorded",
      value: this.messaging.topic(smsRepliesTopic).topicArn,
    });
    new CfnOutput(this, 'WhatsAppEventsTopicArn', {
      description:
        "WhatsApp event destination: the business account's statuses and clients' messages (set by the deployment when whatsAppBusinessAccountId is given)",
      value: this.messaging.topic(whatsAppEventsTopic).topicArn,
    });
    new CfnOutput(this, 'ViberWebhookUrl', {
      description: "Viber webhook: set it as the clinic bot's webhook (set_webhook) once the bot's token is in SSM",
      value: this.messengers.viberWebhookUrl,
    });
    new CfnOutput(this, 'StaffApiUrl', {
      description: "Base URL of the staff and managers' API (a Cognito token from the UserPoolClientId app client or the console's)",
      value: this.staffApi.url,
    });
    new CfnOutput(this, 'ConsoleUrl', {
      description: 'The clinic web console: staff and managers sign in with their user pool account',
      value: this.console.url,
    });
    new CfnOutput(this, 'ConsoleSignInDomain', {
      description: "The console's sign-in (Cognito managed login) domain",
      value: this.console.signInUrl,
    });
    new CfnOutput(this, 'AnalyticsDatabase', {
      description: 'Glue database of the daily export (one table per exported table, dt by partition projection)',
      value: this.analyticsQuery.database.ref,
    });
    new CfnOutput(this, 'AthenaWorkGroup', {
      description: "Athena workgroup of the managers' reports (encrypted results, bytes-scanned cutoff)",
      value: this.analyticsQuery.workGroup.ref,
    });
    new CfnOutput(this, 'AnalyticsExportFunction', {
      description: 'The daily export function: invoke it with {"rewriteAll": true} to write every partition again, or {"day": "YYYY-MM-DD"}',
      value: this.analyticsExport.function.functionName,
    });
  }
}
