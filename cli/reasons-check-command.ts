import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { buildApp } from '../shared/app.ts';
import { checkMatching, learnFromHalf, tallyShares, type LabelledAnswer, type MatchingCheck, type Tally } from '../shared/answers/matching-check.ts';
import { defaultMatchThreshold, explainAnswer, noReason } from '../shared/answers/reason-matching.ts';
import { reasonLabel, seedCatalogue, type Catalogue } from '../shared/answers/reasons.ts';
import { formatCount, table, UsageError } from './output.ts';

const labelledLine = z.strictObject({
  text: z.string().trim().min(1, 'an answer needs text'),
  locale: z.string().min(2).optional(),
  expected: z.string().min(1).nullable(),
  also: z.string().min(1).optional(),
  family: z.string().min(1).optional(),
});

/** A labelled file ({text, locale, expected} per line), every bad line named with why. */
export const readLabelledFile = (path: string): LabelledAnswer[] => {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const answers: LabelledAnswer[] = [];
  const problems: string[] = [];
  content.split('\n').forEach((line, at) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${at + 1}: not JSON`);
      return;
    }
    const parsed = labelledLine.safeParse(value);
    if (parsed.success) answers.push(parsed.data as LabelledAnswer);
    else problems.push(`line ${at + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ')}`);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('\n  ');
    throw new UsageError(`${path} has ${problems.length} bad line(s); each line is {"text": "...", "locale": "el", "expected": "price" or null}:\n  ${shown}`);
  }
  if (answers.length === 0) throw new UsageError(`${path} holds no answers`);
  return answers;
};

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

const tallyCells = (tally: Tally): string[] => {
  const shares = tallyShares(tally);
  const withReason = tally.answers - tally.nonAnswers;
  return [
    formatCount(tally.answers),
    withReason === 0 ? '—' : percent(shares.right),
    withReason === 0 ? '—' : percent(shares.wrong),
    withReason === 0 ? '—' : percent(shares.unplaced),
    tally.nonAnswers === 0 ? '—' : percent(shares.nonAnswersLeftAlone),
  ];
};

const header = ['', 'answers', 'right', 'wrong', 'unplaced', 'non-answers left alone'];

const printCheck = (check: MatchingCheck): void => {
  const { total } = check;
  const shares = tallyShares(total);
  console.log(
    `  answers with a reason: ${formatCount(total.answers - total.nonAnswers)}: right ${percent(shares.right)}, wrong ${percent(shares.wrong)}, unplaced ${percent(shares.unplaced)}`,
  );
  console.log(`  non-answers: ${formatCount(total.nonAnswers)}: left alone ${percent(shares.nonAnswersLeftAlone)}`);
  console.log('\nBy language');
  const languages = Object.entries(check.byLanguage).sort(([a], [b]) => a.localeCompare(b));
  console.log(table([...languages.map(([language, tally]) => [language, ...tallyCells(tally)])], { indent: 2, header, alignRight: [1, 2, 3, 4, 5] }));
  console.log('\nBy reason');
  const reasons = Object.entries(check.byReason).sort(([, a], [, b]) => b.answers - a.answers);
  console.log(table([...reasons.map(([reason, tally]) => [reason, ...tallyCells(tally)])], { indent: 2, header, alignRight: [1, 2, 3, 4, 5] }));
};

export interface ReasonsCheckFlags {
  json?: boolean;
  learnHalf?: boolean;
  threshold?: string;
  seed?: boolean;
  mistakes?: string;
}

const thresholdOf = (flag: string | undefined): number => {
  const threshold = flag === undefined ? defaultMatchThreshold : Number(flag);
  if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 1) throw new UsageError(`--threshold ${flag}: a confidence above 0 and at most 1`);
  return threshold;
};

/** The clinic's catalogue, or the one a new clinic starts with (--seed, no stack needed). */
export const catalogueFor = async (seed: boolean | undefined): Promise<Catalogue> =>
  seed ? seedCatalogue() : buildApp().answerDependencies().catalogue.load();

