/**
 * The lapse rule's settings as tuned on the clinic's own history (`comeback model check --tune
 * --save`), kept with when and how they were found. The sweep uses them over the defaults;
 * a setting given in the environment still wins.
 */
import type { Scores } from './backtest.ts';
import type { LapseRule } from './lapse-rule.ts';

/** The settings tuning may change, each named as its environment variable's part. */
export type RuleSetting = 'combine' | 'pAliveBelow' | 'rhythmGapMultiplier' | 'rhythmMinimumDays' | 'earlyDropOutGapMultiple' | 'earlyDropOutMinimumDays';

export interface TunedLapseRule {
  /** When it was tuned (ISO instant): the newest one counts. */
  readonly tunedAt: string;
  /** The backtest it was tuned on. */
  readonly cutoff: string;
  readonly horizonDays: number;
  readonly judged: number;
  readonly rule: LapseRule;
  readonly before: Scores;
  readonly after: Scores;
}

/** `base` with each setting the tuning found, except those fixed (set in the environment). */
export const ruleWithTuning = (base: LapseRule, tuned: LapseRule, fixed: readonly RuleSetting[]): LapseRule => {
  const pick = <T>(setting: RuleSetting, own: T, found: T): T => (fixed.includes(setting) ? own : found);
  return {
    ...base,
    combine: pick('combine', base.combine, tuned.combine),
    pAliveBelow: pick('pAliveBelow', base.pAliveBelow, tuned.pAliveBelow),
    rhythm: {
      ...base.rhythm,
      longGapMultiplier: pick('rhythmGapMultiplier', base.rhythm.longGapMultiplier, tuned.rhythm.longGapMultiplier),
      minimumDays: pick('rhythmMinimumDays', base.rhythm.minimumDays, tuned.rhythm.minimumDays),
    },
    earlyDropOut: {
      gapMultiple: pick('earlyDropOutGapMultiple', base.earlyDropOut.gapMultiple, tuned.earlyDropOut.gapMultiple),
      minimumDays: pick('earlyDropOutMinimumDays', base.earlyDropOut.minimumDays, tuned.earlyDropOut.minimumDays),
    },
  };
};
