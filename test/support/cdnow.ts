import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const projectRoot = resolve(import.meta.dirname, '../..');

/**
 * A file of the data shared beside the repository (`../shared/data`), resolved from the
 * repository's root: the tests and the bench read it from there. Fails with what is missing and
 * where it was looked for.
 */
export const sharedDataFile = (path: string): string => {
  const file = resolve(projectRoot, '..', 'shared', 'data', path);
  if (!existsSync(file)) {
    throw new Error(`${path} is not in the shared data: looked for ${file}, in ../shared/data beside the repository, where the tests read it too`);
  }
  return file;
};

/** One CDNOW client as lifetimes' summary files give it: repeat purchases, recency, age, and their mean spend (0 when the file has none). */
export interface CdnowClient {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly zbar: number;
}

/** A CDNOW summary file (`cdnow_customers_summary.csv`, `…_with_transactions.csv`): id, x, t_x, T[, mean spend]. */
export const cdnowSummary = (file: string): CdnowClient[] =>
  readFileSync(sharedDataFile(`cdnow/${file}`), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [, x, tx, T, zbar] = line.split(',').map(Number);
      return { x: x!, tx: tx!, T: T!, zbar: zbar ?? 0 };
    });
