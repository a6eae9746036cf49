import { Arn, Duration, Stack } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId, type AwsSdkCall } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { callbacksTable, outreachQueue } from '../resources.ts';
import { useAnswerTables } from './answer-tables.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';
import type { ReplyWeb } from './reply-web.ts';
import { messagingEnvironment, type SmsInboundSettings } from './sms-inbound.ts';
import { envNames } from '../../shared/environment.ts';

/** The clinic's WhatsApp number on End User Messaging Social (CDK context `whatsApp…`): on when the number is given. */
export interface WhatsAppSettings {
  /** `phone-number-id-…` or its ARN: the one number the functions may send from. */
  readonly phoneNumberId: string;
  /** `waba-…` (or its ARN): given, the deployment points the business account's events at the topic. */
  readonly businessAccountId?: string;
  /** The approved template of the first message. @default the one shared/app.ts names */
  readonly template?: string;
  /** Template language for clients whose own Meta has not. @default en */
  readonly templateFallbackLanguage?: string;
  /** The number's throughput. @default Meta's default, 80 */
  readonly messagesPerSecond?: number;
}

/** The clinic's Viber bot (CDK context `viber…`): on when the token's parameter is given. */
export interface ViberSettings {
  /** SSM SecureString with the bot's token (encrypted with the default aws/ssm key). */
  readonly tokenParameter: string;
  /** The bot's URI, for the deep link clients subscribe through. */
  readonly botUri?: string;
  /** @default 10 */
  readonly messagesPerSecond?: number;
}

/**
 * Each messenger is off unless the clinic set it up: no sending right, no number or token, no
 * event destination. The two event functions and the webhook route always exist (they answer
 * nothing until a messenger is on), so turning one on is a context change, not a new stack shape.
 */
export interface MessengerSettings {
  readonly whatsApp?: WhatsAppSettings;
  readonly viber?: ViberSettings;
}

const phoneNumberIdPrefix = 'phone-number-id-';
const businessAccountIdPrefix = 'waba-';

/**
 * The number's ARN, the resource of `SendWhatsAppMessage`: `phone-number-id/<id>` where the id
 * loses its `phone-number-id-` prefix; an ARN in the settings is taken as it is.
 */
const whatsAppPhoneNumberArn = (scope: IConstruct, phoneNumberId: string): string =>
  phoneNumberId.startsWith('arn:')
    ? phoneNumberId
    : Arn.format({ service: 'social-messaging', resource: 'phone-number-id', resourceName: phoneNumberId.replace(phoneNumberIdPrefix, '') }, Stack.of(scope));

/** The business account's ARN: `waba/<id>`, the id without its `waba-` prefix (the API's own pattern). */
const whatsAppBusinessAccountArn = (scope: IConstruct, businessAccountId: string): string =>
  businessAccountId.startsWith('arn:')
    ? businessAccountId
    : Arn.format({ service: 'social-messaging', resource: 'waba', resourceName: businessAccountId.replace(businessAccountIdPrefix, '') }, Stack.of(scope));

/** Lets a function send WhatsApp messages from the clinic's number, that one only, and names it. */
const useWhatsAppNumber = (fn: ComebackFunction, whatsApp: WhatsAppSettings): void => {
  fn.addEnvironment(envNames.whatsAppPhoneNumberId, whatsApp.phoneNumberId);
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['social-messaging:SendWhatsAppMessage'], resources: [whatsAppPhoneNumberArn(fn, whatsApp.phoneNumberId)] }),
  );
};

/** Lets a function read the Viber bot's token, that parameter only, and names it. */
const useViberToken = (fn: ComebackFunction, viber: ViberSettings): void => fn.useParameter(envNames.viberTokenParameter, viber.tokenParameter);

/** What the send function needs of the messengers the clinic set up: their settings, their sending rights. */
export const useMessengersToSend = (fn: ComebackFunction, settings: MessengerSettings): void => {
  const { whatsApp, viber } = settings;
  const optional: [string, string | number | undefined][] = [
    [envNames.whatsAppTemplate, whatsApp?.template],
    [envNames.whatsAppTemplateFallbackLanguage, whatsApp?.templateFallbackLanguage],
    [envNames.whatsAppMessagesPerSecond, whatsApp?.messagesPerSecond],
    [envNames.viberBotUri, viber?.botUri],
    [envNames.viberMessagesPerSecond, viber?.messagesPerSecond],
  ];
  for (const [name, value] of optional) if (value !== undefined) fn.addEnvironment(name, String(value));
  if (whatsApp) useWhatsAppNumber(fn, whatsApp);
  if (viber) useViberToken(fn, viber);
};

/**
 * Viber's callbacks beside the reply page's routes: a wave of requests brings a delivered and a
 * seen callback per message, so the route has a rate of its own, and a client opening a link
 * never waits behind them. Viber retries a callback that was throttled.
 */
const viberCallbackThrottle: ThrottleSettings = { rateLimit: 50, burstLimit: 100 };
const viberCallbackPath = '/viber/callback';

export interface MessengersProps {
  readonly tables: DataTables;
  readonly settings: MessengerSettings;
  /** What the inbound SMS function knows of the clinic: the messenger is built for every channel. */
  readonly clinic: SmsInboundSettings;
  /** The End User Messaging configuration set texts go through. */
  readonly smsConfigurationSet: string;
  /** Where End User Messaging Social publishes the business account's events. */
  readonly whatsAppEventsTopic: ITopic;
  /** The queue subscribed to that topic. */
  readonly whatsAppEventsQueue: IQueue;
  /** A job for a number that is not on WhatsApp goes back here, for the next channel. */
  readonly outreachQueue: IQueue;
  /** Viber's webhook is a public route of the reply page's API. */
  readonly replyWeb: ReplyWeb;
  /** SSM SecureString with the reply-link signing secret(s): they sign Viber deep links too. */
  readonly replySecretParameter: string;
}

