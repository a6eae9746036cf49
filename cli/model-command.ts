import { csvCell } from '../shared/common/csv.ts';
import { readSummaryFile } from '../shared/files/summary-file.ts';
import { expectedVisits, fitBgNbdWeighted, pAlive, type BgNbdFit, type Frequency } from '../shared/stats/bg-nbd.ts';
import { fitGammaGammaWeighted, type GammaGammaFit } from '../shared/stats/gamma-gamma.ts';
import { fitLapseModel, modelInput, unusableHistory } from '../shared/lapse/lapse-model.ts';
import { SummaryInputs, type SummaryClient } from '../shared/lapse/model-summary.ts';
import { ModelNotIdentifiableError } from '../shared/stats/bg-nbd.ts';
import { buildApp } from '../shared/app.ts';
import { allClients } from './start-command.ts';
import { formatCount, parseAsOf, table, UsageError, writeOut } from './output.ts';

export interface ModelFitFlags {
  summary?: string;
  predict?: string;
  json?: boolean;
  asOf?: string;
}

export class SummaryFileError extends UsageError {
  override readonly name = 'SummaryFileError';
}

interface Fitted {
  readonly source: string;
  /** The time unit of x, t_x, T and the prediction window, singular. */
  readonly unit: string;
  readonly bgnbd: BgNbdFit;
  readonly spend?: GammaGammaFit & { readonly currency?: string };
  readonly spendProblem?: string;
  readonly seconds: number;
  /** What happened to the fit: stored for the sweep, or only printed. */
  readonly saved: boolean;
}

const shownProblems = 5;

/** Every row of a lifetimes-style summary file, as the model's inputs; any bad row rejects the file, naming the first few. */
const readSummaryInputs = async (path: string, keepRows: boolean): Promise<SummaryInputs> => {
  const read = await readSummaryFile(path, (layout) => new SummaryInputs(layout, { keepRows }), { keepProblems: shownProblems });
  if (read.problemCount > 0) {
    const listed = read.problems.map((p) => `  line ${p.line}${p.field ? `, ${p.field}` : ''}: ${p.reason}`);
    const more = read.problemCount > shownProblems ? [`  … and ${formatCount(read.problemCount - shownProblems)} more`] : [];
    throw new SummaryFileError([`${path}: ${formatCount(read.problemCount)} bad rows, nothing fitted`, ...listed, ...more].join('\n'));
  }
  if (!read.sink || read.sink.clients === 0) throw new SummaryFileError(`${path} has no clients`);
  return read.sink;
};

/** Per client: P(alive) and expected visits in the next `days`, as CSV or JSON lines on stdout. */
const printPredictions = (fit: BgNbdFit, clients: Iterable<Frequency & { id: string }>, window: number, json: boolean): void => {
  const lines: string[] = json ? [] : ['id,x,t_x,T,p_alive,expected_transactions'];
  for (const client of clients) {
    const prediction = {
      id: client.id,
      x: client.x,
      t_x: client.tx,
      T: client.T,
      p_alive: pAlive(fit, client),
      expected_transactions: expectedVisits(fit, client, window),
    };
    lines.push(json ? JSON.stringify(prediction) : Object.values(prediction).map(csvCell).join(','));
    if (lines.length >= 10_000) {
      writeOut(`${lines.join('\n')}\n`);
      lines.length = 0;
    }
  }
  if (lines.length > 0) writeOut(`${lines.join('\n')}\n`);
};

const printFit = (fit: Fitted, write: (text: string) => void): void => {
  const { bgnbd } = fit;
  write(`BG/NBD fitted on ${formatCount(bgnbd.clients)} clients from ${fit.source} in ${fit.seconds.toFixed(2)} s (time in ${fit.unit}s)`);
  write(
    table(
      [
        ['r', bgnbd.r.toPrecision(5)],
        ['alpha', bgnbd.alpha.toPrecision(5)],
        ['a', bgnbd.a.toPrecision(5)],
        ['b', bgnbd.b.toPrecision(5)],
        ['log-likelihood', bgnbd.logLikelihood.toFixed(2)],
        ['iterations', String(bgnbd.iterations)],
        ['visit rate while a client', `${(bgnbd.r / bgnbd.alpha).toPrecision(3)} per ${fit.unit} on average`],
        ['chance of leaving after a visit', `${((100 * bgnbd.a) / (bgnbd.a + bgnbd.b)).toPrecision(3)}% on average`],
      ],
      { indent: 2, alignRight: [1] },
    ),
  );
  if (fit.spend) {
    const { p, q, gamma } = fit.spend;
    write(
      `Gamma-Gamma (spend per visit) on ${formatCount(fit.spend.clients)} returning clients${fit.spend.currency ? `, in ${fit.spend.currency} minor units` : ''}`,
    );
    write(
      table(
        [
          ['p', p.toPrecision(5)],
          ['q', q.toPrecision(5)],
          ['gamma', gamma.toPrecision(5)],
          ['log-likelihood', fit.spend.logLikelihood.toFixed(2)],
          ['iterations', String(fit.spend.iterations)],
        ],
        { indent: 2, alignRight: [1] },
      ),
    );
  } else if (fit.spendProblem) {
    write(`No spend model: ${fit.spendProblem}`);
  }
  if (fit.saved) write('Saved: the next sweep scores clients with this fit.');
};

