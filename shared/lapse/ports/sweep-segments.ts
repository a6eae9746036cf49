import type { SegmentReport, SegmentRequest } from '../use-cases/sweep.ts';

/** Runs one segment of the sweep: a Lambda invocation in the cloud, a plain call on one machine. */
export interface SegmentRunner {
  run(request: SegmentRequest): Promise<SegmentReport>;
}