/**
 * WhatsApp and Viber's way back: the whatsapp-events function drains the WhatsApp events queue
 * (statuses and clients' messages, ten a batch, each failure reported alone), and the
 * viber-callbacks function takes the bot's signed webhook calls on the reply page's API. Both
 * record answers as the SMS path does. Given a business account, its event destination is set
 * to the topic (there is no CloudFormation resource for it).
 */
export class Messengers extends Construct {
  readonly whatsAppEvents: ComebackFunction;
  readonly viberCallbacks: ComebackFunction;
  /** Where Viber's webhook is set (`set_webhook`). */
  readonly viberWebhookUrl: string;
  /** Points the business account's events at the topic; only when the clinic named the account. */
  readonly eventDestination?: AwsCustomResource;

  constructor(scope: Construct, id: string, props: MessengersProps) {
    super(scope, id);
    const { clinic, settings, tables } = props;

    // Both record what clients say as the SMS path does, answer in the conversation through the
    // clinic's own account on that messenger, and put a request for a client who is not on the
    // messenger back on the outreach queue for the next channel.
    const eventFunction = (functionId: string, entry: string, description: string): ComebackFunction => {
      const fn = new ComebackFunction(this, functionId, {
        entry,
        description,
        timeout: Duration.seconds(30),
        environment: { ...messagingEnvironment(clinic, props.smsConfigurationSet), [outreachQueue.envVar]: props.outreachQueue.queueUrl },
      });
      // A status writes the request's fate (outreach) and stops a dead address (suppression).
      // A messenger's statuses and stops are recorded on the request, as delivery events are.
      useAnswerTables(fn, tables, 'name only', 'readWrite');
      props.outreachQueue.grantSendMessages(fn);
      return fn;
    };

    this.whatsAppEvents = eventFunction(
      'WhatsAppEvents',
      'functions/whatsapp-events/handler.ts',
      'Comeback: records WhatsApp statuses and the messages clients send back, honours STOP',
    );
    this.whatsAppEvents.addEventSource(new SqsEventSource(props.whatsAppEventsQueue, { batchSize: 10, reportBatchItemFailures: true }));
    // The reasons list goes back to a client who wrote, from the clinic's number.
    if (settings.whatsApp) useWhatsAppNumber(this.whatsAppEvents, settings.whatsApp);

    this.viberCallbacks = eventFunction(
      'ViberCallbacks',
      'functions/viber-callbacks/handler.ts',
      "Comeback: takes the Viber bot's signed callbacks: subscriptions, statuses and clients' messages",
    );
    const viber = this.viberCallbacks;
    viber.useTable(callbacksTable, tables.table(callbacksTable), 'readWrite');
    // The deep link a client subscribes through carries a token signed with the reply secret.
    viber.useParameter(envNames.replySecretParameter, props.replySecretParameter);
    // Without a bot the function fails every call before reading anything; the route still exists.
    if (settings.viber) useViberToken(viber, settings.viber);
    this.viberWebhookUrl = props.replyWeb.addSignedCallback({
      id: 'ViberCallback',
      path: viberCallbackPath,
      handler: viber,
      throttle: viberCallbackThrottle,
      credential:
        "Viber's servers call the bot's webhook with no AWS credentials; every body carries an HMAC-SHA256 signature with the bot's token, and the function verifies it (and refuses a replayed body) before reading anything.",
    });

    const account = settings.whatsApp?.businessAccountId;
    if (account !== undefined) this.eventDestination = this.pointEventsAt(account, props.whatsAppEventsTopic);
  }

  /**
   * `PutWhatsAppBusinessAccountEventDestinations` on create and update, an empty list on
   * delete. The handler calls `@aws-sdk/client-socialmessaging` in Lambda's own SDK (no
   * install at deploy time); its role may call this one action on this one account.
   */
  private pointEventsAt(businessAccountId: string, topic: ITopic): AwsCustomResource {
    const call = (destinations: { eventDestinationArn: string }[]): AwsSdkCall => ({
      service: 'SocialMessaging',
      action: 'putWhatsAppBusinessAccountEventDestinations',
      parameters: { id: businessAccountId, eventDestinations: destinations },
      physicalResourceId: PhysicalResourceId.of(`${businessAccountId}-event-destination`),
    });
    // A role and a log group of our own, so the CDK's handler gets no managed policy.
    const logGroup = new LogGroup(this, 'EventDestinationLogs', { retention: RetentionDays.ONE_MONTH });
    const role = new Role(this, 'EventDestinationRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const destination = new AwsCustomResource(this, 'EventDestination', {
      resourceType: 'Custom::WhatsAppEventDestination',
      onCreate: call([{ eventDestinationArn: topic.topicArn }]),
      onUpdate: call([{ eventDestinationArn: topic.topicArn }]),
      onDelete: call([]),
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: ['social-messaging:PutWhatsAppBusinessAccountEventDestinations'],
          resources: [whatsAppBusinessAccountArn(this, businessAccountId)],
        }),
      ]),
      role,
      logGroup,
      installLatestAwsSdk: false,
    });
    // Events flow from the first moment: the topic's policy (a child of the topic) is in place.
    destination.node.addDependency(topic);
    return destination;
  }
}
