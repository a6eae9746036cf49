import type { FittedLapseModel } from '../lapse-model.ts';
import type { FlaggedClient, SweepCounts, SweepSettings, UnusableClient } from '../weekly-sweep.ts';

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

export interface SegmentReport {
  readonly segment: number;
  readonly counts: SweepCounts;
  readonly flagged: FlaggedClient[];
  /** Flagged clients left out of `flagged` to keep a segment's answer small. */
  readonly flaggedOmitted: number;
  readonly unusable: UnusableClient[];
  readonly modelInputRows: number;
}

/** Runs one segment of the sweep: a Lambda invocation in the cloud, a plain call on one machine. */
export interface SegmentRunner {
  run(request: SegmentRequest): Promise<SegmentReport>;
}
