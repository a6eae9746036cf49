/** The pieces every page uses: loading and errors, tables with their CSV, a report's state. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { useWords } from './i18n.ts';

export const Loading = ({ seconds }: { seconds?: number | undefined }) => {
  const words = useWords();
  return (
    <p class="loading" role="status" aria-live="polite">
      {seconds !== undefined && seconds > 0 ? words.common.stillRunning(seconds) : words.common.loading}
    </p>
  );
};

/** What went wrong and what to do: the API's own words, and each field it named with why. */
export const ErrorNote = ({ error, retry }: { error: unknown; retry?: (() => void) | undefined }) => {
  const words = useWords();
  const message = error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={JSON.stringify(issue)}>{words.common.fieldProblem(issue.path ?? issue.parameter ?? '', issue.reason ?? '')}</li>
          ))}
        </ul>
      )}
      {retry && (
        <button type="button" onClick={retry}>
          {words.common.retry}
        </button>
      )}
    </div>
  );
};

export type Loaded<T> =
  | { readonly state: 'loading'; readonly seconds?: number }
  | { readonly state: 'failed'; readonly error: unknown }
  | { readonly state: 'ready'; readonly value: T };

/**
 * Runs `load` whenever `key` changes and keeps its state; a slow report reports its seconds
 * waited through the callback. `reload` runs it again.
 */
export const useLoaded = <T,>(load: (waiting: (seconds: number) => void) => Promise<T>, key: string): [Loaded<T>, () => void] => {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load((seconds) => current && setLoaded({ state: 'loading', seconds }))
      .then((value) => current && setLoaded({ state: 'ready', value }))
      .catch((error: unknown) => current && setLoaded({ state: 'failed', error }));
    return () => {
      current = false;
    };
  }, [key, round]);
  return [loaded, () => setRound((n) => n + 1)];
};

/** Shows a loaded value, or its loading state, or its error with a retry. */
export const Show = <T,>({ loaded, retry, children }: { loaded: Loaded<T>; retry?: () => void; children: (value: T) => ComponentChildren }) => {
  if (loaded.state === 'loading') return <Loading seconds={loaded.seconds} />;
  if (loaded.state === 'failed') return <ErrorNote error={loaded.error} retry={retry} />;
  return <>{children(loaded.value)}</>;
};

export interface Column<Row> {
  readonly key: string;
  readonly label: string;
  readonly value: (row: Row) => ComponentChildren;
  /** Numbers align right. */
  readonly numeric?: boolean;
}

/** A plain, accessible table: a caption, column headers, one row per item. */
export const DataTable = <Row,>({
  caption,
  columns,
  rows,
  rowKey,
}: {
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row, index: number) => string;
}) => {
  const words = useWords();
  if (rows.length === 0) return <p class="empty">{words.common.noRows}</p>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls in its own box, which keyboard users must reach
    <section class="table-wrap" tabIndex={0} aria-label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" class={column.numeric ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={rowKey(row, index)}>
              {columns.map((column) => (
                <td key={column.key} class={column.numeric ? 'num' : undefined}>
                  {column.value(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};
