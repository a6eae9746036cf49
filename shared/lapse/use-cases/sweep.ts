import { randomUUID } from 'node:crypto';
import { eachLimited } from '../../common/concurrency.ts';
import { declines } from '../decline.ts';
import { outreachJobId, type LapseEpisode, type LapseMark, type OutreachJob } from '../episode.ts';
import { assessLapse, type LapseExplanation } from '../lapse-rule.ts';
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
import { inControlGroup, outreachDecision, suppressionKeys, type SkipReason } from '../../outreach/eligibility.ts';
import { addDays } from '../../common/dates.ts';
import { daysBetween, type VisitSummary } from '../../visits/summary.ts';
import type { ClientStore, StoredClient } from '../../visits/ports/client-store.ts';
import type { LapseStore } from '../ports/lapse-store.ts';
import type { ModelStore } from '../ports/model-store.ts';
import { ruleWithTuning, type TunedLapseRule } from '../tuned-rule.ts';
import { backtestCases, tuneLapseRule } from '../backtest.ts';
import type { ObjectStore } from '../../analytics/ports/object-store.ts';
import type { OutreachQueue } from '../../outreach/ports/outreach-queue.ts';
import type { SuppressionList } from '../../outreach/ports/suppression-list.ts';
import type { SegmentReport, SegmentRequest, SegmentRunner } from '../ports/sweep-segments.ts';
import {
  addCounts,
  emptyCounts,
  type FlaggedClient,
  type OutreachOutcome,
  type SweepReport,
  type SweepSettings,
  type UnusableClient,
} from '../weekly-sweep.ts';

export { defaultSweepSettings, type SweepReport, type SweepSettings } from '../weekly-sweep.ts';
export type { SegmentReport, SegmentRequest } from '../ports/sweep-segments.ts';

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

interface LapsedClient {
  readonly client: StoredClient;
  readonly explanation: LapseExplanation;
}

/** What one segment has found so far: its counts, the clients it flags, those it could not score. */
class SegmentFindings {
  readonly counts = emptyCounts();
  readonly flagged: FlaggedClient[] = [];
  flaggedOmitted = 0;
  readonly unusable: UnusableClient[] = [];
  readonly modelInputs: ModelInput[] = [];

  constructor(private readonly listFlagged: boolean) {}

  flag(client: FlaggedClient): void {
    if (!this.listFlagged) return;
    if (this.flagged.length < flaggedPerSegment) this.flagged.push(client);
    else this.flaggedOmitted++;
  }

  skip(reason: SkipReason | 'conflict'): void {
    this.counts.skipped[reason] = (this.counts.skipped[reason] ?? 0) + 1;
  }

  cannotScore(clientId: string, reason: string): void {
    this.counts.unusable++;
    if (this.unusable.length < unusablePerSegment) this.unusable.push({ clientId, reason });
  }
}

/** One segment's run: what it was asked, what it talks to, and what it has found. */
interface SegmentRun {
  readonly request: SegmentRequest;
  readonly settings: SweepSettings;
  readonly deps: SegmentDependencies;
  readonly now: () => Date;
  readonly findings: SegmentFindings;
}

/**
 * One segment of the weekly sweep: reads its share of the clients table (never visits), scores
 * every client, opens an episode for each newly lapsed one and queues a feedback request for
 * those we may ask. Safe to run again: every write is conditional.
 */
export const sweepSegment = async (request: SegmentRequest, deps: SegmentDependencies): Promise<SegmentReport> => {
  const { settings } = request;
  const findings = new SegmentFindings(settings.listFlagged);
  const run: SegmentRun = { request, settings, deps, now: deps.now ?? (() => new Date()), findings };
  for await (const page of deps.clients.scanClients(request.segment, request.totalSegments)) {
    const lapsed: LapsedClient[] = [];
    for (const client of page) {
      const found = await assessClient(client, run);
      if (found) lapsed.push(found);
    }
    if (lapsed.length > 0) await askLapsedClients(lapsed, run);
  }
  const { counts, flagged, flaggedOmitted, unusable, modelInputs } = findings;
  if (request.modelInputsKey) await deps.objects.put(request.modelInputsKey, encodeModelInputs(modelInputs));
  return { segment: request.segment, counts, flagged, flaggedOmitted, unusable, modelInputRows: modelInputs.length };
};

/**
 * Counts one client, keeps their model input and scores them: a lapsed client is returned, to be
 * asked why; a regular whose visits are falling off is flagged as declining.
 */
