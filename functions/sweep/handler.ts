import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { dayInZone, isIsoDay } from '../../shared/common/dates.ts';
import { appContext, clinicDefaults, sweepDependencies, sweepSettings } from '../../shared/app.ts';
import { runSweep, type SweepReport } from '../../shared/lapse/use-cases/sweep.ts';

const logger = new Logger({ serviceName: 'sweep' });
const app = appContext();

/**
 * What EventBridge Scheduler sends (the target's input): nothing needed. `asOf` and `dryRun`
 * let an operator run a past week again by hand.
 */
const event = z
  .object({
    asOf: z.string().refine(isIsoDay, 'a real date as YYYY-MM-DD').optional(),
    dryRun: z.boolean().optional(),
  })
  .passthrough();

/** The weekly sweep's coordinator: fans out the segments, refits the model, logs the counts. */
export const sweep = async (input: unknown): Promise<Omit<SweepReport, 'flagged'>> => {
  const request = event.parse(input ?? {});
  const asOf = request.asOf ?? dayInZone(Date.now(), clinicDefaults(app).timeZone);
  const settings = sweepSettings(app, asOf, { dryRun: request.dryRun ?? false, listFlagged: false });
  const { flagged: _, ...report } = await runSweep(settings, sweepDependencies(app));
  logger.info('sweep finished', {
    runId: report.runId,
    asOf,
    counts: report.counts,
    unusable: report.unusable,
    modelFittedAt: report.fitted?.fittedAt,
    modelProblem: report.modelProblem,
    seconds: report.seconds,
  });
  return report;
};

export const handler = middy(sweep).use(injectLambdaContext(logger));
