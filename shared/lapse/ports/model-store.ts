import type { FittedLapseModel } from '../lapse-model.ts';

/** Fitted lapse models, one per fit, each with the clinic day its data was measured at. */
export interface ModelStore {
  /**
   * The fit for the latest as-of day up to `onOrBefore` (any day when absent); of two fits
   * for one day, the later one.
   */
  latest(onOrBefore?: string): Promise<FittedLapseModel | undefined>;
  save(model: FittedLapseModel): Promise<void>;
}
