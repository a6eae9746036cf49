import type { FittedLapseModel } from '../lapse-model.ts';
import type { TunedLapseRule } from '../tuned-rule.ts';

/** Fitted lapse models, one per fit, each with the clinic day its data was measured at; and the rule's tunings. */
export interface ModelStore {
  /**
   * The fit for the latest as-of day up to `onOrBefore` (any day when absent); of two fits
   * for one day, the later one.
   */
  latest(onOrBefore?: string): Promise<FittedLapseModel | undefined>;
  save(model: FittedLapseModel): Promise<void>;
  /** The newest tuning of the lapse rule, if the clinic has one. */
  latestTuning(): Promise<TunedLapseRule | undefined>;
  /** Keeps a tuning beside the earlier ones (each is a version, by when it was tuned). */
  saveTuning(tuning: TunedLapseRule): Promise<void>;
}
