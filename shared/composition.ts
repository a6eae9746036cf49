import { z } from 'zod';
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PacedMessenger } from './outreach/paced-messenger.ts';
import { Pacer, paceHeadroom } from './common/concurrency.ts';
import { analyticsBucket, answersTable, catalogueTable, clientsTable, episodesTable, followUpsTable, modelsTable, outreachQueue, outreachTable, suppressionTable, visitsTable } from '../infra/resources.ts';
import { DynamoAnswerStore } from './aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from './aws/dynamo-catalogue-store.ts';
import { DynamoFollowUpStore } from './aws/dynamo-follow-up-store.ts';
import type { AnswerDependencies, SmsDependencies } from './answers/use-cases/answers.ts';
import { AwsMessenger } from './aws/aws-messenger.ts';
import { DynamoOutreachLog } from './aws/dynamo-outreach-log.ts';
import { defaultFallbackOrder } from './outreach/channel-policy.ts';
import type { Channel } from './visits/client.ts';
import { checkWordings, shippedWordings } from './outreach/wording.ts';
import { defaultSendWindow, parseSendWindow } from './outreach/quiet-hours.ts';
import type { SendDependencies, SendSettings } from './outreach/use-cases/send-outreach.ts';
import { DynamoClientStore } from './aws/dynamo-client-store.ts';
import { DynamoLapseStore } from './aws/dynamo-lapse-store.ts';
import { DynamoModelStore } from './aws/dynamo-model-store.ts';
import { DynamoSuppressionList } from './aws/dynamo-suppression-list.ts';
import { InProcessSegmentRunner, LambdaSegmentRunner } from './aws/lambda-segment-runner.ts';
import { S3ObjectStore } from './aws/s3-object-store.ts';
import { SqsOutreachQueue } from './aws/sqs-outreach-queue.ts';
import { requiredEnv, ConfigError } from './common/config.ts';
import { checkLapseRule, defaultLapseRule } from './lapse/lapse-rule.ts';
import { checkOutreachPolicy, defaultOutreachPolicy } from './outreach/eligibility.ts';
import type { ClientStore } from './visits/ports/client-store.ts';
import { defaultSweepSettings, sweepSegment, type SegmentDependencies, type SweepDependencies, type SweepSettings } from './lapse/use-cases/sweep.ts';

/** The store the functions and the CLI use, with table names from the environment. */
export const clientStoreFromEnv = (): ClientStore =>
  new DynamoClientStore({ clients: requiredEnv(clientsTable.envVar), visits: requiredEnv(visitsTable.envVar) });

/** The clinic's defaults for clients who do not say (COMEBACK_LOCALE, COMEBACK_TIMEZONE). */
export const clinicDefaults = (): { locale: string; timeZone: string } => ({
  locale: process.env.COMEBACK_LOCALE ?? 'en',
  timeZone: process.env.COMEBACK_TIMEZONE ?? 'UTC',
});

const number = (min: number, max: number) => z.coerce.number().min(min).max(max);
const whole = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every setting of the sweep that a clinic may change, by environment variable. */
const sweepVariables = {
  LAPSE_COMBINE: z.enum(['both', 'either', 'rhythm', 'model']),
  LAPSE_P_ALIVE_BELOW: number(0.001, 0.999),
  LAPSE_RHYTHM_MIN_VISIT_DAYS: whole(2, 1000),
  LAPSE_RHYTHM_GAP_MULTIPLIER: number(1, 100),
  LAPSE_RHYTHM_MINIMUM_DAYS: whole(1, 3650),
  OUTREACH_COOLDOWN_DAYS: whole(7, 3650),
  OUTREACH_MAX_REQUESTS: whole(1, 10),
  OUTREACH_CONTROL_GROUP_SHARE: number(0, 0.5),
  VALUE_MONTHLY_DISCOUNT_RATE: number(0, 0.5),
  MODEL_REFIT_AFTER_DAYS: whole(1, 365),
} as const;

type SweepVariable = keyof typeof sweepVariables;

