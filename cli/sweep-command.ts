import cliProgress from 'cli-progress';
import { formatMoney, type Money } from '../shared/common/money.ts';
import type { LapseExplanation } from '../shared/lapse/lapse-rule.ts';
import { skipReasonText, type SkipReason } from '../shared/outreach/eligibility.ts';
import { modelName, type FittedLapseModel } from '../shared/lapse/lapse-model.ts';
import type { LapseEpisode } from '../shared/lapse/episode.ts';
import { buildApp } from '../shared/app.ts';
import { runSweep, type SweepReport } from '../shared/lapse/use-cases/sweep.ts';
import { formatCount, parseAsOf, table } from './output.ts';

export interface SweepFlags {
  asOf?: string;
  dryRun?: boolean;
  json?: boolean;
  /** Return the report without printing it (the caller prints). */
  quiet?: boolean;
}

export const percent = (p: number): string => `${(p * 100).toFixed(p < 0.01 ? 2 : 0)}%`;

export const describeModel = (model: FittedLapseModel): string => {
  const { r, alpha, a, b } = model.bgnbd;
  const spend = model.spend
    ? `; spend per visit (Gamma-Gamma) p=${model.spend.p.toPrecision(4)} q=${model.spend.q.toPrecision(4)} γ=${model.spend.gamma.toPrecision(4)} in ${model.spend.currency}`
    : '; no spend model';
  const regular = model.regular
    ? `; ${model.regular.k === 1 ? 'MBG/NBD' : `MBG/CNBD-${model.regular.k}`} r=${model.regular.r.toPrecision(4)} α=${model.regular.alpha.toPrecision(4)} a=${model.regular.a.toPrecision(4)} b=${model.regular.b.toPrecision(4)}`
    : '';
  return `${modelName(model)} (chosen by likelihood); BG/NBD r=${r.toPrecision(4)} α=${alpha.toPrecision(4)} a=${a.toPrecision(4)} b=${b.toPrecision(4)}${regular}, fitted ${model.fittedAt.slice(0, 10)} on ${formatCount(model.clients)} clients as of ${model.asOf}${spend}`;
};

/** One line a manager can check: why this client is on the list. */
export const explain = (why: LapseExplanation): string => {
  const parts = [`${why.rule}: ${why.daysSinceLastVisit} days since the last visit (${why.lastVisit})`];
  if (why.usualGapDays !== null) parts.push(`usually every ${Math.round(why.usualGapDays)} days`);
  if (why.overdueAfterDays !== undefined) parts.push(`overdue after ${why.overdueAfterDays}`);
  if (why.pAlive !== undefined) parts.push(`P(alive) ${percent(why.pAlive)}${why.model ? ` (${why.model})` : ''}`);
  if (why.valueAtRisk) parts.push(`value at risk ${formatMoney(why.valueAtRisk)}`);
  return parts.join(', ');
};

