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
import type { ReportDependencies } from './analytics/use-cases/reports.ts';
import type { AnswerDependencies, SmsDependencies } from './answers/use-cases/answers.ts';
import type { ReplyPageSettings } from './answers/use-cases/reply-page.ts';
import { AthenaQueryEngine } from './aws/athena-query-engine.ts';
import { AwsMessenger } from './aws/aws-messenger.ts';
import { DynamoAnswerStore } from './aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from './aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from './aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from './aws/dynamo-follow-up-store.ts';
import { DynamoLapseStore } from './aws/dynamo-lapse-store.ts';
import { DynamoModelStore } from './aws/dynamo-model-store.ts';
import { DynamoOutreachLog } from './aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from './aws/dynamo-suppression-list.ts';
import { InProcessSegmentRunner, LambdaSegmentRunner } from './aws/lambda-segment-runner.ts';
import { S3ObjectStore } from './aws/s3-object-store.ts';
import { SqsOutreachQueue } from './aws/sqs-outreach-queue.ts';
import { Pacer, paceHeadroom } from './common/concurrency.ts';
import { ConfigError } from './common/config.ts';
import { envNames, optionalSetting, requiredSetting, type EnvName, type Environment, type Settings } from './environment.ts';
import { FolderObjectStore } from './files/folder-object-store.ts';
import { parquetPartitions } from './files/parquet-file.ts';
import { checkLapseRule, defaultLapseRule } from './lapse/lapse-rule.ts';
import type { LapseStore } from './lapse/ports/lapse-store.ts';
import type { ModelStore } from './lapse/ports/model-store.ts';
import { defaultSweepSettings, sweepSegment, type SegmentDependencies, type SweepDependencies, type SweepSettings } from './lapse/use-cases/sweep.ts';
import { defaultFallbackOrder } from './outreach/channel-policy.ts';
import { checkOutreachPolicy, defaultOutreachPolicy } from './outreach/eligibility.ts';
import { PacedMessenger } from './outreach/paced-messenger.ts';
import type { OutreachLog } from './outreach/ports/outreach-log.ts';
import type { OutreachQueue } from './outreach/ports/outreach-queue.ts';
import type { SuppressionList } from './outreach/ports/suppression-list.ts';
import { defaultSendWindow } from './outreach/quiet-hours.ts';
import type { SendDependencies, SendSettings } from './outreach/use-cases/send-outreach.ts';
import { checkWordings, shippedWordings } from './outreach/wording.ts';
import type { ClientStore } from './visits/ports/client-store.ts';

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
  readonly clinicDefaults: () => ClinicDefaults;
  readonly clientStore: () => ClientStore;
  readonly lapseStore: () => LapseStore;
  readonly modelStore: () => ModelStore;
  /** The queues the CLI drains on one machine, as the event source mappings do in the cloud. */
  readonly queueUrls: () => { readonly outreach: string; readonly smsReplies: string; readonly smsVoiceEvents: string };
  /** The sweep's settings: the defaults, changed by whichever variables are set. */
  readonly sweepSettings: (asOf: string, overrides?: Partial<SweepSettings>) => SweepSettings;
  /** Segments each run as a Lambda when SWEEP_SEGMENT_FUNCTION names one, else in this process. */
  readonly sweepDependencies: () => SweepDependencies;
  readonly segmentDependencies: () => SegmentDependencies;
  readonly sendSettings: () => Promise<SendSettings>;
  readonly sendRates: () => Promise<{ email: number; phone: number }>;
  readonly sender: () => Promise<Sender>;
  readonly deliveryDependencies: () => { log: OutreachLog; suppression: SuppressionList };
  /** Everything the answer paths (reply page, inbound SMS, staff, managers) read and write. */
  readonly answerDependencies: () => AnswerDependencies;
  /** The inbound SMS path: the answer stores, and the messenger that answers HELP. */
  readonly smsDependencies: () => SmsDependencies;
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

/** Built at most once, on first use; a build that throws is tried again next time. */
const once = <T>(build: () => T): (() => T) => {
  let built: { readonly value: T } | undefined;
  return () => (built ??= { value: build() }).value;
};