/** A setting from the environment, checked against its schema; undefined when unset. */
const readSetting = <S extends Record<string, z.ZodType>, V extends keyof S & string>(schemas: S, name: V): z.output<S[V]> | undefined => {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const parsed = schemas[name]!.safeParse(text);
  if (!parsed.success) throw new ConfigError(`${name}=${text}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data as z.output<S[V]>;
};

const readVariable = <V extends SweepVariable>(name: V) => readSetting(sweepVariables, name);

/** The sweep's settings: the defaults, changed by whichever variables are set. */
export const sweepSettingsFromEnv = (asOf: string, overrides: Partial<SweepSettings> = {}): SweepSettings => {
  const base = defaultSweepSettings(asOf);
  const rhythm = defaultLapseRule.rhythm;
  return {
    ...base,
    lapseRule: checkLapseRule({
      ...defaultLapseRule,
      combine: readVariable('LAPSE_COMBINE') ?? defaultLapseRule.combine,
      pAliveBelow: readVariable('LAPSE_P_ALIVE_BELOW') ?? defaultLapseRule.pAliveBelow,
      rhythm: {
        ...rhythm,
        minVisitDays: readVariable('LAPSE_RHYTHM_MIN_VISIT_DAYS') ?? rhythm.minVisitDays,
        longGapMultiplier: readVariable('LAPSE_RHYTHM_GAP_MULTIPLIER') ?? rhythm.longGapMultiplier,
        minimumDays: readVariable('LAPSE_RHYTHM_MINIMUM_DAYS') ?? rhythm.minimumDays,
      },
    }),
    outreach: checkOutreachPolicy({
      ...defaultOutreachPolicy,
      cooldownDays: readVariable('OUTREACH_COOLDOWN_DAYS') ?? defaultOutreachPolicy.cooldownDays,
      maxRequestsPerEpisode: readVariable('OUTREACH_MAX_REQUESTS') ?? defaultOutreachPolicy.maxRequestsPerEpisode,
      controlGroupShare: readVariable('OUTREACH_CONTROL_GROUP_SHARE') ?? defaultOutreachPolicy.controlGroupShare,
    }),
    monthlyDiscountRate: readVariable('VALUE_MONTHLY_DISCOUNT_RATE') ?? base.monthlyDiscountRate,
    refitAfterDays: readVariable('MODEL_REFIT_AFTER_DAYS') ?? base.refitAfterDays,
    ...overrides,
  };
};

export const lapseStoreFromEnv = (): DynamoLapseStore =>
  new DynamoLapseStore({ clients: requiredEnv(clientsTable.envVar), episodes: requiredEnv(episodesTable.envVar) });

export const modelStoreFromEnv = (): DynamoModelStore => new DynamoModelStore(requiredEnv(modelsTable.envVar));

export const segmentDependenciesFromEnv = (): SegmentDependencies => ({
  clients: clientStoreFromEnv(),
  lapses: lapseStoreFromEnv(),
  suppression: new DynamoSuppressionList(requiredEnv(suppressionTable.envVar)),
  queue: new SqsOutreachQueue(requiredEnv(outreachQueue.envVar)),
  objects: new S3ObjectStore(requiredEnv(analyticsBucket.envVar)),
});

/** Segments each run as a Lambda when SWEEP_SEGMENT_FUNCTION names one, else in this process. */
export const sweepDependenciesFromEnv = (): SweepDependencies => {
  const segmentFunction = process.env.SWEEP_SEGMENT_FUNCTION;
  const totalSegments = Number(process.env.SWEEP_SEGMENTS ?? (segmentFunction ? 16 : 4));
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > 1000) {
    throw new ConfigError(`SWEEP_SEGMENTS=${process.env.SWEEP_SEGMENTS}: a whole number from 1 to 1000`);
  }
  const segments = segmentFunction
    ? new LambdaSegmentRunner(segmentFunction)
    : new InProcessSegmentRunner((request) => sweepSegment(request, segmentDependenciesFromEnv()));
  return {
    models: modelStoreFromEnv(),
    segments,
    objects: new S3ObjectStore(requiredEnv(analyticsBucket.envVar)),
    totalSegments,
  };
};

/** Settings of the send function, by environment variable (see README, "Outreach"). */
const sendVariables = {
  OUTREACH_SEND_WINDOW: z.string(),
  OUTREACH_FALLBACK_ORDER: z.string().regex(/^(email|sms|voice)(,(email|sms|voice))*$/, 'channels separated by commas, e.g. email,sms,voice'),
  OUTREACH_VOICES: z.string().regex(/^([a-zA-Z-]+=[A-Z_]+)(,[a-zA-Z-]+=[A-Z_]+)*$/, 'locale=VOICE pairs, e.g. en=JOANNA,ru=TATYANA'),
  SMS_MAX_SEGMENTS: whole(1, 10),
  SMS_MESSAGES_PER_SECOND: number(0.1, 1000),
  SEND_CONCURRENCY: whole(1, 100),
  REPLY_TOKEN_DAYS: whole(1, 365),
} as const;

const readSendVariable = <V extends keyof typeof sendVariables>(name: V) => readSetting(sendVariables, name);

const voicesFromEnv = (): Record<string, string> =>
  Object.fromEntries((readSendVariable('OUTREACH_VOICES') ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));

/**
 * The reply-link signing secrets, newest first: REPLY_SECRET on one machine, or the SSM
 * SecureString named by REPLY_SECRET_PARAMETER in the cloud (one secret per line).
 */
export const replySecretsFromEnv = async (ssm: Pick<SSMClient, 'send'> = new SSMClient({})): Promise<string[]> => {
  const parameter = process.env.REPLY_SECRET_PARAMETER;
  const text = parameter
    ? (await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter?.Value
    : requiredEnv('REPLY_SECRET');
  const secrets = (text ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
  if (secrets.length === 0 || secrets.some((secret) => secret.length < 32)) throw new ConfigError('the reply secret must be at least 32 characters');
  return secrets;
};

export const sendSettingsFromEnv = async (): Promise<SendSettings> => {
  let window;
  try {
    window = readSendVariable('OUTREACH_SEND_WINDOW') ? parseSendWindow(readSendVariable('OUTREACH_SEND_WINDOW')!) : defaultSendWindow;
  } catch (error) {
    throw new ConfigError(`OUTREACH_SEND_WINDOW: ${(error as Error).message}`);
  }
  const voices = voicesFromEnv();
  const settings: SendSettings = {
    clinicName: requiredEnv('CLINIC_NAME'),
    defaultLocale: clinicDefaults().locale,
    window,
    channelPolicy: {
      fallbackOrder: (readSendVariable('OUTREACH_FALLBACK_ORDER') ?? defaultFallbackOrder.join(',')).split(',') as Channel[],
      voiceLocales: new Set(Object.keys(voices)),
    },
    maxSmsSegments: readSendVariable('SMS_MAX_SEGMENTS') ?? 3,
    replyBaseUrl: requiredEnv('REPLY_BASE_URL').replace(/\/+$/, ''),
    tokenSecrets: await replySecretsFromEnv(),
    tokenDays: readSendVariable('REPLY_TOKEN_DAYS') ?? 30,
    wordings: shippedWordings,
  };
  // A wording that cannot be sent fails here, when the function starts, not at the first send.
  checkWordings(settings.wordings, settings.clinicName, settings.maxSmsSegments);
  return settings;
};

/**
 * Each sending process's share of the providers' rates: SES's own send rate (GetAccount,
 * never hard-coded) and the origination identity's messages per second (SMS_MESSAGES_PER_SECOND,
 * 1 for a 10DLC number), divided by how many processes send at once (SEND_CONCURRENCY).
 */
export const sendRatesFromEnv = async (ses: Pick<SESv2Client, 'send'> = new SESv2Client({})): Promise<{ email: number; phone: number }> => {
  const { SendQuota } = await ses.send(new GetAccountCommand({}));
  if (!SendQuota?.MaxSendRate) throw new ConfigError('SES did not say its send rate (GetAccount has no SendQuota)');
  const share = (readSendVariable('SEND_CONCURRENCY') ?? 1) / paceHeadroom;
  return { email: SendQuota.MaxSendRate / share, phone: (readSendVariable('SMS_MESSAGES_PER_SECOND') ?? 1) / share };
};

const awsMessengerFromEnv = (): AwsMessenger =>
  new AwsMessenger({
    fromAddress: requiredEnv('EMAIL_FROM'),
    originationIdentity: requiredEnv('SMS_ORIGINATION_IDENTITY'),
    voices: voicesFromEnv(),
    ...(process.env.EMAIL_CONFIGURATION_SET && { emailConfigurationSet: process.env.EMAIL_CONFIGURATION_SET }),
    ...(process.env.SMS_CONFIGURATION_SET && { smsConfigurationSet: process.env.SMS_CONFIGURATION_SET }),
  });

export const sendDependenciesFromEnv = async (): Promise<SendDependencies> => {
  const rates = await sendRatesFromEnv();
  const messenger = awsMessengerFromEnv();
  return {
    clients: clientStoreFromEnv(),
    suppression: new DynamoSuppressionList(requiredEnv(suppressionTable.envVar)),
    log: new DynamoOutreachLog(requiredEnv(outreachTable.envVar)),
    messenger: new PacedMessenger(messenger, { email: new Pacer(rates.email), phone: new Pacer(rates.phone) }),
  };
};

export const outreachQueueFromEnv = (): SqsOutreachQueue => new SqsOutreachQueue(requiredEnv(outreachQueue.envVar));

export const deliveryDependenciesFromEnv = (): { log: DynamoOutreachLog; suppression: DynamoSuppressionList } => ({
  log: new DynamoOutreachLog(requiredEnv(outreachTable.envVar)),
  suppression: new DynamoSuppressionList(requiredEnv(suppressionTable.envVar)),
});

/** Everything the answer paths (reply page, inbound SMS, staff, managers) read and write. */
export const answerDependenciesFromEnv = (): AnswerDependencies => ({
  answers: new DynamoAnswerStore(requiredEnv(answersTable.envVar)),
  catalogue: new DynamoCatalogueStore(requiredEnv(catalogueTable.envVar)),
  followUps: new DynamoFollowUpStore(requiredEnv(followUpsTable.envVar)),
  clients: clientStoreFromEnv(),
  suppression: new DynamoSuppressionList(requiredEnv(suppressionTable.envVar)),
  log: new DynamoOutreachLog(requiredEnv(outreachTable.envVar)),
});

/** The inbound SMS path: the answer stores, and the messenger that answers HELP. */
export const smsDependenciesFromEnv = (): SmsDependencies => ({
  ...answerDependenciesFromEnv(),
  messenger: awsMessengerFromEnv(),
  clinicName: requiredEnv('CLINIC_NAME'),
});
