/**
 * The one composition root: every function and CLI command gets its use cases' dependencies
 * and settings here, from the environment (shared/environment.ts names and checks each
 * variable). Lazy: a part is built, and its variables read, the first time it is asked for,
 * then kept; so a function never needs a variable it does not use, and a warm Lambda reuses
 * what its cold start built. DuckDB stays out (the CLI's cli/local-reports.ts builds it), so
 * the Lambda bundles, which all import this file, never hold it.
 */
import { GetAccountCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { exportPrefix, withKeyPrefix } from './analytics/export-location.ts';
import type { ObjectStore } from './analytics/ports/object-store.ts';
import type { ExportDependencies, ExportSources } from './analytics/use-cases/export.ts';
import { exportVersionOf, type ReportDependencies } from './analytics/use-cases/reports.ts';
import { defaultModelPrices, defaultMonthlyCapUsd } from './answers/model-budget.ts';
import type { AnswerModel } from './answers/ports/answer-model.ts';
import type { AnswerDependencies, SmsDependencies } from './answers/use-cases/answers.ts';
import type { ReplyPageSettings } from './answers/use-cases/reply-page.ts';
import { AthenaQueryEngine } from './aws/athena-query-engine.ts';
import { AccountMessenger, AwsMessenger, SmsVoiceMessenger, type MessengerAccounts } from './aws/aws-messenger.ts';
import { WhatsAppSender } from './aws/whatsapp-sender.ts';
import { DynamoCallbackLedger } from './aws/dynamo-callback-ledger.ts';
import type { CallbackLedger } from './outreach/ports/callback-ledger.ts';
import type { MessengerEventDependencies } from './outreach/use-cases/messenger-events.ts';
import { ViberBotClient, viberTokenFrom } from './viber/viber-bot-client.ts';
import { BedrockAnswerModel } from './aws/bedrock-answer-model.ts';
import { DynamoAnswerStore } from './aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from './aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from './aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from './aws/dynamo-follow-up-store.ts';
import { DynamoLapseStore } from './aws/dynamo-lapse-store.ts';
import { DynamoModelSpend } from './aws/dynamo-model-spend.ts';
import { DynamoModelStore } from './aws/dynamo-model-store.ts';
import { DynamoOutreachLog } from './aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from './aws/dynamo-suppression-list.ts';
import { InProcessSegmentRunner, LambdaSegmentRunner } from './aws/lambda-segment-runner.ts';
import { S3ObjectStore } from './aws/s3-object-store.ts';
import { SqsOutreachQueue } from './aws/sqs-outreach-queue.ts';
import { Pacer, paceHeadroom } from './common/concurrency.ts';
import { ConfigError, MissingConfigError } from './common/config.ts';
import { envNames, optionalSetting, requiredSetting, type EnvName, type Environment, type Settings } from './environment.ts';
import { FolderObjectStore } from './files/folder-object-store.ts';
import { parquetPartitions } from './files/parquet-file.ts';
import { checkLapseRule, defaultLapseRule } from './lapse/lapse-rule.ts';
import type { LapseStore } from './lapse/ports/lapse-store.ts';
import type { ModelStore } from './lapse/ports/model-store.ts';
import type { RuleSetting } from './lapse/tuned-rule.ts';
import { defaultSweepSettings, sweepSegment, type SegmentDependencies, type SweepDependencies, type SweepSettings } from './lapse/use-cases/sweep.ts';
import { classicChannels, defaultFallbackOrder } from './outreach/channel-policy.ts';
import { defaultWhatsAppTemplate } from './outreach/whatsapp-messages.ts';
import { checkOutreachPolicy, defaultOutreachPolicy } from './outreach/eligibility.ts';
import { PacedMessenger } from './outreach/paced-messenger.ts';
import type { OutreachLog } from './outreach/ports/outreach-log.ts';
import type { OutreachQueue } from './outreach/ports/outreach-queue.ts';
import type { SuppressionList } from './outreach/ports/suppression-list.ts';
import { defaultSendWindow } from './outreach/quiet-hours.ts';
import type { SendDependencies, SendSettings } from './outreach/use-cases/send-outreach.ts';
import { checkWordings, shippedWordings } from './outreach/wording.ts';
import type { ClientStore } from './visits/ports/client-store.ts';
import type { Channel } from './visits/client.ts';

export { envNames, environmentSchema, type Environment } from './environment.ts';

/** The clinic's defaults for clients who do not say. */
export interface ClinicDefaults {
  readonly locale: string;
  readonly timeZone: string;
}

/** What the send function needs, once per process: a wording that cannot render fails the cold start. */
export interface Sender {
  readonly settings: SendSettings;
  readonly deps: SendDependencies;
  readonly queue: OutreachQueue;
}

export interface App {
  /** The same wiring, for code that takes parts one by one. */
  readonly context: AppContext;
  readonly clinicDefaults: () => ClinicDefaults;
  readonly clientStore: () => ClientStore;
  readonly lapseStore: () => LapseStore;
  readonly modelStore: () => ModelStore;
  /** The queues the CLI drains on one machine, as the event source mappings do in the cloud. */
  readonly queueUrls: () => { readonly outreach: string; readonly smsReplies: string; readonly smsVoiceEvents: string; readonly whatsAppEvents: string };
  /** The sweep's settings: the defaults, changed by whichever variables are set. */
  readonly sweepSettings: (asOf: string, overrides?: Partial<SweepSettings>) => SweepSettings;
  /** Segments each run as a Lambda when SWEEP_SEGMENT_FUNCTION names one, else in this process. */
  readonly sweepDependencies: () => SweepDependencies;
  readonly segmentDependencies: () => SegmentDependencies;
  readonly sendSettings: () => Promise<SendSettings>;
  readonly sendRates: () => Promise<SendRates>;
  readonly sender: () => Promise<Sender>;
  readonly deliveryDependencies: () => { log: OutreachLog; suppression: SuppressionList };
  /** Everything the answer paths (reply page, inbound SMS, staff, managers) read and write. */
  readonly answerDependencies: () => AnswerDependencies;
  /** The inbound SMS path: the answer stores, and the messenger that answers HELP. */
  readonly smsDependencies: () => SmsDependencies;
  /** WhatsApp's events and clients' messages there. */
  readonly whatsAppEventDependencies: () => MessengerEventDependencies;
  readonly viberCallbacks: () => Promise<ViberCallbacks>;
  /** The answer paths' stores and the lapse episodes: what the staff API and the client card read. */
  readonly staffDependencies: () => AnswerDependencies & { readonly lapses: LapseStore };
  readonly replySecrets: () => Promise<string[]>;
  readonly replyBaseUrl: () => string;
  readonly replyPage: () => Promise<{ settings: ReplyPageSettings; deps: AnswerDependencies }>;
  /** The reports on Athena (the cloud); on one machine the CLI uses DuckDB (cli/local-reports.ts). */
  readonly reportDependencies: () => ReportDependencies;
  /** Everything the export needs; the files go to the analytics bucket under `exports/`. */
  readonly exportDependencies: () => ExportDependencies;
  /** The same export into a folder of this machine (what DuckDB reads). */
  readonly exportToFolder: (folder: string) => ExportDependencies;
}

/** SDK clients a test may give instead of the real ones. */
export interface AppClients {
  readonly ssm?: Pick<SSMClient, 'send'>;
  readonly ses?: Pick<SESv2Client, 'send'>;
}

/**
 * One process's wiring: the environment it reads, the SDK clients a test gives, and each part
 * built so far. A function takes only the parts it uses (`sender(app)`), so its bundle holds
 * only their adapters; `buildApp` offers every part at once, for the CLI and the tests.
 */
export interface AppContext {
  readonly env: Environment;
  readonly clients: AppClients;
  readonly built: Map<unknown, { readonly value: unknown }>;
}

export const appContext = (env: Environment = process.env, clients: AppClients = {}): AppContext => ({ env, clients, built: new Map() });

/**
 * A part is built at most once per context, on first use; a build that throws, or whose promise
 * rejects (a secret that could not be read), is tried again next time, not kept.
 */
const part = <T>(build: (app: AppContext) => T): ((app: AppContext) => T) => {
  const get = (app: AppContext): T => {
    let built = app.built.get(get);
    if (!built) {
      const value = build(app);
      built = { value };
      app.built.set(get, built);
      if (value instanceof Promise) {
        const kept = built;
        value.catch(() => {
          if (app.built.get(get) === kept) app.built.delete(get);
        });
      }
    }
    return built.value as T;
  };
  return get;
};

const optional = <N extends EnvName>(app: AppContext, name: N): Settings[N] | undefined => optionalSetting(app.env, name);
const required = <N extends EnvName>(app: AppContext, name: N): Settings[N] => requiredSetting(app.env, name);

export const clinicDefaults = /* @__PURE__ */ part(
  (app): ClinicDefaults => ({ locale: optional(app, envNames.clinicLocale) ?? 'en', timeZone: optional(app, envNames.clinicTimeZone) ?? 'UTC' }),
);
export const clientStore = /* @__PURE__ */ part(
  (app): ClientStore => new DynamoClientStore({ clients: required(app, envNames.clientsTable), visits: required(app, envNames.visitsTable) }),
);
export const lapseStore = /* @__PURE__ */ part(
  (app): LapseStore => new DynamoLapseStore({ clients: required(app, envNames.clientsTable), episodes: required(app, envNames.episodesTable) }),
);
export const modelStore = /* @__PURE__ */ part((app): ModelStore => new DynamoModelStore(required(app, envNames.modelsTable)));
const suppressionList = /* @__PURE__ */ part((app): SuppressionList => new DynamoSuppressionList(required(app, envNames.suppressionTable)));
const outreachLog = /* @__PURE__ */ part((app): OutreachLog => new DynamoOutreachLog(required(app, envNames.outreachTable)));
const answerStore = /* @__PURE__ */ part((app) => new DynamoAnswerStore(required(app, envNames.answersTable)));
const catalogueStore = /* @__PURE__ */ part((app) => new DynamoCatalogueStore(required(app, envNames.catalogueTable)));
const followUpStore = /* @__PURE__ */ part((app) => new DynamoFollowUpStore(required(app, envNames.followUpsTable)));
const outreachQueue = /* @__PURE__ */ part((app): OutreachQueue => new SqsOutreachQueue(required(app, envNames.outreachQueue)));
const analyticsObjects = /* @__PURE__ */ part((app): ObjectStore => new S3ObjectStore(required(app, envNames.analyticsBucket)));

/** The queues the CLI drains on one machine, as the event source mappings do in the cloud. */
export const queueUrls = /* @__PURE__ */ part((app) => ({
  outreach: required(app, envNames.outreachQueue),
  smsReplies: required(app, envNames.smsRepliesQueue),
  smsVoiceEvents: required(app, envNames.smsVoiceEventsQueue),
  whatsAppEvents: required(app, envNames.whatsAppEventsQueue),
}));

/** The lapse rule from the defaults and whichever variables are set, and which settings those are. */
export const lapseRuleSettings = /* @__PURE__ */ part((app): Pick<SweepSettings, 'lapseRule' | 'fixedRuleSettings'> => {
  const rhythm = defaultLapseRule.rhythm;
  const fixed: [RuleSetting, EnvName][] = [
    ['combine', envNames.lapseCombine],
    ['pAliveBelow', envNames.lapsePAliveBelow],
    ['rhythmGapMultiplier', envNames.lapseRhythmGapMultiplier],
    ['rhythmMinimumDays', envNames.lapseRhythmMinimumDays],
    ['earlyDropOutGapMultiple', envNames.lapseEarlyDropOutGapMultiple],
    ['earlyDropOutMinimumDays', envNames.lapseEarlyDropOutMinimumDays],
  ];
  return {
    fixedRuleSettings: fixed.filter(([, name]) => optional(app, name) !== undefined).map(([setting]) => setting),
    lapseRule: checkLapseRule({
      ...defaultLapseRule,
      combine: optional(app, envNames.lapseCombine) ?? defaultLapseRule.combine,
      pAliveBelow: optional(app, envNames.lapsePAliveBelow) ?? defaultLapseRule.pAliveBelow,
      rhythm: {
        ...rhythm,
        minVisitDays: optional(app, envNames.lapseRhythmMinVisitDays) ?? rhythm.minVisitDays,
        longGapMultiplier: optional(app, envNames.lapseRhythmGapMultiplier) ?? rhythm.longGapMultiplier,
        minimumDays: optional(app, envNames.lapseRhythmMinimumDays) ?? rhythm.minimumDays,
      },
      earlyDropOut: {
        gapMultiple: optional(app, envNames.lapseEarlyDropOutGapMultiple) ?? defaultLapseRule.earlyDropOut.gapMultiple,
        minimumDays: optional(app, envNames.lapseEarlyDropOutMinimumDays) ?? defaultLapseRule.earlyDropOut.minimumDays,
      },
    }),
  };
});

/** The sweep's settings: the defaults, changed by whichever variables are set. */
export const sweepSettings = (app: AppContext, asOf: string, overrides: Partial<SweepSettings> = {}): SweepSettings => {
  const base = defaultSweepSettings(asOf);
  return {
    ...base,
    ...lapseRuleSettings(app),
    outreach: checkOutreachPolicy({
      ...defaultOutreachPolicy,
      cooldownDays: optional(app, envNames.outreachCooldownDays) ?? defaultOutreachPolicy.cooldownDays,
      maxRequestsPerEpisode: optional(app, envNames.outreachMaxRequests) ?? defaultOutreachPolicy.maxRequestsPerEpisode,
      controlGroupShare: optional(app, envNames.outreachControlGroupShare) ?? defaultOutreachPolicy.controlGroupShare,
    }),
    monthlyDiscountRate: optional(app, envNames.valueMonthlyDiscountRate) ?? base.monthlyDiscountRate,
    refitAfterDays: optional(app, envNames.modelRefitAfterDays) ?? base.refitAfterDays,
    ...overrides,
  };
};

export const segmentDependencies = /* @__PURE__ */ part(
  (app): SegmentDependencies => ({
    clients: clientStore(app),
    lapses: lapseStore(app),
    suppression: suppressionList(app),
    queue: outreachQueue(app),
    objects: analyticsObjects(app),
  }),
);

/** Segments each run as a Lambda when SWEEP_SEGMENT_FUNCTION names one, else in this process. */
export const sweepDependencies = /* @__PURE__ */ part((app): SweepDependencies => {
  const segmentFunction = optional(app, envNames.sweepSegmentFunction);
  return {
    models: modelStore(app),
    clients: clientStore(app),
    segments: segmentFunction
      ? new LambdaSegmentRunner(segmentFunction)
      : new InProcessSegmentRunner((request) => sweepSegment(request, segmentDependencies(app))),
    objects: analyticsObjects(app),
    totalSegments: optional(app, envNames.sweepSegments) ?? (segmentFunction ? 16 : 4),
  };
});

/**
 * The reply-link signing secrets, newest first: REPLY_SECRET on one machine, or the SSM
 * SecureString named by REPLY_SECRET_PARAMETER in the cloud (one secret per line).
 */
export const replySecrets = /* @__PURE__ */ part(async (app): Promise<string[]> => {
  const parameter = optional(app, envNames.replySecretParameter);
  const text = parameter
    ? (await (app.clients.ssm ?? new SSMClient({})).send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter?.Value
    : required(app, envNames.replySecret);
  const secrets = (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (secrets.length === 0 || secrets.some((secret) => secret.length < 32)) throw new ConfigError('the reply secret must be at least 32 characters');
  return secrets;
});

export const replyBaseUrl = (app: AppContext): string => required(app, envNames.replyBaseUrl);

const voices = (app: AppContext): Record<string, string> => optional(app, envNames.voices) ?? {};

/** Email, texts and calls always; WhatsApp once a number is set up, Viber once a bot's token is. */
const offeredChannels = (app: AppContext): ReadonlySet<Channel> =>
  new Set<Channel>([
    ...classicChannels,
    ...(optional(app, envNames.whatsAppPhoneNumberId) ? (['whatsapp'] as const) : []),
    ...(optional(app, envNames.viberTokenParameter) || optional(app, envNames.viberToken) ? (['viber'] as const) : []),
  ]);

/**
 * The Viber bot's token: VIBER_TOKEN on one machine, or the SSM SecureString named by
 * VIBER_TOKEN_PARAMETER in the cloud, read once and never logged. Undefined: no bot.
 */
const viberToken = /* @__PURE__ */ part((app): (() => Promise<string>) | undefined => {
  const parameter = optional(app, envNames.viberTokenParameter);
  if (parameter) return viberTokenFrom(app.clients.ssm ?? new SSMClient({}), parameter);
  const token = optional(app, envNames.viberToken);
  return token === undefined ? undefined : () => Promise.resolve(token);
});

/** The clinic's WhatsApp number, once set up. */
const whatsAppAccount = /* @__PURE__ */ part((app): Pick<MessengerAccounts, 'whatsApp'> => {
  const phoneNumberId = optional(app, envNames.whatsAppPhoneNumberId);
  return { ...(phoneNumberId && { whatsApp: new WhatsAppSender({ originationPhoneNumberId: phoneNumberId }) }) };
});

/** The clinic's Viber bot, once its token is set up. */
const viberAccount = /* @__PURE__ */ part((app): Pick<MessengerAccounts, 'viber'> => {
  const token = viberToken(app);
  const viberApi = optional(app, envNames.viberApiUrl);
  return {
    ...(token && { viber: new ViberBotClient({ senderName: required(app, envNames.clinicName), token, ...(viberApi && { baseUrl: viberApi }) }) }),
  };
});

export const sendSettings = /* @__PURE__ */ part(async (app): Promise<SendSettings> => {
  const window = optional(app, envNames.sendWindow) ?? defaultSendWindow;
  const settings: SendSettings = {
    clinicName: required(app, envNames.clinicName),
    defaultLocale: clinicDefaults(app).locale,
    window,
    channelPolicy: {
      fallbackOrder: optional(app, envNames.fallbackOrder) ?? [...defaultFallbackOrder],
      voiceLocales: new Set(Object.keys(voices(app))),
      offered: offeredChannels(app),
    },
    maxSmsSegments: optional(app, envNames.smsMaxSegments) ?? 3,
    replyBaseUrl: required(app, envNames.replyBaseUrl),
    tokenSecrets: await replySecrets(app),
    tokenDays: optional(app, envNames.replyTokenDays) ?? 30,
    wordings: shippedWordings,
    whatsAppTemplate: {
      name: optional(app, envNames.whatsAppTemplate) ?? defaultWhatsAppTemplate,
      fallbackLanguage: optional(app, envNames.whatsAppTemplateFallbackLanguage) ?? 'en',
    },
  };
  // A wording that cannot be sent fails here, when the function starts, not at the first send.
  checkWordings(settings.wordings, settings.clinicName, settings.maxSmsSegments);
  return settings;
});

/** What Viber's webhook needs: the bot's token, the reply secrets (they sign deep links), the ledger of callbacks taken. */
export interface ViberCallbacks {
  readonly token: string;
  readonly secrets: readonly string[];
  readonly ledger: CallbackLedger;
  readonly deps: MessengerEventDependencies;
}

/** Messages per second, per channel's provider. */
export interface SendRates {
  readonly email: number;
  readonly phone: number;
  readonly whatsapp: number;
  readonly viber: number;
}

/**
 * Meta's default throughput for a WhatsApp business number; a clinic whose number was raised
 * (or that shares it with the WhatsApp Business app, 20) says so in WHATSAPP_MESSAGES_PER_SECOND.
 */
const defaultWhatsAppMessagesPerSecond = 80;
/** Viber documents no account-wide rate for bots: a modest one, raised by VIBER_MESSAGES_PER_SECOND. */
const defaultViberMessagesPerSecond = 10;

/**
 * Each sending process's share of the providers' rates: SES's own send rate (GetAccount,
 * never hard-coded), the origination identity's messages per second (SMS_MESSAGES_PER_SECOND,
 * 1 for a 10DLC number), the WhatsApp number's and the Viber bot's, divided by how many
 * processes send at once (SEND_CONCURRENCY).
 */
export const sendRates = /* @__PURE__ */ part(async (app): Promise<SendRates> => {
  const { SendQuota } = await (app.clients.ses ?? new SESv2Client({})).send(new GetAccountCommand({}));
  if (!SendQuota?.MaxSendRate) throw new ConfigError('SES did not say its send rate (GetAccount has no SendQuota)');
  const share = (optional(app, envNames.sendConcurrency) ?? 1) / paceHeadroom;
  return {
    email: SendQuota.MaxSendRate / share,
    phone: (optional(app, envNames.smsMessagesPerSecond) ?? 1) / share,
    whatsapp: (optional(app, envNames.whatsAppMessagesPerSecond) ?? defaultWhatsAppMessagesPerSecond) / share,
    viber: (optional(app, envNames.viberMessagesPerSecond) ?? defaultViberMessagesPerSecond) / share,
  };
});

const smsVoiceConfig = (app: AppContext) => {
  const smsConfigurationSet = optional(app, envNames.smsConfigurationSet);
  return {
    originationIdentity: required(app, envNames.smsOriginationIdentity),
    voices: voices(app),
    ...(smsConfigurationSet && { smsConfigurationSet }),
  };
};

/** Every channel: what the send function sends with. */
const messenger = /* @__PURE__ */ part((app): AwsMessenger => {
  const emailConfigurationSet = optional(app, envNames.emailConfigurationSet);
  return new AwsMessenger(
    {
      fromAddress: required(app, envNames.emailFrom),
      ...smsVoiceConfig(app),
      ...(emailConfigurationSet && { emailConfigurationSet }),
    },
    undefined,
    undefined,
    { ...whatsAppAccount(app), ...viberAccount(app) },
  );
});

/** Texts only: what the inbound SMS path answers HELP with (no email client, no messengers). */
const textMessenger = /* @__PURE__ */ part((app) => new SmsVoiceMessenger(smsVoiceConfig(app)));

const sendDependencies = /* @__PURE__ */ part(async (app): Promise<SendDependencies> => {
  const rates = await sendRates(app);
  return {
    clients: clientStore(app),
    suppression: suppressionList(app),
    log: outreachLog(app),
    catalogue: catalogueStore(app),
    messenger: new PacedMessenger(messenger(app), {
      email: new Pacer(rates.email),
      phone: new Pacer(rates.phone),
      whatsapp: new Pacer(rates.whatsapp),
      viber: new Pacer(rates.viber),
    }),
  };
});

export const sender = /* @__PURE__ */ part(
  async (app): Promise<Sender> => ({ settings: await sendSettings(app), deps: await sendDependencies(app), queue: outreachQueue(app) }),
);

export const deliveryDependencies = /* @__PURE__ */ part((app) => ({ log: outreachLog(app), suppression: suppressionList(app) }));

/**
 * The optional cloud stage for answers the matcher cannot place: a Bedrock model, with its
 * monthly spend kept in the catalogue table. Undefined (off) unless ANSWER_MODEL_ID names one.
 */
export const answerModel = /* @__PURE__ */ part((app): AnswerModel | undefined => {
  const modelId = optional(app, envNames.answerModelId);
  if (modelId === undefined) return undefined;
  const settings = {
    modelId,
    monthlyCapUsd: optional(app, envNames.answerModelMonthlyCapUsd) ?? defaultMonthlyCapUsd,
    prices: {
      inputPer1000Tokens: optional(app, envNames.answerModelInputPrice) ?? defaultModelPrices.inputPer1000Tokens,
      outputPer1000Tokens: optional(app, envNames.answerModelOutputPrice) ?? defaultModelPrices.outputPer1000Tokens,
    },
  };
  return new BedrockAnswerModel(settings, new DynamoModelSpend(required(app, envNames.catalogueTable)));
});

/** Everything the answer paths (reply page, inbound SMS, staff, managers) read and write. */
export const answerDependencies = /* @__PURE__ */ part((app): AnswerDependencies => {
  const model = answerModel(app);
  return {
    answers: answerStore(app),
    catalogue: catalogueStore(app),
    followUps: followUpStore(app),
    clients: clientStore(app),
    suppression: suppressionList(app),
    log: outreachLog(app),
    ...(model && { answerModel: model }),
  };
});

/** The inbound SMS path: the answer stores, and the messenger that answers HELP. */
export const smsDependencies = /* @__PURE__ */ part(
  (app): SmsDependencies => ({ ...answerDependencies(app), messenger: textMessenger(app), clinicName: required(app, envNames.clinicName) }),
);

/**
 * A messenger's events and messages: the answer stores, the queue a request goes back to, and
 * the clinic's account there, which answers in the conversation. Each messenger's function
 * holds only its own account (WhatsApp's does not read the Viber token, nor bundle SSM).
 */
const messengerEvents = (app: AppContext, accounts: MessengerAccounts): MessengerEventDependencies => ({
  ...answerDependencies(app),
  queue: outreachQueue(app),
  messenger: new AccountMessenger(accounts),
  clinicName: required(app, envNames.clinicName),
});

/** WhatsApp's events and clients' messages there, answered through the clinic's WhatsApp number. */
export const whatsAppEventDependencies = /* @__PURE__ */ part((app) => messengerEvents(app, whatsAppAccount(app)));

/** Viber's callbacks, answered through the clinic's bot. */
const viberEventDependencies = /* @__PURE__ */ part((app) => messengerEvents(app, viberAccount(app)));

/** Viber's webhook: the bot's token (it signs every callback), the ledger of callbacks taken, and what they change. */
export const viberCallbacks = /* @__PURE__ */ part(async (app): Promise<ViberCallbacks> => {
  const token = viberToken(app);
  if (!token) throw new MissingConfigError(`${envNames.viberTokenParameter} (or ${envNames.viberToken} on one machine)`);
  return {
    token: await token(),
    secrets: await replySecrets(app),
    ledger: new DynamoCallbackLedger(required(app, envNames.callbacksTable)),
    deps: viberEventDependencies(app),
  };
});

/** The answer paths' stores and the lapse episodes: what the staff API and the client card read. */
export const staffDependencies = /* @__PURE__ */ part((app) => ({ ...answerDependencies(app), lapses: lapseStore(app) }));

export const replyPage = /* @__PURE__ */ part(
  async (app): Promise<{ settings: ReplyPageSettings; deps: AnswerDependencies }> => ({
    settings: {
      clinicName: required(app, envNames.clinicName),
      tokenSecrets: await replySecrets(app),
      ...(optional(app, envNames.viberBotUri) && { viberBotUri: optional(app, envNames.viberBotUri)! }),
    },
    deps: answerDependencies(app),
  }),
);

/** The reports on Athena (the cloud); on one machine the CLI uses DuckDB (cli/local-reports.ts). */
export const reportDependencies = /* @__PURE__ */ part(
  (app): ReportDependencies => ({
    engine: new AthenaQueryEngine({ workGroup: required(app, envNames.athenaWorkGroup), database: required(app, envNames.analyticsDatabase) }),
    dialect: 'trino',
    exportVersion: exportVersionOf(withKeyPrefix(analyticsObjects(app), exportPrefix)),
  }),
);

const exportSources = /* @__PURE__ */ part(
  (app): ExportSources => ({
    clients: clientStore(app),
    lapses: lapseStore(app),
    outreach: outreachLog(app),
    answers: answerStore(app),
    catalogue: catalogueStore(app),
    lapseRisk: { models: modelStore(app), ...lapseRuleSettings(app) },
  }),
);

const exportTo = (app: AppContext, objects: ObjectStore): ExportDependencies => ({
  ...exportSources(app),
  objects,
  partitionFormat: parquetPartitions,
  totalSegments: optional(app, envNames.exportSegments) ?? 4,
});

/** Everything the export needs; the files go to the analytics bucket under `exports/`. */
export const exportDependencies = /* @__PURE__ */ part((app) => exportTo(app, withKeyPrefix(analyticsObjects(app), exportPrefix)));

/** The same export into a folder of this machine (what DuckDB reads). */
export const exportToFolder = (app: AppContext, folder: string): ExportDependencies => exportTo(app, new FolderObjectStore(folder));

/** Every part at once, for the CLI and the tests (a function takes only its own parts from an AppContext). */
export const buildApp = (env: Environment = process.env, clients: AppClients = {}): App => {
  const app = appContext(env, clients);
  return {
    context: app,
    clinicDefaults: () => clinicDefaults(app),
    clientStore: () => clientStore(app),
    lapseStore: () => lapseStore(app),
    modelStore: () => modelStore(app),
    queueUrls: () => queueUrls(app),
    sweepSettings: (asOf, overrides) => sweepSettings(app, asOf, overrides),
    sweepDependencies: () => sweepDependencies(app),
    segmentDependencies: () => segmentDependencies(app),
    sendSettings: () => sendSettings(app),
    sendRates: () => sendRates(app),
    sender: () => sender(app),
    deliveryDependencies: () => deliveryDependencies(app),
    answerDependencies: () => answerDependencies(app),
    smsDependencies: () => smsDependencies(app),
    whatsAppEventDependencies: () => whatsAppEventDependencies(app),
    viberCallbacks: () => viberCallbacks(app),
    staffDependencies: () => staffDependencies(app),
    replySecrets: () => replySecrets(app),
    replyBaseUrl: () => replyBaseUrl(app),
    replyPage: () => replyPage(app),
    reportDependencies: () => reportDependencies(app),
    exportDependencies: () => exportDependencies(app),
    exportToFolder: (folder) => exportToFolder(app, folder),
  };
};
