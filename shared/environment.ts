/**
 * Every environment variable Comeback reads, named once. The functions and the CLI read them
 * through shared/app.ts; the CDK constructs, infra/resources.ts and the local stack set them
 * from these same constants, so a name cannot drift between the side that sets and the side
 * that reads. Plain data and zod only: the CDK program imports this file, and no adapter.
 */
import * as z from 'zod';
import { ConfigError, MissingConfigError } from './common/config.ts';
import { channels, type Channel } from './visits/client.ts';
import { parseSendWindow } from './outreach/quiet-hours.ts';

export const envNames = {
  // The tables, queues, topics and bucket (infra/resources.ts gives each its variable from here).
  clientsTable: 'CLIENTS_TABLE',
  visitsTable: 'VISITS_TABLE',
  episodesTable: 'EPISODES_TABLE',
  modelsTable: 'MODELS_TABLE',
  suppressionTable: 'SUPPRESSION_TABLE',
  outreachTable: 'OUTREACH_TABLE',
  answersTable: 'ANSWERS_TABLE',
  catalogueTable: 'CATALOGUE_TABLE',
  followUpsTable: 'FOLLOW_UPS_TABLE',
  callbacksTable: 'CALLBACKS_TABLE',
  outreachQueue: 'OUTREACH_QUEUE_URL',
  smsRepliesQueue: 'SMS_REPLIES_QUEUE_URL',
  smsVoiceEventsQueue: 'SMS_VOICE_EVENTS_QUEUE_URL',
  smsRepliesTopic: 'SMS_REPLIES_TOPIC_ARN',
  smsVoiceEventsTopic: 'SMS_VOICE_EVENTS_TOPIC_ARN',
  whatsAppEventsQueue: 'WHATSAPP_EVENTS_QUEUE_URL',
  whatsAppEventsTopic: 'WHATSAPP_EVENTS_TOPIC_ARN',
  analyticsBucket: 'ANALYTICS_BUCKET',
  // The clinic.
  clinicName: 'CLINIC_NAME',
  clinicLocale: 'COMEBACK_LOCALE',
  clinicTimeZone: 'COMEBACK_TIMEZONE',
  // Sending (README, "Outreach").
  emailFrom: 'EMAIL_FROM',
  emailConfigurationSet: 'EMAIL_CONFIGURATION_SET',
  smsOriginationIdentity: 'SMS_ORIGINATION_IDENTITY',
  smsConfigurationSet: 'SMS_CONFIGURATION_SET',
  voices: 'OUTREACH_VOICES',
  sendWindow: 'OUTREACH_SEND_WINDOW',
  fallbackOrder: 'OUTREACH_FALLBACK_ORDER',
  smsMaxSegments: 'SMS_MAX_SEGMENTS',
  smsMessagesPerSecond: 'SMS_MESSAGES_PER_SECOND',
  sendConcurrency: 'SEND_CONCURRENCY',
  // WhatsApp (End User Messaging Social) and Viber (the clinic's bot): each is on only when set up.
  whatsAppPhoneNumberId: 'WHATSAPP_PHONE_NUMBER_ID',
  whatsAppTemplate: 'WHATSAPP_TEMPLATE',
  whatsAppTemplateFallbackLanguage: 'WHATSAPP_TEMPLATE_FALLBACK_LANGUAGE',
  whatsAppMessagesPerSecond: 'WHATSAPP_MESSAGES_PER_SECOND',
  viberTokenParameter: 'VIBER_TOKEN_PARAMETER',
  viberToken: 'VIBER_TOKEN',
  viberApiUrl: 'VIBER_API_URL',
  viberBotUri: 'VIBER_BOT_URI',
  viberMessagesPerSecond: 'VIBER_MESSAGES_PER_SECOND',
  // Reply links.
  replyBaseUrl: 'REPLY_BASE_URL',
  replySecret: 'REPLY_SECRET',
  replySecretParameter: 'REPLY_SECRET_PARAMETER',
  replyTokenDays: 'REPLY_TOKEN_DAYS',
  // The lapse rule and the sweep.
  lapseCombine: 'LAPSE_COMBINE',
  lapsePAliveBelow: 'LAPSE_P_ALIVE_BELOW',
  lapseRhythmMinVisitDays: 'LAPSE_RHYTHM_MIN_VISIT_DAYS',
  lapseRhythmGapMultiplier: 'LAPSE_RHYTHM_GAP_MULTIPLIER',
  lapseRhythmMinimumDays: 'LAPSE_RHYTHM_MINIMUM_DAYS',
  lapseEarlyDropOutGapMultiple: 'LAPSE_EARLY_DROP_OUT_GAP_MULTIPLE',
  lapseEarlyDropOutMinimumDays: 'LAPSE_EARLY_DROP_OUT_MINIMUM_DAYS',
  outreachCooldownDays: 'OUTREACH_COOLDOWN_DAYS',
  outreachMaxRequests: 'OUTREACH_MAX_REQUESTS',
  outreachControlGroupShare: 'OUTREACH_CONTROL_GROUP_SHARE',
  valueMonthlyDiscountRate: 'VALUE_MONTHLY_DISCOUNT_RATE',
  modelRefitAfterDays: 'MODEL_REFIT_AFTER_DAYS',
  sweepSegmentFunction: 'SWEEP_SEGMENT_FUNCTION',
  sweepSegments: 'SWEEP_SEGMENTS',
  // Analytics.
  exportSegments: 'EXPORT_SEGMENTS',
  athenaWorkGroup: 'ATHENA_WORKGROUP',
  analyticsDatabase: 'ANALYTICS_DATABASE',
  // The optional answer model (README, "Answers the matcher cannot place"): off unless ANSWER_MODEL_ID is set.
  answerModelId: 'ANSWER_MODEL_ID',
  answerModelMonthlyCapUsd: 'ANSWER_MODEL_MONTHLY_CAP_USD',
  answerModelInputPrice: 'ANSWER_MODEL_USD_PER_1000_INPUT_TOKENS',
  answerModelOutputPrice: 'ANSWER_MODEL_USD_PER_1000_OUTPUT_TOKENS',
} as const;

