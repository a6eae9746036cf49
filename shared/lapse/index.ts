/** Lapse: who stopped coming (their rhythm, the lapse rule, declining regulars) and the weekly sweep that finds them. */
export { runSweep, sweepSegment, type SegmentDependencies, type SweepDependencies } from './use-cases/sweep.ts';
export {
  defaultSweepSettings,
  type FlaggedClient,
  type OutreachOutcome,
  type SweepCounts,
  type SweepReport,
  type SweepSettings,
  type UnusableClient,
} from './weekly-sweep.ts';
export type { SegmentReport, SegmentRequest, SegmentRunner } from './ports/sweep-segments.ts';
export type { LapseStore } from './ports/lapse-store.ts';
export type { ModelStore } from './ports/model-store.ts';
export type { EpisodeStatus, LapseEpisode, LapseMark, OutreachJob } from './episode.ts';
export { defaultLapseRule, LapseRuleError, type LapseExplanation, type LapseRule } from './lapse-rule.ts';
export { ModelNotIdentifiableError, type FittedLapseModel } from './lapse-model.ts';
export { defaultDeclineRule, type Decline, type DeclineRule } from './decline.ts';
