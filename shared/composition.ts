import { z } from 'zod';
import { analyticsBucket, clientsTable, episodesTable, modelsTable, outreachQueue, suppressionTable, visitsTable } from '../infra/resources.ts';
import { DynamoClientStore } from './adapters/dynamo-client-store.ts';
import { DynamoLapseStore } from './adapters/dynamo-lapse-store.ts';
import { DynamoModelStore } from './adapters/dynamo-model-store.ts';
import { DynamoSuppressionList } from './adapters/dynamo-suppression-list.ts';
import { InProcessSegmentRunner, LambdaSegmentRunner } from './adapters/lambda-segment-runner.ts';
import { S3ObjectStore } from './adapters/s3-object-store.ts';
import { SqsOutreachQueue } from './adapters/sqs-outreach-queue.ts';
import { requiredEnv, ConfigError } from './config.ts';
import { checkLapseRule, defaultLapseRule } from './domain/lapse.ts';
import { checkOutreachPolicy, defaultOutreachPolicy } from './domain/outreach-eligibility.ts';
import type { ClientStore } from './ports/client-store.ts';
import { defaultSweepSettings, sweepSegment, type SegmentDependencies, type SweepDependencies, type SweepSettings } from './use-cases/sweep.ts';

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

const readVariable = <V extends SweepVariable>(name: V): z.output<(typeof sweepVariables)[V]> | undefined => {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const parsed = sweepVariables[name].safeParse(text);
  if (!parsed.success) throw new ConfigError(`${name}=${text}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data as z.output<(typeof sweepVariables)[V]>;
};

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
