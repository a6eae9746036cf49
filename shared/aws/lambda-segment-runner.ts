import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SegmentRunner } from '../lapse/ports/sweep-segments.ts';
import type { SegmentReport, SegmentRequest } from '../lapse/use-cases/sweep.ts';
import { AppError } from '../common/app-error.ts';

export class SegmentFailedError extends AppError {
  override readonly name = 'SegmentFailedError';
  readonly kind = 'unavailable';
}

/** Each segment is its own invocation of the sweep-segment function, with its own 15 minutes. */
export class LambdaSegmentRunner implements SegmentRunner {
  constructor(
    private readonly functionName: string,
    private readonly lambda: LambdaClient = new LambdaClient({}),
    private readonly attempts = 2,
  ) {}

  async run(request: SegmentRequest): Promise<SegmentReport> {
    let lastError: Error | undefined;
    // A segment is idempotent (conditional writes), so a failed one is simply run again.
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const result = await this.lambda.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
      if (!result.FunctionError) return JSON.parse(text) as SegmentReport;
      lastError = new SegmentFailedError(`segment ${request.segment} of ${request.totalSegments} failed (${result.FunctionError}): ${text.slice(0, 500)}`);
    }
    throw lastError!;
  }
}

/** On one machine the segments run in this process, concurrently, exactly as the Lambda would run them. */
export class InProcessSegmentRunner implements SegmentRunner {
  constructor(private readonly runSegment: (request: SegmentRequest) => Promise<SegmentReport>) {}

  run(request: SegmentRequest): Promise<SegmentReport> {
    // Through JSON, as a Lambda payload would go: what works here works there.
    return this.runSegment(JSON.parse(JSON.stringify(request)) as SegmentRequest).then((report) => JSON.parse(JSON.stringify(report)) as SegmentReport);
  }
}
