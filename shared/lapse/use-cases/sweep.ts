import { randomUUID } from 'node:crypto';
import { eachLimited } from '../../common/concurrency.ts';
import { declines, defaultDeclineRule, type Decline, type DeclineRule } from '../decline.ts';
import { outreachJobId, type LapseEpisode, type LapseMark, type OutreachJob } from '../episode.ts';
import { assessLapse, defaultLapseRule, type LapseExplanation, type LapseRule } from '../lapse-rule.ts';
import {
  decodeModelInputs,
  encodeModelInputs,
  fitLapseModel,
  modelInput,
  unusableHistory,
  ModelNotIdentifiableError,
  scoreClient,
  type FittedLapseModel,
  type ModelInput,
} from '../lapse-model.ts';
import {
  defaultOutreachPolicy,
  inControlGroup,
  outreachDecision,
  suppressionKeys,
  type OutreachPolicy,
  type SkipReason,
} from '../../outreach/eligibility.ts';
import { addDays } from '../../common/dates.ts';
import { daysBetween } from '../../visits/summary.ts';
import type { ClientStore, StoredClient } from '../../visits/ports/client-store.ts';
import type { LapseStore } from '../ports/lapse-store.ts';
import type { ModelStore } from '../ports/model-store.ts';
import type { ObjectStore } from '../../analytics/ports/object-store.ts';
import type { OutreachQueue } from '../../outreach/ports/outreach-queue.ts';
import type { SuppressionList } from '../../outreach/ports/suppression-list.ts';
import type { SegmentRunner } from '../ports/sweep-segments.ts';

export interface SweepSettings {
  /** The clinic's today (YYYY-MM-DD): days away are counted to it, episodes open on it. */
  readonly asOf: string;
  /** Score and decide, write nothing. */
  readonly dryRun: boolean;
  readonly lapseRule: LapseRule;
  readonly declineRule: DeclineRule;
  readonly outreach: OutreachPolicy;
  /** Discount rate per month for the value a lapsed client takes away. */
  readonly monthlyDiscountRate: number;
  /** Refit the model when the newest fit is this many days older than asOf. */
  readonly refitAfterDays: number;
  /** Return the flagged clients (the CLI's --json), not only counts. */
  readonly listFlagged: boolean;
}

export const defaultSweepSettings = (asOf: string): SweepSettings => ({
  asOf,
  dryRun: false,
  lapseRule: defaultLapseRule,
  declineRule: defaultDeclineRule,
  outreach: defaultOutreachPolicy,
  monthlyDiscountRate: 0.01,
  refitAfterDays: 7,
  listFlagged: false,
});

/** What one segment of the sweep is asked to do. Plain JSON: it travels as a Lambda payload. */
export interface SegmentRequest {
  readonly runId: string;
  readonly segment: number;
  readonly totalSegments: number;
  readonly settings: SweepSettings;
  /** The model to score with; absent before the first fit (the rhythm rule works alone). */
  readonly model?: FittedLapseModel;
  /** Only write the model inputs (the first fit needs them before anyone can be scored). */
  readonly inputsOnly: boolean;
  /** Also write every client's model inputs here, for the refit. */
  readonly modelInputsKey?: string;
}

export type OutreachOutcome = 'enqueued' | 'would-enqueue' | 'resent' | SkipReason | 'conflict';

export interface FlaggedClient {
  readonly clientId: string;
  readonly kind: 'lapsed' | 'declining';
  readonly explanation?: LapseExplanation;
  readonly declines?: readonly Decline[];
  readonly episodeId?: string;
  readonly openedOn?: string;
  readonly outreach?: OutreachOutcome;
}

export interface SweepCounts {
  clients: number;
  scored: number;
  noVisits: number;
  oneVisit: number;
  tooFewVisits: number;
  active: number;
  lapsed: number;
  declining: number;
  /** Clients whose history the models cannot use (e.g. a visit after the as-of day): skipped, named in `unusable`. */
  unusable: number;
  episodesOpened: number;
  episodesAlreadyOpen: number;
  eligible: number;
  enqueued: number;
  /** Jobs recorded by an earlier run that stopped before confirming them, queued again. */
  resent: number;
  skipped: Partial<Record<SkipReason | 'conflict', number>>;
}

