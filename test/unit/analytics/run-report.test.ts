import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../shared/analytics/ports/object-store.ts';
import type { Query, QueryEngine, QueryState } from '../../../shared/analytics/ports/query-engine.ts';
import { exportVersionOf, runReport } from '../../../shared/analytics/use-cases/reports.ts';

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

describe('the export version the reports name', () => {
  /** Manifests as an export leaves them, with a count of how often the store was read. */
  const storeWith = (manifests: Record<string, string>) => {
    const files = new Map<string, Uint8Array>(Object.entries(manifests).map(([key, text]) => [key, new TextEncoder().encode(text)]));
    const reads = { lists: 0 };
    const store: ObjectStore = {
      put: async (key, body) => void files.set(key, body),
      get: async (key) => files.get(key),
      list: async (prefix) => {
        reads.lists += 1;
        return [...files.keys()].filter((key) => key.startsWith(prefix));
      },
      delete: async (keys) => {
        for (const key of keys) files.delete(key);
      },
    };
    return { store, reads };
  };

  it('changes when a manifest changes, not when a partition alone does, and is looked up once per interval', async () => {
    // Prepare
    const { store, reads } = storeWith({ '_manifest/replies.json': '{"partitions":{"dt=2026-12-01":"a"}}', 'replies/dt=2026-12-01/part-00000.parquet': 'x' });
    let clock = 0;
    const version = exportVersionOf(store, 30_000, () => clock);

    // Act
    const first = await version();
    await store.put('replies/dt=2026-12-01/part-00000.parquet', new TextEncoder().encode('y'));
    const sameExport = await version();
    await store.put('_manifest/replies.json', new TextEncoder().encode('{"partitions":{"dt=2026-12-01":"b"}}'));
    const withinInterval = await version();
    clock = 30_000;
    const afterInterval = await version();

    // Assess
    expect(sameExport).toBe(first);
    expect(withinInterval).toBe(first);
    expect(afterInterval).not.toBe(first);
    expect(reads.lists).toBe(2);
  });
});