export const buildApp = (env: Environment = process.env, clients: AppClients = {}): App => {
  const optional = <N extends EnvName>(name: N): Settings[N] | undefined => optionalSetting(env, name);
  const required = <N extends EnvName>(name: N): Settings[N] => requiredSetting(env, name);

  const clinicDefaults = once(() => ({ locale: optional(envNames.clinicLocale) ?? 'en', timeZone: optional(envNames.clinicTimeZone) ?? 'UTC' }));
  const clientStore = once(() => new DynamoClientStore({ clients: required(envNames.clientsTable), visits: required(envNames.visitsTable) }));
  const lapseStore = once(() => new DynamoLapseStore({ clients: required(envNames.clientsTable), episodes: required(envNames.episodesTable) }));
  const modelStore = once(() => new DynamoModelStore(required(envNames.modelsTable)));
  const suppressionList = once(() => new DynamoSuppressionList(required(envNames.suppressionTable)));
  const outreachLog = once(() => new DynamoOutreachLog(required(envNames.outreachTable)));
  const answerStore = once(() => new DynamoAnswerStore(required(envNames.answersTable)));
  const catalogueStore = once(() => new DynamoCatalogueStore(required(envNames.catalogueTable)));
  const followUpStore = once(() => new DynamoFollowUpStore(required(envNames.followUpsTable)));
  const outreachQueue = once(() => new SqsOutreachQueue(required(envNames.outreachQueue)));
  const analyticsObjects = once(() => new S3ObjectStore(required(envNames.analyticsBucket)));

  const sweepSettings = (asOf: string, overrides: Partial<SweepSettings> = {}): SweepSettings => {
    const base = defaultSweepSettings(asOf);
    const rhythm = defaultLapseRule.rhythm;
    return {
      ...base,
      lapseRule: checkLapseRule({
        ...defaultLapseRule,
        combine: optional(envNames.lapseCombine) ?? defaultLapseRule.combine,
        pAliveBelow: optional(envNames.lapsePAliveBelow) ?? defaultLapseRule.pAliveBelow,
        rhythm: {
          ...rhythm,
          minVisitDays: optional(envNames.lapseRhythmMinVisitDays) ?? rhythm.minVisitDays,
          longGapMultiplier: optional(envNames.lapseRhythmGapMultiplier) ?? rhythm.longGapMultiplier,
          minimumDays: optional(envNames.lapseRhythmMinimumDays) ?? rhythm.minimumDays,
        },
      }),
      outreach: checkOutreachPolicy({
        ...defaultOutreachPolicy,
        cooldownDays: optional(envNames.outreachCooldownDays) ?? defaultOutreachPolicy.cooldownDays,
        maxRequestsPerEpisode: optional(envNames.outreachMaxRequests) ?? defaultOutreachPolicy.maxRequestsPerEpisode,
        controlGroupShare: optional(envNames.outreachControlGroupShare) ?? defaultOutreachPolicy.controlGroupShare,
      }),
      monthlyDiscountRate: optional(envNames.valueMonthlyDiscountRate) ?? base.monthlyDiscountRate,
      refitAfterDays: optional(envNames.modelRefitAfterDays) ?? base.refitAfterDays,
      ...overrides,
    };
  };

  const segmentDependencies = once(
    (): SegmentDependencies => ({
      clients: clientStore(),
      lapses: lapseStore(),
      suppression: suppressionList(),
      queue: outreachQueue(),
      objects: analyticsObjects(),
    }),
  );

  const sweepDependencies = once((): SweepDependencies => {
    const segmentFunction = optional(envNames.sweepSegmentFunction);
    return {
      models: modelStore(),
      segments: segmentFunction
        ? new LambdaSegmentRunner(segmentFunction)
        : new InProcessSegmentRunner((request) => sweepSegment(request, segmentDependencies())),
      objects: analyticsObjects(),
      totalSegments: optional(envNames.sweepSegments) ?? (segmentFunction ? 16 : 4),
    };
  });

  /**
   * The reply-link signing secrets, newest first: REPLY_SECRET on one machine, or the SSM
   * SecureString named by REPLY_SECRET_PARAMETER in the cloud (one secret per line).
   */
  const replySecrets = once(async (): Promise<string[]> => {
    const parameter = optional(envNames.replySecretParameter);
    const text = parameter
      ? (await (clients.ssm ?? new SSMClient({})).send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter?.Value
      : required(envNames.replySecret);
    const secrets = (text ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
    if (secrets.length === 0 || secrets.some((secret) => secret.length < 32)) throw new ConfigError('the reply secret must be at least 32 characters');
    return secrets;
  });

  const voices = (): Record<string, string> => optional(envNames.voices) ?? {};

  const sendSettings = once(async (): Promise<SendSettings> => {
    const window = optional(envNames.sendWindow) ?? defaultSendWindow;
    const settings: SendSettings = {
      clinicName: required(envNames.clinicName),
      defaultLocale: clinicDefaults().locale,
      window,
      channelPolicy: {
        fallbackOrder: optional(envNames.fallbackOrder) ?? [...defaultFallbackOrder],
        voiceLocales: new Set(Object.keys(voices())),
      },
      maxSmsSegments: optional(envNames.smsMaxSegments) ?? 3,
      replyBaseUrl: required(envNames.replyBaseUrl),
      tokenSecrets: await replySecrets(),
      tokenDays: optional(envNames.replyTokenDays) ?? 30,
      wordings: shippedWordings,
    };
    // A wording that cannot be sent fails here, when the function starts, not at the first send.
    checkWordings(settings.wordings, settings.clinicName, settings.maxSmsSegments);
    return settings;
  });

  /**
   * Each sending process's share of the providers' rates: SES's own send rate (GetAccount,
   * never hard-coded) and the origination identity's messages per second (SMS_MESSAGES_PER_SECOND,
   * 1 for a 10DLC number), divided by how many processes send at once (SEND_CONCURRENCY).
   */
  const sendRates = once(async (): Promise<{ email: number; phone: number }> => {
    const { SendQuota } = await (clients.ses ?? new SESv2Client({})).send(new GetAccountCommand({}));
    if (!SendQuota?.MaxSendRate) throw new ConfigError('SES did not say its send rate (GetAccount has no SendQuota)');
    const share = (optional(envNames.sendConcurrency) ?? 1) / paceHeadroom;
    return { email: SendQuota.MaxSendRate / share, phone: (optional(envNames.smsMessagesPerSecond) ?? 1) / share };
  });

  const messenger = once((): AwsMessenger => {
    const emailConfigurationSet = optional(envNames.emailConfigurationSet);
    const smsConfigurationSet = optional(envNames.smsConfigurationSet);
    return new AwsMessenger({
      fromAddress: required(envNames.emailFrom),
      originationIdentity: required(envNames.smsOriginationIdentity),
      voices: voices(),
      ...(emailConfigurationSet && { emailConfigurationSet }),
      ...(smsConfigurationSet && { smsConfigurationSet }),
    });
  });

  const sendDependencies = once(async (): Promise<SendDependencies> => {
    const rates = await sendRates();
    return {
      clients: clientStore(),
      suppression: suppressionList(),
      log: outreachLog(),
      messenger: new PacedMessenger(messenger(), { email: new Pacer(rates.email), phone: new Pacer(rates.phone) }),
    };
  });

  const sender = once(async (): Promise<Sender> => ({ settings: await sendSettings(), deps: await sendDependencies(), queue: outreachQueue() }));

  const answerDependencies = once(
    (): AnswerDependencies => ({
      answers: answerStore(),
      catalogue: catalogueStore(),
      followUps: followUpStore(),
      clients: clientStore(),
      suppression: suppressionList(),
      log: outreachLog(),
    }),
  );

  const exportSources = once(
    (): ExportSources => ({
      clients: clientStore(),
      lapses: lapseStore(),
      outreach: outreachLog(),
      answers: answerStore(),
      catalogue: catalogueStore(),
    }),
  );
  const exportTo = (objects: ObjectStore): ExportDependencies => ({ ...exportSources(), objects, partitionFormat: parquetPartitions, totalSegments: optional(envNames.exportSegments) ?? 4 });

  return {
    clinicDefaults,
    clientStore,
    lapseStore,
    modelStore,
    queueUrls: once(() => ({
      outreach: required(envNames.outreachQueue),
      smsReplies: required(envNames.smsRepliesQueue),
      smsVoiceEvents: required(envNames.smsVoiceEventsQueue),
    })),
    sweepSettings,
    sweepDependencies,
    segmentDependencies,
    sendSettings,
    sendRates,
    sender,
    deliveryDependencies: once(() => ({ log: outreachLog(), suppression: suppressionList() })),
    answerDependencies,
    smsDependencies: once((): SmsDependencies => ({ ...answerDependencies(), messenger: messenger(), clinicName: required(envNames.clinicName) })),
    staffDependencies: once(() => ({ ...answerDependencies(), lapses: lapseStore() })),
    replySecrets,
    replyBaseUrl: () => required(envNames.replyBaseUrl),
    replyPage: once(async () => ({ settings: { clinicName: required(envNames.clinicName), tokenSecrets: await replySecrets() }, deps: answerDependencies() })),
    reportDependencies: once(
      (): ReportDependencies => ({
        engine: new AthenaQueryEngine({ workGroup: required(envNames.athenaWorkGroup), database: required(envNames.analyticsDatabase) }),
        dialect: 'trino',
      }),
    ),
    exportDependencies: once(() => exportTo(withKeyPrefix(analyticsObjects(), exportPrefix))),
    exportToFolder: (folder) => exportTo(new FolderObjectStore(folder)),
  };
};
