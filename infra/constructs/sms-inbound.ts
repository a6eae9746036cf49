import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { useAnswerTables } from './answer-tables.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';
import { envNames } from '../../shared/environment.ts';

/**
 * What a function that answers clients in their conversation needs to build the messenger: the
 * clinic, its sender identities and voices, and its language.
 */
export const messagingEnvironment = (settings: SmsInboundSettings, smsConfigurationSet: string): Record<string, string> => ({
  [envNames.clinicName]: settings.clinicName,
  [envNames.emailFrom]: settings.emailFrom,
  [envNames.smsOriginationIdentity]: settings.smsOriginationIdentity,
  [envNames.voices]: settings.voices,
  [envNames.smsConfigurationSet]: smsConfigurationSet,
  [envNames.clinicLocale]: settings.defaultLocale,
});

/** What the HELP answer and the reply matching need to know about the clinic. */
export interface SmsInboundSettings {
  readonly clinicName: string;
  /** A verified SES identity: the send function's sender (the answer paths answer on their own channel only). */
  readonly emailFrom: string;
  /** The number (or pool) clients text; the HELP answer comes from it. */
  readonly smsOriginationIdentity: string;
  /** `locale=VOICE` pairs, as the send function has them. */
  readonly voices: string;
  /** Language for clients without one. */
  readonly defaultLocale: string;
}

export interface SmsInboundProps {
  readonly tables: DataTables;
  /** The queue subscribed to the two-way SMS topic that End User Messaging publishes to. */
  readonly smsRepliesQueue: IQueue;
  /** The End User Messaging configuration set the HELP answer is sent through (its delivery events). */
  readonly smsConfigurationSet: string;
  readonly settings: SmsInboundSettings;
}

/**
 * Texts clients send back: a reply code or words become an answer on their card (matched to a
 * request through the message it answers, else by the number), STOP-style words put the
 * number on the suppression list, HELP gets the clinic's help text back. Ten texts a batch,
 * each failure reported alone, so one bad text waits in the dead-letter queue and not the rest.
 */
export class SmsInbound extends Construct {
  readonly function: ComebackFunction;

  constructor(scope: Construct, id: string, props: SmsInboundProps) {
    super(scope, id);
    const { settings, tables } = props;

    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/sms-inbound/handler.ts',
      description: 'Comeback: records texts clients send back, honours STOP, answers HELP',
      environment: messagingEnvironment(settings, props.smsConfigurationSet),
    });
    const fn = this.function;
    useAnswerTables(fn, tables, 'name only');

    fn.addEventSource(new SqsEventSource(props.smsRepliesQueue, { batchSize: 10, reportBatchItemFailures: true }));

    const smsVoice = Arn.format({ service: 'sms-voice', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }, Stack.of(this));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: [smsVoice] }));
    acknowledgeWildcardResource(
      fn.role!,
      smsVoice,
      'The HELP answer goes from the origination identity (number, sender id or pool) the clinic configured; texting is limited to End User Messaging in this account and region.',
    );
  }
}
