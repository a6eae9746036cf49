import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledAnswer } from '../../shared/answers/matching-check.ts';

/** The labelled answers written for measuring the matcher (test/fixtures/answers/labelled-*.jsonl). */
export const labelledAnswersDirectory = join(import.meta.dirname, '..', 'fixtures', 'answers');

export const readLabelledAnswers = (pattern = /^labelled-.*\.jsonl$/): LabelledAnswer[] =>
  readdirSync(labelledAnswersDirectory)
    .filter((name) => pattern.test(name))
    .sort()
    .flatMap((name) =>
      readFileSync(join(labelledAnswersDirectory, name), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LabelledAnswer),
    );