const assessClient = async (client: StoredClient, run: SegmentRun): Promise<LapsedClient | undefined> => {
  const { request, settings, findings } = run;
  const { counts } = findings;
  const { asOf } = settings;
  counts.clients++;
  const summary = client.summary;
  if (!summary) {
    counts.noVisits++;
    return undefined;
  }
  // One client's impossible history must not stop everyone else's sweep.
  const problem = unusableHistory(summary, asOf);
  if (problem) {
    findings.cannotScore(client.profile.clientId, problem);
    return undefined;
  }
  if (request.modelInputsKey) findings.modelInputs.push(modelInput(summary, asOf));
  if (request.inputsOnly) return undefined;

  counts.scored++;
  const score = request.model ? scoreClient(request.model, summary, asOf) : undefined;
  const assessment = assessLapse(summary, asOf, score, settings.lapseRule);
  if (assessment.status === 'lapsed') {
    if (assessment.explanation.kind === 'early-drop-out') counts.earlyDropOuts++;
    else counts.lapsed++;
    return { client, explanation: assessment.explanation };
  }
  counts[statusCount[assessment.status]]++;
  if (assessment.status === 'active') flagIfDeclining(client, summary, run);
  await deliverInterruptedRequest(client, run);
  return undefined;
};

const flagIfDeclining = (client: StoredClient, summary: VisitSummary, run: SegmentRun): void => {
  const found = declines(summary, run.settings.asOf, run.settings.declineRule);
  if (found.length === 0) return;
  run.findings.counts.declining++;
  run.findings.flag({ clientId: client.profile.clientId, kind: 'declining', declines: found });
};

/**
 * A request recorded by an interrupted run is delivered even if the client is no longer
 * lapsed: the sender checks again before anything goes out.
 */
const deliverInterruptedRequest = async (client: StoredClient, run: SegmentRun): Promise<void> => {
  const pending = client.lapse?.pendingJob;
  if (!pending || run.settings.dryRun) return;
  await run.deps.queue.enqueue([pending]);
  await run.deps.lapses.confirmQueued(pending);
  run.findings.counts.resent++;
};

const flaggedKind = (explanation: LapseExplanation): 'lapsed' | 'early-drop-out' => (explanation.kind === 'early-drop-out' ? 'early-drop-out' : 'lapsed');

/** Opens an episode for each newly lapsed client, records a request for those we may ask, and queues them. */
const askLapsedClients = async (lapsed: readonly LapsedClient[], run: SegmentRun): Promise<void> => {
  const suppressed = await run.deps.suppression.suppressed(lapsed.flatMap(({ client }) => suppressionKeys(client.profile)));
  const toQueue: OutreachJob[] = [];
  await eachLimited(lapsed, writeConcurrency, async ({ client, explanation }) => {
    const mark = await openEpisode(client, explanation, run);
    if (!mark) return;
    const { outcome, job } = await requestFeedback(client, mark, suppressed, run);
    if (job) toQueue.push(job);
    run.findings.flag({
      clientId: client.profile.clientId,
      kind: flaggedKind(explanation),
      explanation,
      episodeId: mark.episodeId,
      openedOn: mark.openedOn,
      outreach: outcome,
    });
  });
  if (toQueue.length === 0) return;
  await run.deps.queue.enqueue(toQueue);
  await eachLimited(toQueue, writeConcurrency, (job) => run.deps.lapses.confirmQueued(job));
};

/** The client's open episode: the one already open, or one opened today. None when another run opened it meanwhile. */
const openEpisode = async (client: StoredClient, explanation: LapseExplanation, run: SegmentRun): Promise<LapseMark | undefined> => {
  const { asOf, dryRun, outreach } = run.settings;
  const { counts } = run.findings;
  const { clientId } = client.profile;
  const earlier = client.lapse;
  if (earlier?.status === 'open') {
    counts.episodesAlreadyOpen++;
    return earlier;
  }
  const opened: LapseMark = {
    episodeId: asOf,
    status: 'open',
    openedOn: asOf,
    requests: 0,
    controlGroup: inControlGroup(clientId, outreach),
    ...(earlier?.lastRequestOn && { lastRequestOn: earlier.lastRequestOn }),
  };
  const episode: LapseEpisode = {
    clientId,
    episodeId: opened.episodeId,
    status: 'open',
    openedOn: asOf,
    openedAt: run.now().toISOString(),
    explanation,
    controlGroup: opened.controlGroup,
    requests: {},
  };
  const result = dryRun ? 'opened' : await run.deps.lapses.openEpisode(episode, opened);
  if (result === 'already-open') {
    // Another run opened it since this page was read: that run also decides the request.
    counts.episodesAlreadyOpen++;
    run.findings.skip('conflict');
    run.findings.flag({ clientId, kind: flaggedKind(explanation), explanation, outreach: 'conflict' });
    return undefined;
  }
  counts.episodesOpened++;
  return opened;
};

