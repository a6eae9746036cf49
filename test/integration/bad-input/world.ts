/**
 * The bad-input corpus's shared machinery: each surface (file import, POST /visits, the reply
 * page, inbound SMS, the staff and managers' API, report parameters) has a driver here,
 * `<surface>.driver.ts`, and its cases in `test/fixtures/bad-input/<surface>.jsonl`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TestTables } from '../../support/tables.ts';

/** One case: its name, what the driver sends, and what it must get back. */
export interface BadInputCase {
  readonly case: string;
  /** Items each table may gain or change on the first run, by table; none unless said. */
  readonly changes?: Partial<Record<keyof TestTables, number>>;
  readonly [field: string]: unknown;
}

/** Fresh tables of one surface, shared by its cases in file order. */
export interface BadInputWorld {
  readonly tables: TestTables;
  readonly db: DynamoDBDocumentClient;
}

export interface BadInputDriver<C extends BadInputCase = BadInputCase> {
  /** Its cases are in `test/fixtures/bad-input/<surface>.jsonl`. */
  readonly surface: string;
  /** Once, before the surface's cases: seed what they need, start what serves them. */
  prepare?(world: BadInputWorld): Promise<void>;
  /** Sends one case and asserts the clear error it gets (vitest's expect). Runs twice per case. */
  run(world: BadInputWorld, testCase: C, attempt: 1 | 2): Promise<void>;
  /** Once, after the surface's cases. */
  finish?(world: BadInputWorld): Promise<void>;
}

export const corpusFolder = join(import.meta.dirname, '../../fixtures/bad-input');

export const readCases = (surface: string): BadInputCase[] =>
  readFileSync(join(corpusFolder, `${surface}.jsonl`), 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('//'))
    .map(({ line, number }) => {
      const parsed = JSON.parse(line) as BadInputCase;
      if (typeof parsed.case !== 'string') throw new Error(`${surface}.jsonl line ${number}: no "case" name`);
      return parsed;
    });

export type TableSnapshot = Record<string, Map<string, string>>;

/** Every item of every table, by key, as canonical JSON: enough to tell what a case changed. */
export const snapshot = async (world: BadInputWorld): Promise<TableSnapshot> => {
  const result: TableSnapshot = {};
  for (const [name, table] of Object.entries(world.tables)) {
    const items = new Map<string, string>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await world.db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
      for (const item of page.Items ?? []) {
        const json = canonical(item);
        items.set(json, json);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    result[name] = items;
  }
  return result;
};

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Set
      ? [...inner].sort()
      : inner && typeof inner === 'object' && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
        : inner,
  );

/** Per table, how many items of `after` are new or changed since `before`. */
export const changedItems = (before: TableSnapshot, after: TableSnapshot): Record<string, number> => {
  const changes: Record<string, number> = {};
  for (const name of Object.keys(after)) {
    const was = before[name] ?? new Map<string, string>();
    const now = after[name]!;
    let count = 0;
    for (const item of now.keys()) if (!was.has(item)) count++;
    if (count > 0) changes[name] = count;
  }
  return changes;
};
