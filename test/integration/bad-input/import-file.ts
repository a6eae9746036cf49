/**
 * What the two file-import surfaces (import-clients, import-visits) share: each case is a file
 * written to a temporary folder and imported by the use case `comeback import` calls
 * (openTableFile, then importFile with the options the CLI would pass), against the world's tables.
 *
 * A case: the file as `lines` (joined by "\n"), `text` (as written) or `base64` (bytes); `name`
 * (its file name: `.jsonl` for JSON Lines, `.csv` unless said); `{rep:N:text}` anywhere in it
 * is `text` N times and `{c}` is the case's own prefix (so cases never share ids); `options`
 * (strict, createClients, currency, dateFormat, delimiter, map); `now` (an instant, default
 * 2026-05-12T10:00:00Z, in the clinic's zone Europe/Athens). What it must get: `problems`, every
 * one of them as { line, field, reason: a substring }, and `warnings` alike; `strict: "refused"` when --strict
 * refuses the file; `setupError`, a substring of the error refusing the whole file before any
 * row; `report`, numbers the report must hold. A case is run twice and must get the same
 * problems both times.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openTableFile, TableFileError, type Delimiter } from '../../../shared/files/table-file.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import type { ImportKind } from '../../../shared/visits/columns.ts';
import { clinicClock, visitTimeParser } from '../../../shared/visits/visit-time.ts';
import { importFile, ImportSetupError, StrictImportError, type ImportReport } from '../../../shared/visits/use-cases/import-file.ts';
import type { BadInputCase, BadInputDriver, BadInputWorld } from './world.ts';

export interface ExpectedProblem {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

export interface ImportCase extends BadInputCase {
  readonly lines?: readonly string[];
  readonly text?: string;
  readonly base64?: string;
  readonly name?: string;
  readonly options?: {
    readonly strict?: boolean;
    readonly createClients?: boolean;
    readonly currency?: string;
    readonly dateFormat?: string;
    readonly delimiter?: Delimiter;
    readonly map?: Readonly<Record<string, string>>;
  };
  readonly now?: string;
  readonly problems?: readonly ExpectedProblem[];
  /** Rows kept with a channel off (a bad phone or e-mail); none unless said. */
  readonly warnings?: readonly ExpectedProblem[];
  readonly strict?: 'refused';
  readonly setupError?: string;
  readonly report?: Readonly<Partial<Record<keyof ImportReport, number>>>;
}

export const clinicZone = 'Europe/Athens';
const defaultNow = '2026-05-12T10:00:00Z';

/** `{rep:N:text}` is text N times; `{c}` the case's prefix. */
export const expand = (text: string, prefix: string): string =>
  text.replace(/\{rep:(\d+):([^}]*)\}/g, (_, count: string, unit: string) => unit.repeat(Number(count))).replaceAll('{c}', prefix);

/** Same problems, in any order: line, field, and the reason containing what the case says. */
export const expectProblems = (
  actual: readonly { line: number; field: string; reason: string }[],
  expected: readonly ExpectedProblem[] = [],
  prefix = '',
  what = 'problems',
): void => {
  const order = (a: { line: number; field: string }, b: { line: number; field: string }) => a.line - b.line || a.field.localeCompare(b.field);
  const got = [...actual].sort(order);
  const want = [...expected].sort(order);
  expect(
    got.map((p) => `${p.line} ${p.field}`),
    `${what}: lines and fields (${JSON.stringify(got)})`,
  ).toEqual(want.map((p) => `${p.line} ${p.field}`));
  for (const [index, problem] of want.entries())
    expect(got[index]!.reason, `${what}: reason on line ${problem.line}`).toContain(expand(problem.reason, prefix));
};

/** A driver for `comeback import <kind>`; `prepare` seeds what its cases lean on. */
export const importDriver = (surface: string, kind: ImportKind, prepare?: (store: DynamoClientStore) => Promise<void>): BadInputDriver<ImportCase> => {
  let folder = '';
  let store: DynamoClientStore;
  const prefixes = new Map<string, string>();
  return {
    surface,
    async prepare(world: BadInputWorld) {
      folder = await mkdtemp(join(tmpdir(), `comeback-${surface}-`));
      store = new DynamoClientStore(world.tables, world.db);
      await prepare?.(store);
    },
    async finish() {
      await rm(folder, { recursive: true, force: true });
    },
    async run(_world, testCase, attempt) {
      if (!prefixes.has(testCase.case)) prefixes.set(testCase.case, `k${prefixes.size + 1}`);
      const prefix = prefixes.get(testCase.case)!;
      const name = testCase.name ?? `${kind}.csv`;
      const path = join(folder, `${prefix}-${name}`);
      const content =
        testCase.base64 !== undefined ? Buffer.from(testCase.base64, 'base64') : expand(testCase.text ?? (testCase.lines ?? []).join('\n'), prefix);
      await writeFile(path, content);
      const options = testCase.options ?? {};
      const clock = clinicClock(clinicZone, Date.parse(testCase.now ?? defaultNow));
      const imported = (async () => {
        const file = await openTableFile(path, options.delimiter ? { delimiter: options.delimiter } : {});
        return importFile(file, store, {
          kind,
          clientDefaults: { locale: 'en', timeZone: clinicZone },
          clock,
          strict: options.strict === true,
          createClients: options.createClients === true,
          ...(options.map && { columnMap: options.map }),
          ...(options.currency && { defaultCurrency: options.currency }),
          ...(options.dateFormat && { parseTime: visitTimeParser(options.dateFormat, clinicZone) }),
        });
      })();

      if (testCase.setupError !== undefined) {
        const error = await imported.then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error, 'the file is refused before any row').toBeInstanceOf(Error);
        expect(error instanceof ImportSetupError || error instanceof TableFileError, String(error)).toBe(true);
        expect((error as Error).message).toContain(testCase.setupError);
        return;
      }
      if (testCase.strict === 'refused') {
        const error = await imported.then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error, '--strict refuses the file').toBeInstanceOf(StrictImportError);
        const report = (error as StrictImportError).report;
        expectProblems(report.problems, testCase.problems, prefix);
        return;
      }
      const report = await imported;
      expectProblems(report.problems, testCase.problems, prefix);
      expectProblems(report.warnings, testCase.warnings, prefix, 'warnings (row kept)');
      // The report's numbers are those of the first run; a second finds the good rows there.
      if (testCase.report && attempt === 1) expect(report).toMatchObject(testCase.report);
    },
  };
};
