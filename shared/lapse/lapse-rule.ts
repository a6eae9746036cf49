import type { Money } from '../common/money.ts';
import { defaultRhythmRule, rhythmState, type RhythmRule, type RhythmState } from './rhythm.ts';
import { gapsBetween, type VisitSummary } from '../visits/summary.ts';
import { AppError } from '../common/app-error.ts';

/** Which signals must say "gone" before a client is called lapsed. */
export type LapseCombination = 'both' | 'either' | 'rhythm' | 'model';

/**
 * A client who came a few times (too few for a rhythm) and then stayed away well past their
 * gap: lost between the first visits and the next, where clinics lose most patients.
 */
export interface EarlyDropOutRule {
  /** Away longer than this many times their longest gap so far... */
  readonly gapMultiple: number;
  /** ...and never sooner than this many days. */
  readonly minimumDays: number;
}

export const defaultEarlyDropOutRule: EarlyDropOutRule = { gapMultiple: 3, minimumDays: 60 };

/** The two kinds of lost client: a regular who stopped, and one who stopped after their first visits. */
export type LapseKind = 'lapsed-regular' | 'early-drop-out';

export interface LapseRule {
  readonly rhythm: RhythmRule;
  readonly earlyDropOut: EarlyDropOutRule;
  readonly combine: LapseCombination;
  /** The model says "gone" below this P(alive). */
  readonly pAliveBelow: number;
  /**
   * With this many visit days or more, a P(alive) below `modelAlonePAliveBelow` is enough on
   * its own, whatever `combine` says: a long history the model is sure about.
   */
  readonly modelAloneMinVisitDays: number;
  readonly modelAlonePAliveBelow: number;
}

export const defaultLapseRule: LapseRule = {
  rhythm: defaultRhythmRule,
  earlyDropOut: defaultEarlyDropOutRule,
  combine: 'both',
  pAliveBelow: 0.5,
  modelAloneMinVisitDays: 8,
  modelAlonePAliveBelow: 0.05,
};

export class LapseRuleError extends AppError {
  override readonly name = 'LapseRuleError';
  readonly kind = 'invalid';
}

export const checkLapseRule = (rule: LapseRule): LapseRule => {
  const probability = (value: number, name: string): void => {
    if (!(value > 0 && value < 1)) throw new LapseRuleError(`${name} must be between 0 and 1 (got ${value})`);
  };
  probability(rule.pAliveBelow, 'the P(alive) threshold');
  probability(rule.modelAlonePAliveBelow, 'the model-alone P(alive) threshold');
  if (!Number.isInteger(rule.rhythm.minVisitDays) || rule.rhythm.minVisitDays < 2) throw new LapseRuleError('the rhythm needs at least 2 visit days');
  if (!(rule.rhythm.longGapMultiplier >= 1)) throw new LapseRuleError('the long-gap multiplier must be at least 1');
  if (!(rule.rhythm.minimumDays >= 1)) throw new LapseRuleError('the minimum days must be at least 1');
  if (!(rule.earlyDropOut.gapMultiple >= 1)) throw new LapseRuleError('the early drop-out gap multiple must be at least 1');
  if (!(rule.earlyDropOut.minimumDays >= 1)) throw new LapseRuleError('the early drop-out minimum days must be at least 1');
  return rule;
};

/** What the fitted models say about one client. */
export interface ModelScore {
  /** The probability the client is still a client, by the model that scores the clinic. */
  readonly pAlive: number;
  /** Which model: "BG/NBD", "MBG/CNBD-3"... */
  readonly model?: string;
  /** Expected spend over the next 12 months had they stayed (BG/NBD x Gamma-Gamma, discounted); absent without a spend model. */
  readonly valueAtRisk?: Money;
}

/** Why a client was flagged, in numbers a manager can check. */
export interface LapseExplanation {
  /** Absent on episodes flagged before early drop-outs were told apart: those are lapsed regulars. */
  readonly kind?: LapseKind;
  /** Which rule said so: "rhythm and model agree", "overdue against their rhythm", ... */
  readonly rule: string;
  readonly lastVisit: string;
  readonly daysSinceLastVisit: number;
  readonly visitDays: number;
  /** Median days between their visits. */
  readonly usualGapDays: number | null;
  readonly overdueAfterDays?: number;
  readonly pAlive?: number;
  /** The model that gave `pAlive`. */
  readonly model?: string;
  readonly valueAtRisk?: Money;
}