/** Whether we may ask this lapsed client why they stopped, and the request to queue if so. */
const requestFeedback = async (
  client: StoredClient,
  mark: LapseMark,
  suppressed: Set<string>,
  run: SegmentRun,
): Promise<{ readonly outcome: OutreachOutcome; readonly job?: OutreachJob }> => {
  const { asOf, dryRun, outreach } = run.settings;
  const { findings } = run;
  if (mark.pendingJob) {
    // An earlier run recorded this request and stopped before it was confirmed on the queue.
    findings.counts.resent++;
    return { outcome: 'resent', job: mark.pendingJob };
  }
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
    outreach,
  );
  if (!decision.eligible) {
    findings.skip(decision.reason);
    return { outcome: decision.reason };
  }
  findings.counts.eligible++;
  const { clientId } = client.profile;
  const number = mark.requests + 1;
  const job: OutreachJob = {
    jobId: outreachJobId(clientId, mark.episodeId, number),
    clientId,
    episodeId: mark.episodeId,
    request: number,
    requestedOn: asOf,
    channels: decision.channels,
  };
  if (dryRun) return { outcome: 'would-enqueue' };
  if ((await run.deps.lapses.recordRequest(job, mark)) !== 'recorded') {
    findings.skip('conflict');
    return { outcome: 'conflict' };
  }
  findings.counts.enqueued++;
  return { outcome: 'enqueued', job };
};

export interface SweepDependencies {
  readonly models: ModelStore;
  /** Read whole when the rule's stored tuning is due again (every `retuneAfterDays`); without it, never retuned. */
  readonly clients?: Pick<ClientStore, 'scanClients'>;
  readonly segments: SegmentRunner;
  readonly objects: ObjectStore;
  readonly totalSegments: number;
  readonly now?: () => Date;
  readonly onSegmentDone?: (done: number, total: number) => void;
}

const scratchPrefix = 'sweep-scratch/';

/** One run of the whole sweep: its id, what the clinic asked, and what it talks to. */
interface SweepRun {
  readonly runId: string;
  readonly settings: SweepSettings;
  readonly deps: SweepDependencies;
  readonly now: () => Date;
  readonly segmentNumbers: readonly number[];
}

/** A fit of the lapse model from this run's pass, or why none could be made. */
interface ModelFit {
  readonly fitted?: FittedLapseModel;
  readonly problem?: string;
}

/**
 * The weekly sweep: fans the clients table out to `totalSegments` parallel segments, adds up
 * what they found, and refits the lapse model from the same pass when the last fit is due.
 */
export const runSweep = async (settings: SweepSettings, deps: SweepDependencies): Promise<SweepReport> => {
  const started = performance.now();
  const tuning = await deps.models.latestTuning();
  const run: SweepRun = {
    runId: `${settings.asOf}-${randomUUID().slice(0, 8)}`,
    settings: tuning ? { ...settings, lapseRule: ruleWithTuning(settings.lapseRule, tuning.rule, settings.fixedRuleSettings) } : settings,
    deps,
    now: deps.now ?? (() => new Date()),
    segmentNumbers: Array.from({ length: deps.totalSegments }, (_, i) => i),
  };
  const { model: earlier, fittedToday } = await modelToScoreWith(settings, deps.models);
  let scoredWith = earlier;
  let fit: ModelFit = {};
  if (!scoredWith) {
    // Only when no earlier fit exists is one made first, from an inputs-only pass.
    await runSegments(run, { inputsOnly: true }, true);
    fit = await fitModel(run);
    scoredWith = fit.fitted;
  }
  const refitDue = !fit.fitted && !fittedToday && scoredWith !== undefined && daysBetween(scoredWith.asOf, settings.asOf) >= settings.refitAfterDays;
  const reports = await runSegments(run, { inputsOnly: false, ...(scoredWith && { model: scoredWith }) }, refitDue);
  if (refitDue) fit = await fitModel(run);
  const retuned = await retuneIfDue(run, tuning);
  const report = sweepReport(run, reports, scoredWith, fit, started);
  return {
    ...report,
    ...(tuning && { tuning: { tunedAt: tuning.tunedAt, cutoff: tuning.cutoff, horizonDays: tuning.horizonDays, after: tuning.after } }),
    ...(retuned && {
      retuned: { tunedAt: retuned.tunedAt, cutoff: retuned.cutoff, horizonDays: retuned.horizonDays, before: retuned.before, after: retuned.after },
    }),
  };
};

/** The horizon a re-tune backtests over: who came back within half a year of the cutoff. */
const retuneHorizonDays = 180;

/**
 * Tunes the rule again on the clinic's history when the stored tuning is `retuneAfterDays`
 * old, starting from the settings in use, and stores it for the next sweep. A clinic that never
 * tuned keeps the defaults until someone runs `comeback model check --tune --save`.
 */