const progress = (json: boolean) => {
  if (json || !process.stderr.isTTY) return { onSegmentDone: undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'Sweeping |{bar}| {value}/{total} segments', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onSegmentDone: (done: number, total: number) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
};

export const printSweepReport = (report: SweepReport): void => {
  const c = report.counts;
  console.log(
    `Sweep ${report.runId} as of ${report.asOf}${report.dryRun ? ' (dry run: nothing written)' : ''}, ${report.segments} segments, ${report.seconds.toFixed(1)} s`,
  );
  if (report.scoredWith) console.log(`  scored with ${describeModel(report.scoredWith)}`);
  if (report.fitted && report.fitted !== report.scoredWith) console.log(`  refitted: ${describeModel(report.fitted)}`);
  if (report.retuned) {
    console.log(
      `  rule settings tuned again (the last tuning was ${report.tuning?.tunedAt.slice(0, 10) ?? 'old'}): F1 ${report.retuned.before.f1.toFixed(3)} -> ${report.retuned.after.f1.toFixed(3)} on the backtest to ${report.retuned.cutoff}; the next sweep uses them`,
    );
  }
  if (report.tuning)
    console.log(
      `  rule settings tuned ${report.tuning.tunedAt.slice(0, 10)} on the clinic's history (F1 ${report.tuning.after.f1.toFixed(3)} on its backtest)`,
    );
  if (report.modelProblem) console.log(`  no model: ${report.modelProblem} (the rhythm rule worked alone)`);
  const rows: string[][] = [
    ['clients read', formatCount(c.clients)],
    ['scored (have visits)', formatCount(c.scored)],
    ...(c.unusable > 0 ? [['skipped: history the model cannot use (listed below)', formatCount(c.unusable)]] : []),
    ['  came once (retention, not lapse)', formatCount(c.oneVisit)],
    ['  too few visits to judge', formatCount(c.tooFewVisits)],
    ['  active', formatCount(c.active)],
    ['  lapsed regulars', formatCount(c.lapsed)],
    ['  early drop-outs (came a few times, then stayed away well past their gap)', formatCount(c.earlyDropOuts)],
    ['declining (still coming, spending less or dropped a service)', formatCount(c.declining)],
    [report.dryRun ? 'episodes that would open' : 'episodes opened', formatCount(c.episodesOpened)],
    ['episodes already open', formatCount(c.episodesAlreadyOpen)],
    ['eligible for a feedback request', formatCount(c.eligible)],
    [report.dryRun ? 'would be enqueued' : 'enqueued', formatCount(report.dryRun ? c.eligible : c.enqueued)],
  ];
  if (c.resent > 0) rows.push(['re-queued (an earlier run stopped midway)', formatCount(c.resent)]);
  for (const [reason, count] of Object.entries(c.skipped) as [SkipReason | 'conflict', number][]) {
    rows.push([`skipped: ${reason === 'conflict' ? 'another run got there first' : skipReasonText[reason]}`, formatCount(count)]);
  }
  console.log(table(rows, { indent: 2, alignRight: [1] }));
  if (report.unusable.length > 0) {
    console.log(`  Not scored (fix their visits and sweep again)${c.unusable > report.unusable.length ? `, the first ${report.unusable.length}` : ''}:`);
    for (const { clientId, reason } of report.unusable) console.log(`    ${clientId}: ${reason}`);
  }
};

/** `comeback sweep`: the weekly sweep, now. */
export const sweepNow = async (flags: SweepFlags): Promise<SweepReport> => {
  const asOf = parseAsOf(flags.asOf);
  const app = buildApp();
  const settings = app.sweepSettings(asOf, { dryRun: flags.dryRun ?? false, listFlagged: flags.json ?? false });
  const bar = progress(flags.json ?? false);
  let report: SweepReport;
  try {
    report = await runSweep(settings, { ...app.sweepDependencies(), ...(bar.onSegmentDone && { onSegmentDone: bar.onSegmentDone }) });
  } finally {
    bar.stop();
  }
  if (flags.quiet) return report;
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else printSweepReport(report);
  return report;
};

/** Where outreach stands for one episode, in a few words. */
export const outreachState = (episode: LapseEpisode): string => {
  const requests = Object.values(episode.requests).sort((a, b) => a.request - b.request);
  const last = requests[requests.length - 1];
  if (episode.controlGroup) return 'control group: not asked';
  if (!last) return 'not asked yet';
  return `asked ${requests.length}× (last ${last.requestedOn}${last.enqueuedAt ? '' : ', not yet queued'})`;
};

export interface LapsedRow {
  readonly clientId: string;
  readonly name?: string;
  readonly since: string;
  readonly explanation: LapseExplanation;
  readonly state: string;
}

/** The open lapse episodes, most money at risk first, with the client's name and where outreach stands. */
export const lapsedList = async (): Promise<LapsedRow[]> => {
  const app = buildApp();
  const lapses = app.lapseStore();
  const clients = app.clientStore();
  const rows: LapsedRow[] = [];
  for await (const page of lapses.openEpisodes()) {
    const found = await clients.getClients(page.map((episode) => episode.clientId));
    for (const episode of page) {
      const client = found.get(episode.clientId);
      const state = outreachState(episode);
      rows.push({
        clientId: episode.clientId,
        ...(client?.profile.name && { name: client.profile.name }),
        since: episode.openedOn,
        explanation: episode.explanation,
        state,
      });
    }
  }
  const atRisk = (row: LapsedRow): number => row.explanation.valueAtRisk?.minor ?? -1;
  return rows.sort((p, q) => atRisk(q) - atRisk(p) || q.explanation.daysSinceLastVisit - p.explanation.daysSinceLastVisit);
};

const total = (rows: readonly LapsedRow[]): Money[] => {
  const byCurrency = new Map<string, number>();
  for (const { explanation } of rows) {
    if (explanation.valueAtRisk)
      byCurrency.set(explanation.valueAtRisk.currency, (byCurrency.get(explanation.valueAtRisk.currency) ?? 0) + explanation.valueAtRisk.minor);
  }
  return [...byCurrency].map(([currency, minor]) => ({ currency, minor }));
};

export const printLapsed = (rows: readonly LapsedRow[], limit = Number.POSITIVE_INFINITY): void => {
  if (rows.length === 0) {
    console.log('Nobody is lapsed (run `comeback sweep` first if you have not).');
    return;
  }
  const atRisk =
    total(rows)
      .map((money) => formatMoney(money))
      .join(' + ') || 'unknown (no spend model yet)';
  const dropOuts = rows.filter((row) => row.explanation.kind === 'early-drop-out').length;
  console.log(
    `${formatCount(rows.length)} lost clients (${formatCount(rows.length - dropOuts)} lapsed regulars, ${formatCount(dropOuts)} early drop-outs), value at risk over the next 12 months: ${atRisk}`,
  );
  const shown = rows.slice(0, limit);
  console.log(
    table(
      shown.map((row) => [
        row.clientId,
        row.name ?? '',
        row.explanation.kind === 'early-drop-out' ? 'early drop-out' : 'regular',
        row.since,
        `${row.explanation.daysSinceLastVisit} d`,
        row.explanation.usualGapDays === null ? '—' : `${Math.round(row.explanation.usualGapDays)} d`,
        row.explanation.pAlive === undefined ? '—' : percent(row.explanation.pAlive),
        row.explanation.valueAtRisk ? formatMoney(row.explanation.valueAtRisk) : '—',
        row.explanation.rule,
        row.state,
      ]),
      { header: ['client', 'name', 'kind', 'since', 'away', 'usual gap', 'P(alive)', 'at risk', 'why', 'state'], indent: 2, alignRight: [4, 5, 6, 7] },
    ),
  );
  if (rows.length > shown.length) console.log(`  … and ${formatCount(rows.length - shown.length)} more (comeback lapsed)`);
};