export type LapseAssessment =
  | { readonly status: 'one-visit' | 'too-few-visits' | 'active'; readonly rhythm: RhythmState; readonly score?: ModelScore }
  | { readonly status: 'lapsed'; readonly rhythm: RhythmState; readonly score?: ModelScore; readonly explanation: LapseExplanation };

/** The day count after which a client with too few visits for a rhythm is an early drop-out. */
export const earlyDropOutAfterDays = (summary: VisitSummary, rule: EarlyDropOutRule): number =>
  Math.max(rule.minimumDays, Math.ceil(rule.gapMultiple * Math.max(...gapsBetween(summary.visitDays))));

const earlyDropOut = (summary: VisitSummary, rhythm: RhythmState, score: ModelScore | undefined, rule: EarlyDropOutRule): LapseExplanation | undefined => {
  if (rhythm.kind !== 'too-few-visits') return undefined;
  const overdueAfterDays = earlyDropOutAfterDays(summary, rule);
  if (rhythm.daysSinceLastVisit <= overdueAfterDays) return undefined;
  return {
    kind: 'early-drop-out',
    rule: `came ${summary.visitDays.length} times, then stayed away more than ${rule.gapMultiple}x their gap`,
    lastVisit: summary.lastVisit,
    daysSinceLastVisit: rhythm.daysSinceLastVisit,
    visitDays: summary.visitDays.length,
    usualGapDays: summary.usualGapDays,
    overdueAfterDays,
    ...(score && { pAlive: score.pAlive }),
    ...(score?.model && { model: score.model }),
    ...(score?.valueAtRisk && { valueAtRisk: score.valueAtRisk }),
  };
};

/**
 * Is this client lost, as of a day, and which kind? A client with a rhythm is a lapsed regular
 * when the rhythm and the model say so (as `combine` asks); one with too few visits for a rhythm
 * is an early drop-out once away well past their one gap. One-visit clients never are (they
 * belong to retention). Without a fitted model only the rhythm can speak, whatever `combine` says.
 */
export const assessLapse = (summary: VisitSummary, asOf: string, score: ModelScore | undefined, rule: LapseRule = defaultLapseRule): LapseAssessment => {
  const rhythm = rhythmState(summary, asOf, rule.rhythm);
  const base = { rhythm, ...(score && { score }) };
  if (rhythm.kind === 'one-visit') return { status: 'one-visit', ...base };
  const dropOut = earlyDropOut(summary, rhythm, score, rule.earlyDropOut);
  if (dropOut) return { status: 'lapsed', ...base, explanation: dropOut };

  const rhythmSays = rhythm.kind === 'overdue';
  const modelSays = score !== undefined && score.pAlive < rule.pAliveBelow;
  // Never sure of a client still within a gap they have already come back from (between courses).
  const withinKnownGap = rhythm.kind === 'on-rhythm' && rhythm.daysSinceLastVisit <= rhythm.longestGapDays;
  const modelAlone =
    score !== undefined && !withinKnownGap && summary.visitDays.length >= rule.modelAloneMinVisitDays && score.pAlive < rule.modelAlonePAliveBelow;
  const combined = !score ? rhythmSays : { both: rhythmSays && modelSays, either: rhythmSays || modelSays, rhythm: rhythmSays, model: modelSays }[rule.combine];

  if (!combined && !modelAlone) return { status: rhythm.kind === 'too-few-visits' ? 'too-few-visits' : 'active', ...base };
  return {
    status: 'lapsed',
    ...base,
    explanation: {
      kind: 'lapsed-regular',
      rule:
        rhythmSays && modelSays
          ? 'rhythm and model agree'
          : combined && rhythmSays
            ? score
              ? 'overdue against their own rhythm'
              : 'overdue against their own rhythm (no model fitted yet)'
            : combined
              ? 'model says they are gone'
              : 'model is sure they are gone (long history)',
      lastVisit: summary.lastVisit,
      daysSinceLastVisit: rhythm.daysSinceLastVisit,
      visitDays: summary.visitDays.length,
      usualGapDays: summary.usualGapDays,
      ...(rhythm.kind === 'overdue' || rhythm.kind === 'on-rhythm' ? { overdueAfterDays: rhythm.overdueAfterDays } : {}),
      ...(score && { pAlive: score.pAlive }),
      ...(score?.model && { model: score.model }),
      ...(score?.valueAtRisk && { valueAtRisk: score.valueAtRisk }),
    },
  };
};