export interface SegmentReport {
  readonly segment: number;
  readonly counts: SweepCounts;
  readonly flagged: FlaggedClient[];
  /** Flagged clients left out of `flagged` to keep a segment's answer small. */
  readonly flaggedOmitted: number;
  readonly unusable: UnusableClient[];
  readonly modelInputRows: number;
}

/** A client the sweep skipped because the models cannot use their history, and why. */
export interface UnusableClient {
  readonly clientId: string;
  readonly reason: string;
}

export interface SweepReport {
  readonly runId: string;
  readonly asOf: string;
  readonly dryRun: boolean;
  readonly segments: number;
  readonly counts: SweepCounts;
  readonly flagged: FlaggedClient[];
  readonly flaggedOmitted: number;
  /** The first clients skipped as unusable (all are counted in `counts.unusable`). */
  readonly unusable: UnusableClient[];
  /** The model the clients were scored with, and the one fitted by this run (if any). */
  readonly scoredWith?: FittedLapseModel;
  readonly fitted?: FittedLapseModel;
  /** Why no model could be fitted (e.g. nobody came twice yet): the rhythm rule worked alone. */
  readonly modelProblem?: string;
  readonly seconds: number;
}

export interface SegmentDependencies {
  readonly clients: ClientStore;
  readonly lapses: LapseStore;
  readonly suppression: SuppressionList;
  readonly queue: OutreachQueue;
  readonly objects: ObjectStore;
  readonly now?: () => Date;
}

const flaggedPerSegment = 5_000;
const unusablePerSegment = 100;

const statusCount = { 'one-visit': 'oneVisit', 'too-few-visits': 'tooFewVisits', active: 'active' } as const;
const writeConcurrency = 8;

export const emptyCounts = (): SweepCounts => ({
  clients: 0,
  scored: 0,
  noVisits: 0,
  oneVisit: 0,
  tooFewVisits: 0,
  active: 0,
  lapsed: 0,
  declining: 0,
  unusable: 0,
  episodesOpened: 0,
  episodesAlreadyOpen: 0,
  eligible: 0,
  enqueued: 0,
  resent: 0,
  skipped: {},
});

export const addCounts = (total: SweepCounts, part: SweepCounts): SweepCounts => {
  const sum = { ...total, skipped: { ...total.skipped } };
  for (const key of Object.keys(part) as (keyof SweepCounts)[]) {
    if (key !== 'skipped') sum[key] = total[key] + part[key];
  }
  for (const [reason, count] of Object.entries(part.skipped) as [SkipReason | 'conflict', number][]) {
    sum.skipped[reason] = (sum.skipped[reason] ?? 0) + count;
  }
  return sum;
};

interface LapsedClient {
  readonly client: StoredClient;
  readonly explanation: LapseExplanation;
}

/**
 * One segment of the weekly sweep: reads its share of the clients table (never visits), scores
 * every client, opens an episode for each newly lapsed one and queues a feedback request for
 * those we may ask. Safe to run again: every write is conditional.
 */
