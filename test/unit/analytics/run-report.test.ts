import { describe, expect, it } from 'vitest';
import type { Query, QueryEngine, QueryState } from '../../../shared/analytics/ports/query-engine.ts';
import { runReport } from '../../../shared/analytics/use-cases/reports.ts';

/** An engine that answers at once and remembers the request token of each query it was asked to start. */
const recordingEngine = (): QueryEngine & { readonly tokens: (string | undefined)[] } => {
  const tokens: (string | undefined)[] = [];
  const answer = (queryId: string): QueryState => ({ state: 'succeeded', queryId, result: { columns: [], rows: [] } });
  return {
    tokens,
    start: async (query: Query) => {
      tokens.push(query.requestToken);
      return 'q';
    },
    poll: async (queryId) => answer(queryId),
    run: async (query) => {
      tokens.push(query.requestToken);
      return answer('q');
    },
  };
};

describe('running a report', () => {
  it('asks once per report, parameters, day and export: a new export the same day asks again', async () => {
    // Prepare
    const engine = recordingEngine();
    let export_ = 'export-1';
    const deps = { engine, dialect: 'duckdb' as const, now: () => new Date('2026-12-02T10:00:00Z'), exportVersion: async () => export_ };

    // Act
    await runReport('lost', { by: 'reason' }, deps);
    await runReport('lost', { by: 'reason' }, deps);
    export_ = 'export-2';
    await runReport('lost', { by: 'reason' }, deps);
    await runReport('lost', { by: 'month' }, deps);

    // Assess
    const [first, again, afterExport, otherParameters] = engine.tokens;
    expect(again).toBe(first);
    expect(afterExport).not.toBe(first);
    expect(otherParameters).not.toBe(afterExport);
  });
});