const number = (min: number, max: number) => z.coerce.number().min(min).max(max);
const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const segmentCount = z.coerce
  .number({ error: 'a whole number from 1 to 1000' })
  .int('a whole number from 1 to 1000')
  .min(1, 'a whole number from 1 to 1000')
  .max(1000, 'a whole number from 1 to 1000');
const text = z.string();

/**
 * What each variable may hold, checked only when something reads it: a function is never
 * refused for a variable it does not use. An empty value counts as unset.
 */
export const environmentSchema = z.object({
  [envNames.clientsTable]: text,
  [envNames.visitsTable]: text,
  [envNames.episodesTable]: text,
  [envNames.modelsTable]: text,
  [envNames.suppressionTable]: text,
  [envNames.outreachTable]: text,
  [envNames.answersTable]: text,
  [envNames.catalogueTable]: text,
  [envNames.followUpsTable]: text,
  [envNames.outreachQueue]: text,
  [envNames.smsRepliesQueue]: text,
  [envNames.smsVoiceEventsQueue]: text,
  [envNames.smsRepliesTopic]: text,
  [envNames.smsVoiceEventsTopic]: text,
  [envNames.whatsAppEventsQueue]: text,
  [envNames.whatsAppEventsTopic]: text,
  [envNames.callbacksTable]: text,
  [envNames.analyticsBucket]: text,

  [envNames.clinicName]: text,
  [envNames.clinicLocale]: text,
  [envNames.clinicTimeZone]: text,

  [envNames.emailFrom]: text,
  [envNames.emailConfigurationSet]: text,
  [envNames.smsOriginationIdentity]: text,
  [envNames.smsConfigurationSet]: text,
  [envNames.voices]: z
    .string()
    .regex(/^([a-zA-Z-]+=[A-Z_]+)(,[a-zA-Z-]+=[A-Z_]+)*$/, 'locale=VOICE pairs, e.g. en=JOANNA,ru=TATYANA')
    .transform((pairs): Record<string, string> => Object.fromEntries(pairs.split(',').map((pair) => pair.split('=') as [string, string]))),
  [envNames.sendWindow]: z.string().transform((window, context) => {
    try {
      return parseSendWindow(window);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  [envNames.fallbackOrder]: z
    .string()
    .regex(new RegExp(`^(${channels.join('|')})(,(${channels.join('|')}))*$`), 'channels separated by commas, e.g. email,sms,voice')
    .transform((order) => order.split(',') as Channel[]),
  [envNames.smsMaxSegments]: whole(1, 10),
  [envNames.smsMessagesPerSecond]: number(0.1, 1000),
  [envNames.sendConcurrency]: whole(1, 100),
  [envNames.whatsAppPhoneNumberId]: z
    .string()
    .regex(/^(phone-number-id-[0-9a-zA-Z]+|arn:[\w-]+:social-messaging:[\w-]+:\d{12}:phone-number-id\/[0-9a-zA-Z]+)$/, 'phone-number-id-… or its ARN'),
  [envNames.whatsAppTemplate]: z.string().regex(/^[a-z0-9_]{1,512}$/, 'the approved template’s name: lower-case letters, digits and _'),
  [envNames.whatsAppTemplateFallbackLanguage]: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a Meta template language, e.g. en or en_US'),
  [envNames.whatsAppMessagesPerSecond]: number(0.1, 1000),
  [envNames.viberTokenParameter]: text,
  [envNames.viberToken]: text,
  [envNames.viberApiUrl]: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, '')),
  [envNames.viberBotUri]: z.string().regex(/^[\w.-]{1,64}$/, 'the bot’s URI as Viber gave it (the chatURI of its deep link)'),
  [envNames.viberMessagesPerSecond]: number(0.1, 1000),

  [envNames.replyBaseUrl]: z.string().transform((url) => url.replace(/\/+$/, '')),
  [envNames.replySecret]: text,
  [envNames.replySecretParameter]: text,
  [envNames.replyTokenDays]: whole(1, 365),

  [envNames.lapseCombine]: z.enum(['both', 'either', 'rhythm', 'model']),
  [envNames.lapsePAliveBelow]: number(0.001, 0.999),
  [envNames.lapseRhythmMinVisitDays]: whole(2, 1000),
  [envNames.lapseRhythmGapMultiplier]: number(1, 100),
  [envNames.lapseRhythmMinimumDays]: whole(1, 3650),
  [envNames.lapseEarlyDropOutGapMultiple]: number(1, 100),
  [envNames.lapseEarlyDropOutMinimumDays]: whole(1, 3650),
  [envNames.outreachCooldownDays]: whole(7, 3650),
  [envNames.outreachMaxRequests]: whole(1, 10),
  [envNames.outreachControlGroupShare]: number(0, 0.5),
  [envNames.valueMonthlyDiscountRate]: number(0, 0.5),
  [envNames.modelRefitAfterDays]: whole(1, 365),
  [envNames.sweepSegmentFunction]: text,
  [envNames.sweepSegments]: segmentCount,

  [envNames.exportSegments]: segmentCount,
  [envNames.athenaWorkGroup]: text,
  [envNames.analyticsDatabase]: text,

  [envNames.answerModelId]: z.string().regex(/^[\w.:-]+$/, 'a Bedrock model id, e.g. anthropic.claude-3-haiku-20240307-v1:0'),
  [envNames.answerModelMonthlyCapUsd]: number(0, 100_000),
  [envNames.answerModelInputPrice]: number(0, 1000),
  [envNames.answerModelOutputPrice]: number(0, 1000),
});

export type EnvName = keyof typeof environmentSchema.shape;
export type Settings = z.output<typeof environmentSchema>;

/** The variables as the process was given them (`process.env`, or a test's own record). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** One variable, checked against the schema; undefined when unset. A bad value names the variable, its value and what was expected. */
export const optionalSetting = <N extends EnvName>(env: Environment, name: N): Settings[N] | undefined => {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = environmentSchema.shape[name].safeParse(value);
  if (!parsed.success) throw new ConfigError(`${name}=${value}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data as Settings[N];
};

/** One variable that must be set: a missing one is a MissingConfigError naming it. */
export const requiredSetting = <N extends EnvName>(env: Environment, name: N): Settings[N] => {
  const value = optionalSetting(env, name);
  if (value === undefined) throw new MissingConfigError(name);
  return value;
};