export const sweepSegment = async (request: SegmentRequest, deps: SegmentDependencies): Promise<SegmentReport> => {
  const { settings, model } = request;
  const { asOf, dryRun } = settings;
  const now = deps.now ?? (() => new Date());
  const counts = emptyCounts();
  const flagged: FlaggedClient[] = [];
  let flaggedOmitted = 0;
  const unusable: UnusableClient[] = [];
  const inputs: ModelInput[] = [];
  const flag = (client: FlaggedClient): void => {
    if (!settings.listFlagged) return;
    if (flagged.length < flaggedPerSegment) flagged.push(client);
    else flaggedOmitted++;
  };
  const skip = (reason: SkipReason | 'conflict'): void => {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
  };

  const handleLapsed = async (lapsed: readonly LapsedClient[]): Promise<void> => {
    const keys = lapsed.flatMap(({ client }) => suppressionKeys(client.profile));
    const suppressed = await deps.suppression.suppressed(keys);
    const toQueue: OutreachJob[] = [];
    await eachLimited(lapsed, writeConcurrency, async ({ client, explanation }) => {
      const { clientId } = client.profile;
      let mark = client.lapse;
      let outcome: OutreachOutcome | undefined;
      if (mark?.status !== 'open') {
        const opened: LapseMark = {
          episodeId: asOf,
          status: 'open',
          openedOn: asOf,
          requests: 0,
          controlGroup: inControlGroup(clientId, settings.outreach),
          ...(mark?.lastRequestOn && { lastRequestOn: mark.lastRequestOn }),
        };
        const episode: LapseEpisode = {
          clientId,
          episodeId: opened.episodeId,
          status: 'open',
          openedOn: asOf,
          openedAt: now().toISOString(),
          explanation,
          controlGroup: opened.controlGroup,
          requests: {},
        };
        const result = dryRun ? 'opened' : await deps.lapses.openEpisode(episode, opened);
        if (result === 'already-open') {
          // Another run opened it since this page was read: that run also decides the request.
          counts.episodesAlreadyOpen++;
          skip('conflict');
          flag({ clientId, kind: 'lapsed', explanation, outreach: 'conflict' });
          return;
        }
        counts.episodesOpened++;
        mark = opened;
      } else {
        counts.episodesAlreadyOpen++;
      }

      if (mark.pendingJob) {
        // An earlier run recorded this request and stopped before it was confirmed on the queue.
        toQueue.push(mark.pendingJob);
        counts.resent++;
        outcome = 'resent';
      } else {
        const decision = outreachDecision(
          {
            profile: client.profile,
            lastVisit: client.summary!.lastVisit,
            episode: mark,
            ...(mark.lastRequestOn && { lastRequestOn: mark.lastRequestOn }),
            ...(client.outreachEnded && { outreachEnded: client.outreachEnded }),
            suppressed,
          },
          asOf,
          settings.outreach,
        );
        if (!decision.eligible) {
          skip(decision.reason);
          outcome = decision.reason;
        } else {
          counts.eligible++;
          const number = mark.requests + 1;
          const job: OutreachJob = {
            jobId: outreachJobId(clientId, mark.episodeId, number),
            clientId,
            episodeId: mark.episodeId,
            request: number,
            requestedOn: asOf,
            channels: decision.channels,
          };
          if (dryRun) outcome = 'would-enqueue';
          else if ((await deps.lapses.recordRequest(job, mark)) === 'recorded') {
            toQueue.push(job);
            counts.enqueued++;
            outcome = 'enqueued';
          } else {
            skip('conflict');
            outcome = 'conflict';
          }
        }
      }
      flag({ clientId, kind: 'lapsed', explanation, episodeId: mark.episodeId, openedOn: mark.openedOn, outreach: outcome });
    });
    if (toQueue.length === 0) return;
    await deps.queue.enqueue(toQueue);
    await eachLimited(toQueue, writeConcurrency, (job) => deps.lapses.confirmQueued(job));
  };

  for await (const page of deps.clients.scanClients(request.segment, request.totalSegments)) {
    const lapsed: LapsedClient[] = [];
    for (const client of page) {
      counts.clients++;
      const summary = client.summary;
      if (!summary) {
        counts.noVisits++;
        continue;
      }
      // One client's impossible history must not stop everyone else's sweep.
      const problem = unusableHistory(summary, asOf);
      if (problem) {
        counts.unusable++;
        if (unusable.length < unusablePerSegment) unusable.push({ clientId: client.profile.clientId, reason: problem });
        continue;
      }
      if (request.modelInputsKey) inputs.push(modelInput(summary, asOf));
      if (request.inputsOnly) continue;

      counts.scored++;
      const score = model ? scoreClient(model, summary, asOf) : undefined;
      const assessment = assessLapse(summary, asOf, score, settings.lapseRule);
      if (assessment.status === 'lapsed') {
        counts.lapsed++;
        lapsed.push({ client, explanation: assessment.explanation });
        continue;
      }
      counts[statusCount[assessment.status]]++;
      if (assessment.status === 'active') {
        const found = declines(summary, asOf, settings.declineRule);
        if (found.length > 0) {
          counts.declining++;
          flag({ clientId: client.profile.clientId, kind: 'declining', declines: found });
        }
      }
      // A request recorded by an interrupted run is delivered even if the client is no longer
      // lapsed: the sender checks again before anything goes out.
      if (client.lapse?.pendingJob && !dryRun) {
        await deps.queue.enqueue([client.lapse.pendingJob]);
        await deps.lapses.confirmQueued(client.lapse.pendingJob);
        counts.resent++;
      }
    }
    if (lapsed.length > 0) await handleLapsed(lapsed);
  }

  if (request.modelInputsKey) await deps.objects.put(request.modelInputsKey, encodeModelInputs(inputs));
  return { segment: request.segment, counts, flagged, flaggedOmitted, unusable, modelInputRows: inputs.length };
};

