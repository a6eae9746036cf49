/**
 * The day a client still coming will count as lost if they do not come back: the clinic can
 * call them before it (the "be proactive" counter-measure). Waiting only lowers P(alive) and
 * lengthens the time away, so the decision flips once, and a bisection over days finds it with
 * a dozen evaluations of the rule and the model's closed forms.
 */
import { addDays } from '../common/dates.ts';
import type { VisitSummary } from '../visits/summary.ts';
import { assessLapse, type LapseExplanation, type LapseRule, type ModelScore } from './lapse-rule.ts';
import { modelName, probabilityAlive, type FittedLapseModel } from './lapse-model.ts';

export interface AtRisk {
  /** The first day the client counts as lost if they have not come back by then. */
  readonly lostOn: string;
  readonly daysLeft: number;
  /** Why they will count as lost that day, as the sweep would explain it. */
  readonly explanation: LapseExplanation;
}

const scoreOn = (model: FittedLapseModel | undefined, summary: VisitSummary, day: string): ModelScore | undefined =>
  model ? { pAlive: probabilityAlive(model, summary, day), model: modelName(model) } : undefined;

/**
 * When the client will cross, within `withinDays` of `asOf`; undefined when they already count as
 * lost, will not within the window, or came once (one-visit clients are never lost regulars).
 */
export const lapseDay = (summary: VisitSummary, asOf: string, model: FittedLapseModel | undefined, rule: LapseRule, withinDays: number): AtRisk | undefined => {
  const lostAfter = (days: number) => {
    const day = addDays(asOf, days);
    const assessment = assessLapse(summary, day, scoreOn(model, summary, day), rule);
    return assessment.status === 'lapsed' ? assessment.explanation : undefined;
  };
  if (lostAfter(0) || !lostAfter(withinDays)) return undefined;
  let low = 0;
  let high = withinDays;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (lostAfter(middle)) high = middle;
    else low = middle;
  }
  return { lostOn: addDays(asOf, high), daysLeft: high, explanation: lostAfter(high)! };
};
