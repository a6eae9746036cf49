import type { FittedLapseModel } from '../domain/lapse-model.ts';

/** Fitted lapse models, one per fit: the sweep scores with the newest. */
export interface ModelStore {
  latest(): Promise<FittedLapseModel | undefined>;
  save(model: FittedLapseModel): Promise<void>;
}
