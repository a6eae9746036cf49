import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { appContext, segmentDependencies } from '../../shared/app.ts';
import { isIsoDay } from '../../shared/common/dates.ts';
import { sweepSegment, type SegmentReport, type SegmentRequest } from '../../shared/lapse/use-cases/sweep.ts';

const logger = new Logger({ serviceName: 'sweep-segment' });
const app = appContext();

// The coordinator builds the request; this checks its outline, the use case trusts the rest.
const request = z
  .object({
    runId: z.string().min(1),
    segment: z.number().int().min(0),
    totalSegments: z.number().int().min(1),
    settings: z.object({ asOf: z.string().refine(isIsoDay, 'a real date as YYYY-MM-DD'), dryRun: z.boolean() }).passthrough(),
    inputsOnly: z.boolean(),
    modelInputsKey: z.string().optional(),
  })
  .passthrough()
  .refine((value) => value.segment < value.totalSegments, 'segment must be below totalSegments');

/** One segment of the sweep, invoked by the coordinator. */
export const sweepOneSegment = async (input: unknown): Promise<SegmentReport> => {
  const parsed = request.parse(input) as unknown as SegmentRequest;
  const report = await sweepSegment(parsed, segmentDependencies(app));
  logger.info('segment finished', { runId: parsed.runId, segment: parsed.segment, counts: report.counts });
  return report;
};

export const handler = middy(sweepOneSegment).use(injectLambdaContext(logger));
