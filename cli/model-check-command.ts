import { buildApp } from '../shared/app.ts';
import { envNames } from '../shared/environment.ts';
import { addDays, isIsoDay } from '../shared/common/dates.ts';
import { backtestCases, backtestLapse, tuneLapseRule, tuningObjective, type Scores } from '../shared/lapse/backtest.ts';
import type { LapseRule } from '../shared/lapse/lapse-rule.ts';
import { ruleWithTuning } from '../shared/lapse/tuned-rule.ts';
import { formatCount, parseAsOf, table, UsageError } from './output.ts';
import { allClients } from './start-command.ts';

export interface CheckWindow {
  readonly asOf: string;
  readonly cutoff: string;
  readonly horizonDays: number;
}

export interface ModelCheckFlags {
  cutoff?: string;
  horizon: string;
  asOf?: string;
  json?: boolean;
  tune?: boolean;
  save?: boolean;
}

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
const scoreCells = (scores: Scores): string[] => [formatCount(scores.flagged), percent(scores.precision), percent(scores.recall), scores.f1.toFixed(3)];

/** The settings as the environment variables that set them, for the sweep to use. */
export const ruleVariables = (rule: LapseRule): string[] => [
  `${envNames.lapseCombine}=${rule.combine}`,
  `${envNames.lapsePAliveBelow}=${rule.pAliveBelow}`,
  `${envNames.lapseRhythmGapMultiplier}=${rule.rhythm.longGapMultiplier}`,
  `${envNames.lapseRhythmMinimumDays}=${rule.rhythm.minimumDays}`,
  `${envNames.lapseEarlyDropOutGapMultiple}=${rule.earlyDropOut.gapMultiple}`,
  `${envNames.lapseEarlyDropOutMinimumDays}=${rule.earlyDropOut.minimumDays}`,
];

/** The backtest's days from the flags, checked before anything starts. */
export const modelCheckWindow = (flags: ModelCheckFlags): CheckWindow => {
  const horizonDays = Number(flags.horizon);
  if (!(Number.isInteger(horizonDays) && horizonDays >= 7 && horizonDays <= 1095))
    throw new UsageError(`--horizon ${flags.horizon}: whole days from 7 to 1095`);
  if (flags.save && !flags.tune) throw new UsageError('--save keeps what --tune finds: give both');
  const asOf = parseAsOf(flags.asOf);
  const cutoff = flags.cutoff ?? addDays(asOf, -horizonDays);
  if (!isIsoDay(cutoff)) throw new UsageError(`--cutoff ${flags.cutoff}: a date as YYYY-MM-DD`);
  if (addDays(cutoff, horizonDays) > asOf) {
    throw new UsageError(
      `--cutoff ${cutoff} with --horizon ${horizonDays}: the horizon ends ${addDays(cutoff, horizonDays)}, after ${asOf}; choose an earlier cutoff`,
    );
  }
  return { asOf, cutoff, horizonDays };
};

/**
 * `comeback model check`: the lapse decision backtested on the clinic's own visits, beside a
 * fixed window, with the model's calibration; `--tune` searches the rule's settings for the best F0.75.
 */
export const modelCheck = async (flags: ModelCheckFlags, { asOf, cutoff, horizonDays }: CheckWindow): Promise<void> => {
  const app = buildApp();
  const settings = app.sweepSettings(asOf);
  const stored = await app.modelStore().latestTuning();
  // The rule as the sweep would use it: a stored tuning over the defaults, the environment over both.
  const rule = stored ? ruleWithTuning(settings.lapseRule, stored.rule, settings.fixedRuleSettings) : settings.lapseRule;
  const summaries = (await allClients(app.clientStore())).flatMap((client) => (client.summary && client.summary.lastVisit <= asOf ? [client.summary] : []));
  const backtest = backtestCases(summaries, cutoff, horizonDays);
  const result = backtestLapse(backtest, { cutoff, horizonDays, rule });
  const tuning = flags.tune ? tuneLapseRule(backtest.cases, cutoff, rule) : undefined;
  const saved = tuning !== undefined && flags.save === true;
  if (tuning && saved) {
    await app.modelStore().saveTuning({
      tunedAt: new Date().toISOString(),
      cutoff,
      horizonDays,
      judged: result.judged,
      rule: tuning.rule,
      before: tuning.before,
      after: tuning.after,
    });
  }
  if (flags.json) {
    console.log(JSON.stringify({ ...result, ...(tuning && { tuning: { ...tuning, variables: ruleVariables(tuning.rule), saved } }) }, null, 2));
    return;
  }
  console.log(
    `Backtest: fitted on the visits up to ${cutoff} (${result.model} scores), lost = no visit in the ${horizonDays} days after; ${formatCount(result.judged)} clients judged, ${percent(result.lostShare)} of them lost`,
  );
  console.log(
    table(
      [
        ['the lapse rule', ...scoreCells(result.rule)],
        [`a fixed ${result.fixedWindow.days}-day window`, ...scoreCells(result.fixedWindow)],
      ],
      { header: ['', 'flagged', 'precision', 'recall', 'F1'], indent: 2, alignRight: [1, 2, 3, 4] },
    ),
  );
  console.log(`\nVisit days in the ${horizonDays} days after the cutoff, per client, by repeat visit days before it:`);
  console.log(
    table(
      result.calibration.map((row) => [row.repeatVisits, formatCount(row.clients), row.predicted.toFixed(2), row.actual.toFixed(2)]),
      { header: ['repeat visits', 'clients', 'predicted', 'actual'], indent: 2, alignRight: [1, 2, 3] },
    ),
  );
  if (stored)
    console.log(`\nThe rule uses the settings tuned ${stored.tunedAt.slice(0, 10)} (F1 ${stored.after.f1.toFixed(3)} on the backtest to ${stored.cutoff}).`);
  if (tuning) {
    console.log(
      `\nTuned on this backtest for F0.75: ${tuningObjective(tuning.before).toFixed(3)} -> ${tuningObjective(tuning.after).toFixed(3)} (F1 ${tuning.before.f1.toFixed(3)} -> ${tuning.after.f1.toFixed(3)}, precision ${percent(tuning.before.precision)} -> ${percent(tuning.after.precision)}):`,
    );
    for (const line of ruleVariables(tuning.rule)) console.log(`  ${line}`);
    if (saved) console.log('Saved: the sweep uses these settings from now on (a setting given in the environment still wins).');
    else console.log('Run again with --save to keep them for the sweep, or set these variables.');
  }
};