const predictWindow = (flag: string | undefined): number | undefined => {
  if (flag === undefined) return undefined;
  const window = Number(flag);
  if (!(Number.isFinite(window) && window > 0)) throw new UsageError(`--predict ${flag}: a number of periods greater than 0`);
  return window;
};

const fitSummaryFile = async (path: string, predicting: boolean): Promise<{ fit: Fitted; clients: Iterable<SummaryClient> }> => {
  const started = performance.now();
  const inputs = await readSummaryInputs(path, predicting);
  const bgnbd = fitBgNbdWeighted(inputs.frequencies());
  let spend: GammaGammaFit | undefined;
  let spendProblem: string | undefined;
  const spending = inputs.spending();
  if (spending) {
    try {
      spend = fitGammaGammaWeighted(spending);
    } catch (error) {
      if (!(error instanceof ModelNotIdentifiableError)) throw error;
      spendProblem = error.message;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const source = `${path} (${inputs.layout.name})`;
  return {
    fit: { source, unit: 'period', bgnbd, ...(spend && { spend }), ...(spendProblem && { spendProblem }), seconds, saved: false },
    clients: predicting ? inputs.eachClient() : [],
  };
};

const fitImportedVisits = async (asOf: string): Promise<{ fit: Fitted; clients: (Frequency & { id: string })[] }> => {
  const started = performance.now();
  const app = buildApp();
  const withVisits = (await allClients(app.clientStore())).filter((client) => client.summary && client.summary.firstVisit <= asOf);
  const everyone = withVisits.filter((client) => !unusableHistory(client.summary!, asOf));
  const unusable = withVisits.filter((client) => unusableHistory(client.summary!, asOf));
  if (unusable.length > 0) {
    const named = unusable.slice(0, 10).map((client) => `${client.profile.clientId} (${unusableHistory(client.summary!, asOf)})`);
    console.error(
      `Left out ${unusable.length} client(s) whose history the model cannot use as of ${asOf}: ${named.join(', ')}${unusable.length > 10 ? ', ...' : ''}`,
    );
  }
  const inputs = everyone.map((client) => modelInput(client.summary!, asOf));
  const fitted = fitLapseModel(inputs, {
    asOf,
    fittedAt: new Date().toISOString(),
    monthlyDiscountRate: app.sweepSettings(asOf).monthlyDiscountRate,
  });
  await app.modelStore().save(fitted);
  const seconds = (performance.now() - started) / 1000;
  const fit: Fitted = {
    source: `the imported visits as of ${asOf}`,
    unit: 'day',
    bgnbd: fitted.bgnbd,
    ...(fitted.spend && { spend: fitted.spend }),
    ...(fitted.spendProblem && { spendProblem: fitted.spendProblem }),
    seconds,
    saved: true,
  };
  return { fit, clients: everyone.map((client, i) => ({ id: client.profile.clientId, ...inputs[i]! })) };
};

/** `comeback model fit`: fit from the imported visits (and store it for the sweep), or from a summary file. */
export const modelFit = async (flags: ModelFitFlags): Promise<void> => {
  const window = predictWindow(flags.predict);
  if (flags.summary && flags.asOf) throw new UsageError('--as-of is for fitting the imported visits; a summary file is already as of its own end');
  const { fit, clients } = flags.summary ? await fitSummaryFile(flags.summary, window !== undefined) : await fitImportedVisits(parseAsOf(flags.asOf));
  if (window !== undefined) {
    // stdout carries the predictions; the fit goes to stderr so a pipe gets clean data.
    printFit(fit, (text) => console.error(text));
    printPredictions(fit.bgnbd, clients, window, flags.json ?? false);
  } else if (flags.json) {
    console.log(JSON.stringify(fit, null, 2));
  } else {
    printFit(fit, (text) => console.log(text));
  }
};