const retuneIfDue = async (run: SweepRun, tuning: TunedLapseRule | undefined): Promise<TunedLapseRule | undefined> => {
  const { settings, deps } = run;
  if (!tuning || !deps.clients || settings.dryRun || daysBetween(tuning.tunedAt.slice(0, 10), settings.asOf) < settings.retuneAfterDays) return undefined;
  const summaries: VisitSummary[] = [];
  await Promise.all(
    run.segmentNumbers.map(async (segment) => {
      for await (const page of deps.clients!.scanClients(segment, deps.totalSegments)) {
        for (const client of page) if (client.summary && client.summary.lastVisit <= settings.asOf) summaries.push(client.summary);
      }
    }),
  );
  const cutoff = addDays(settings.asOf, -retuneHorizonDays);
  try {
    const { cases } = backtestCases(summaries, cutoff, retuneHorizonDays);
    const found = tuneLapseRule(cases, cutoff, settings.lapseRule);
    const retuned: TunedLapseRule = {
      tunedAt: run.now().toISOString(),
      cutoff,
      horizonDays: retuneHorizonDays,
      judged: cases.length,
      rule: found.rule,
      before: found.before,
      after: found.after,
    };
    await deps.models.saveTuning(retuned);
    return retuned;
  } catch (error) {
    // A history the model cannot be fitted on: the stored tuning stays in use.
    if (error instanceof ModelNotIdentifiableError) return undefined;
    throw error;
  }
};

/**
 * Clients are scored with the fit from before this day, and the refit from this pass serves
 * the next sweep: so a second run for the same day scores with the same model as the first.
 */
const modelToScoreWith = async (settings: SweepSettings, models: ModelStore): Promise<{ model?: FittedLapseModel; fittedToday: boolean }> => {
  const upToToday = await models.latest(settings.asOf);
  const fittedToday = upToToday?.asOf === settings.asOf;
  const beforeToday = fittedToday ? await models.latest(addDays(settings.asOf, -1)) : upToToday;
  const model = beforeToday ?? (fittedToday ? upToToday : undefined);
  return { ...(model && { model }), fittedToday };
};

const modelInputsKey = (run: SweepRun, segment: number): string => `${scratchPrefix}${run.runId}/model-inputs-${segment}.bin`;

/** Every segment, in parallel; each writes its clients' model inputs when the run will fit a model from them. */
const runSegments = async (run: SweepRun, ask: Pick<SegmentRequest, 'inputsOnly' | 'model'>, collectInputs: boolean): Promise<SegmentReport[]> => {
  const { deps } = run;
  let done = 0;
  const reports: SegmentReport[] = [];
  // Every segment finishes (or fails) before the run does: nothing is still writing when it reports.
  const outcomes = await Promise.allSettled(
    run.segmentNumbers.map(async (segment) => {
      reports.push(
        await deps.segments.run({
          runId: run.runId,
          settings: run.settings,
          ...ask,
          segment,
          totalSegments: deps.totalSegments,
          ...(collectInputs && { modelInputsKey: modelInputsKey(run, segment) }),
        }),
      );
      deps.onSegmentDone?.(++done, deps.totalSegments);
    }),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return reports.sort((a, b) => a.segment - b.segment);
};

/** Fits the lapse model from the inputs the segments wrote, saves it (unless a dry run), and clears the scratch files. */
const fitModel = async (run: SweepRun): Promise<ModelFit> => {
  const { settings, deps } = run;
  const keys = run.segmentNumbers.map((segment) => modelInputsKey(run, segment));
  try {
    const parts = await Promise.all(keys.map(async (key) => decodeModelInputs((await deps.objects.get(key)) ?? new Uint8Array())));
    const fitted = fitLapseModel(parts.flat(), {
      asOf: settings.asOf,
      fittedAt: run.now().toISOString(),
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

/** The segments' findings added up, with the model the clients were scored with and any fitted now. */
const sweepReport = (
  run: SweepRun,
  reports: readonly SegmentReport[],
  scoredWith: FittedLapseModel | undefined,
  fit: ModelFit,
  started: number,
): SweepReport => ({
  runId: run.runId,
  asOf: run.settings.asOf,
  dryRun: run.settings.dryRun,
  segments: run.deps.totalSegments,
  counts: reports.reduce((sum, report) => addCounts(sum, report.counts), emptyCounts()),
  flagged: reports.flatMap((report) => report.flagged),
  flaggedOmitted: reports.reduce((sum, report) => sum + report.flaggedOmitted, 0),
  unusable: reports.flatMap((report) => report.unusable ?? []).slice(0, unusablePerSegment),
  ...(scoredWith && { scoredWith }),
  ...(fit.fitted && { fitted: fit.fitted }),
  ...(fit.problem && { modelProblem: fit.problem }),
  seconds: (performance.now() - started) / 1000,
});