export interface SweepDependencies {
  readonly models: ModelStore;
  readonly segments: SegmentRunner;
  readonly objects: ObjectStore;
  readonly totalSegments: number;
  readonly now?: () => Date;
  readonly onSegmentDone?: (done: number, total: number) => void;
}

const scratchPrefix = 'sweep-scratch/';

/**
 * The weekly sweep: fans the clients table out to `totalSegments` parallel segments, adds up
 * what they found, and refits the lapse model from the same pass when the last fit is due.
 */
export const runSweep = async (settings: SweepSettings, deps: SweepDependencies): Promise<SweepReport> => {
  const started = performance.now();
  const now = deps.now ?? (() => new Date());
  const runId = `${settings.asOf}-${randomUUID().slice(0, 8)}`;
  const segmentNumbers = Array.from({ length: deps.totalSegments }, (_, i) => i);
  const inputsKey = (segment: number): string => `${scratchPrefix}${runId}/model-inputs-${segment}.bin`;

  let done = 0;
  const runAll = async (base: Omit<SegmentRequest, 'segment' | 'totalSegments' | 'modelInputsKey'>, collect: boolean): Promise<SegmentReport[]> => {
    done = 0;
    const reports: SegmentReport[] = [];
    // Every segment finishes (or fails) before the run does: nothing is still writing when it reports.
    const outcomes = await Promise.allSettled(
      segmentNumbers.map(async (segment) => {
        reports.push(
          await deps.segments.run({ ...base, segment, totalSegments: deps.totalSegments, ...(collect && { modelInputsKey: inputsKey(segment) }) }),
        );
        deps.onSegmentDone?.(++done, deps.totalSegments);
      }),
    );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return reports.sort((a, b) => a.segment - b.segment);
  };

  const fit = async (): Promise<{ fitted?: FittedLapseModel; problem?: string }> => {
    const keys = segmentNumbers.map(inputsKey);
    try {
      const parts = await Promise.all(keys.map(async (key) => decodeModelInputs((await deps.objects.get(key)) ?? new Uint8Array())));
      const fitted = fitLapseModel(parts.flat(), {
        asOf: settings.asOf,
        fittedAt: now().toISOString(),
        monthlyDiscountRate: settings.monthlyDiscountRate,
      });
      if (!settings.dryRun) await deps.models.save(fitted);
      return { fitted };
    } catch (error) {
      if (error instanceof ModelNotIdentifiableError) return { problem: error.message };
      throw error;
    } finally {
      await deps.objects.delete(keys);
    }
  };

  // Clients are scored with the fit from before this day, and the refit from this pass serves
  // the next sweep: so a second run for the same day scores with the same model as the first.
  // Only when no earlier fit exists is one made first, from an inputs-only pass.
  const upToToday = await deps.models.latest(settings.asOf);
  const fittedToday = upToToday?.asOf === settings.asOf;
  let scoredWith = fittedToday ? await deps.models.latest(addDays(settings.asOf, -1)) : upToToday;
  let fitted: FittedLapseModel | undefined;
  let modelProblem: string | undefined;
  if (!scoredWith && fittedToday) scoredWith = upToToday;
  if (!scoredWith) {
    await runAll({ runId, settings, inputsOnly: true }, true);
    ({ fitted, problem: modelProblem } = await fit());
    scoredWith = fitted;
  }
  const refitDue = !fitted && !fittedToday && scoredWith !== undefined && daysBetween(scoredWith.asOf, settings.asOf) >= settings.refitAfterDays;
  const reports = await runAll({ runId, settings, inputsOnly: false, ...(scoredWith && { model: scoredWith }) }, refitDue);
  if (refitDue) ({ fitted, problem: modelProblem } = await fit());

  return {
    runId,
    asOf: settings.asOf,
    dryRun: settings.dryRun,
    segments: deps.totalSegments,
    counts: reports.reduce((sum, report) => addCounts(sum, report.counts), emptyCounts()),
    flagged: reports.flatMap((report) => report.flagged),
    flaggedOmitted: reports.reduce((sum, report) => sum + report.flaggedOmitted, 0),
    unusable: reports.flatMap((report) => report.unusable ?? []).slice(0, unusablePerSegment),
    ...(scoredWith && { scoredWith }),
    ...(fitted && { fitted }),
    ...(modelProblem && { modelProblem }),
    seconds: (performance.now() - started) / 1000,
  };
};