/** `comeback reasons check FILE.jsonl`: how well the catalogue places answers a person labelled. */
export const reasonsCheck = async (path: string, flags: ReasonsCheckFlags): Promise<void> => {
  const labelled = readLabelledFile(path);
  const threshold = thresholdOf(flags.threshold);
  const catalogue = await catalogueFor(flags.seed);
  const check = checkMatching(catalogue, labelled, { threshold });
  const curve = flags.learnHalf ? learnFromHalf(catalogue, labelled, new Date().toISOString(), { threshold }) : undefined;
  if (flags.json) {
    console.log(JSON.stringify({ catalogueVersion: catalogue.version, threshold, ...check, ...(curve && { learnHalf: curve }) }, null, 2));
    return;
  }
  console.log(`${formatCount(labelled.length)} labelled answers against catalogue version ${catalogue.version}, placed from confidence ${threshold}`);
  printCheck(check);
  const shown = Number(flags.mistakes ?? 0);
  if (shown > 0) {
    console.log(`\nMistakes (first ${shown})`);
    for (const mistake of check.mistakes.slice(0, shown)) {
      console.log(`  [${mistake.locale ?? '?'}] expected ${mistake.expected ?? 'no reason'}, got ${mistake.got ?? 'unplaced'}: ${mistake.text.slice(0, 100)}`);
    }
  }
  if (curve) {
    const before = tallyShares(curve.before.total);
    const after = tallyShares(curve.after.total);
    console.log(`\nLearning: a manager maps the ${formatCount(curve.mapped)} answers of one half that stayed unplaced; on the other half:`);
    console.log(
      `  right ${percent(before.right)} → ${percent(after.right)}, wrong ${percent(before.wrong)} → ${percent(after.wrong)}, non-answers left alone ${percent(before.nonAnswersLeftAlone)} → ${percent(after.nonAnswersLeftAlone)}`,
    );
  }
};

/** `comeback reasons explain TEXT`: what an answer would count as, and which words said so. */
export const reasonsExplain = async (text: string, flags: { locale?: string; json?: boolean; seed?: boolean }): Promise<void> => {
  if (text.trim() === '') throw new UsageError('give the answer’s text, e.g. comeback reasons explain "too pricey for me" --locale en');
  const catalogue = await catalogueFor(flags.seed);
  const explanation = explainAnswer(catalogue, text, flags.locale);
  if (flags.json) return console.log(JSON.stringify({ catalogueVersion: catalogue.version, ...explanation }, null, 2));
  const { match } = explanation;
  const label = (id: string): string => {
    const reason = catalogue.reasons.find((candidate) => candidate.id === id);
    return reason ? `${id} (${reasonLabel(reason, flags.locale)})` : id === noReason ? 'no reason' : id;
  };
  if (match.reasonId !== undefined) {
    console.log(`Counts as ${label(match.reasonId)}, confidence ${match.confidence.toFixed(2)}, by ${match.method}.`);
  } else {
    const hint = match.suggestedReasonId ? `; closest: ${label(match.suggestedReasonId)} at ${match.confidence.toFixed(2)}` : '';
    console.log(`Not placed (below ${defaultMatchThreshold}${hint}): it would wait for a manager.`);
  }
  if (match.method === 'digit' || match.method === 'alias') {
    console.log(match.method === 'digit' ? '  It starts with a reply digit.' : '  A manager mapped exactly these words before.');
    return;
  }
  if (explanation.votes.length === 0) return console.log('  No word of it is known to the catalogue.');
  console.log('\nWhat the words said');
  console.log(
    table(
      explanation.votes.map((vote) => [
        vote.words + (vote.heardAs ? ` (read as ${vote.heardAs})` : ''),
        vote.denied ? `${label(vote.reasonId)}, denied` : label(vote.reasonId),
        vote.strength.toFixed(2),
      ]),
      { indent: 2, header: ['words', 'points to', 'weight'], alignRight: [2] },
    ),
  );
  const ranked = explanation.scores.filter((score) => score.score > 0).slice(0, 3);
  console.log(`\n  Totals: ${ranked.map((score) => `${label(score.reasonId)} ${score.score.toFixed(2)}`).join(', ')}`);
};
