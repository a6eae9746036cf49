/**
 * The lapsed list (managers): every client lost now, from the `lapsed` report, sorted, searched
 * and paged in memory so that 10,000 rows stay quick (only one page is drawn). The search, the
 * sort and the page live in the address, so a reload or a bookmark opens the same view.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, downloadCsv, type ReportRows } from '../api.ts';
import { ErrorNote, Show, useLoaded } from '../components.tsx';
import { useLocale } from '../i18n.ts';
import { hrefOf, navigate } from '../router.ts';
import { moneyIn, probability, reasonLabel, reasonsOf, useReasons, whyOf } from './client-card.tsx';
import type { PageProps } from './page.ts';

/** One lapsed client, as the report answers it. */
interface Lapsed {
  readonly clientId: string;
  readonly kind: string;
  readonly since: string;
  readonly days: number | null;
  readonly gap: number | null;
  readonly rule: string;
  readonly pAlive: number | null;
  readonly valueAtRisk: number | null;
  readonly currency: string | null;
  readonly channel: string | null;
  readonly status: string | null;
  readonly answer: string | null;
}

type Cell = ReportRows['rows'][number][string];
const text = (value: Cell | undefined): string | null => (value === null || value === undefined || value === '' ? null : String(value));
const number = (value: Cell | undefined): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
};

const lapsedOf = (report: ReportRows): Lapsed[] =>
  report.rows.map((row) => ({
    clientId: text(row.client_id) ?? '',
    kind: text(row.kind) ?? 'lapsed-regular',
    since: text(row.lapsed_since) ?? '',
    days: number(row.days_since_last_visit),
    gap: number(row.usual_gap_days),
    rule: text(row.rule) ?? '',
    pAlive: number(row.p_alive),
    valueAtRisk: number(row.value_at_risk_minor),
    currency: text(row.currency),
    channel: text(row.request_channel),
    status: text(row.request_status),
    answer: text(row.answer_reason),
  }));

const sortKeys = ['client', 'kind', 'since', 'why', 'pAlive', 'valueAtRisk', 'request', 'answer'] as const;
type SortKey = (typeof sortKeys)[number];
type Direction = 'asc' | 'desc';
const isSortKey = (value: string | null): value is SortKey => sortKeys.includes(value as SortKey);
/** Numbers start with the most first (most value at risk, longest away); words from A. */
const firstDirection: Readonly<Record<SortKey, Direction>> = {
  client: 'asc',
  kind: 'asc',
  since: 'asc',
  why: 'desc',
  pAlive: 'asc',
  valueAtRisk: 'desc',
  request: 'asc',
  answer: 'asc',
};
const pageSize = 50;
const none: readonly Lapsed[] = [];

const compare = (a: string | number | null, b: string | number | null): number => {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
};

export const LapsedList = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.lapsed;
  const kind = place.query.get('kind') ?? '';
  const branch = place.query.get('branch') ?? '';
  const doctor = place.query.get('doctor') ?? '';
  const [kindInput, setKindInput] = useState(kind);
  const [branchInput, setBranchInput] = useState(branch);
  const [doctorInput, setDoctorInput] = useState(doctor);
  const [search, setSearch] = useState(place.query.get('q') ?? '');
  const wantedSort = place.query.get('sort');
  const [sort, setSort] = useState<SortKey>(isSortKey(wantedSort) ? wantedSort : 'valueAtRisk');
  const [direction, setDirection] = useState<Direction>(
    place.query.get('dir') === 'asc' || place.query.get('dir') === 'desc' ? (place.query.get('dir') as Direction) : firstDirection[sort],
  );
  const [page, setPage] = useState(Math.max(1, Math.floor(Number(place.query.get('page'))) || 1));
  const [csv, setCsv] = useState<{ busy: boolean; error?: unknown }>({ busy: false });

  const reportQuery = { limit: '10000', kind: kind || undefined, branch: branch || undefined, doctor: doctor || undefined };
  const [loaded, reload] = useLoaded(
    (waiting) => call('run', { params: { name: 'lapsed' }, query: reportQuery }, waiting).then(lapsedOf),
    JSON.stringify(reportQuery),
  );
  const reasons = reasonsOf(useReasons());
  const rows = loaded.state === 'ready' ? loaded.value : none;

  // The view lives in the address without adding a history entry per keystroke.
  useEffect(() => {
    history.replaceState(
      history.state,
      '',
      hrefOf('/lapsed', {
        kind,
        branch,
        doctor,
        q: search.trim() || undefined,
        sort: sort === 'valueAtRisk' && direction === 'desc' ? undefined : sort,
        dir: sort === 'valueAtRisk' && direction === 'desc' ? undefined : direction,
        page: page > 1 ? String(page) : undefined,
      }),
    );
  }, [kind, branch, doctor, search, sort, direction, page]);

  const labels = useMemo(() => {
    const kindLabel = (row: Lapsed) => w.kinds[row.kind] ?? row.kind;
    const requestLabel = (row: Lapsed) =>
      row.status
        ? w.request(
            row.channel ? (words.client.channels[row.channel] ?? row.channel) : words.client.none,
            words.client.requestStatuses[row.status] ?? row.status,
          )
        : w.notAsked;
    const answerLabel = (row: Lapsed) => (row.answer ? reasonLabel(reasons, row.answer, formats.language) : '');
    return { kindLabel, requestLabel, answerLabel };
  }, [words, reasons, formats.language]);

  const sorted = useMemo(() => {
    const keyOf: Record<SortKey, (row: Lapsed) => string | number | null> = {
      client: (row) => row.clientId,
      kind: labels.kindLabel,
      since: (row) => row.since || null,
      why: (row) => row.days,
      pAlive: (row) => row.pAlive,
      valueAtRisk: (row) => row.valueAtRisk,
      request: (row) => (row.status ? labels.requestLabel(row) : null),
      answer: (row) => labels.answerLabel(row) || null,
    };
    const key = keyOf[sort];
    const keyed = rows.map((row) => ({ row, key: key(row) }));
    const sign = direction === 'asc' ? 1 : -1;
    // Empty values stay last whichever way; ties keep the client id order.
    keyed.sort((a, b) => {
      if (a.key === null || b.key === null) return compare(a.key, b.key) || a.row.clientId.localeCompare(b.row.clientId);
      return sign * compare(a.key, b.key) || a.row.clientId.localeCompare(b.row.clientId);
    });
    return keyed.map((each) => each.row);
  }, [rows, sort, direction, labels]);

  const haystacks = useMemo(
    () =>
      new Map(
        rows.map((row) => [
          row,
          [row.clientId, labels.kindLabel(row), labels.requestLabel(row), labels.answerLabel(row), row.answer ?? '', row.status ?? '']
            .join(' ')
            .toLocaleLowerCase(),
        ]),
      ),
    [rows, labels],
  );
  const needle = search.trim().toLocaleLowerCase();
  const matching = useMemo(() => (needle ? sorted.filter((row) => haystacks.get(row)?.includes(needle)) : sorted), [sorted, haystacks, needle]);
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const current = Math.min(page, pages);
  const shown = matching.slice((current - 1) * pageSize, current * pageSize);
  const atRisk = matching.reduce((sum, row) => sum + (row.valueAtRisk ?? 0), 0);
  const currency = rows.find((row) => row.currency)?.currency ?? undefined;

  const sortBy = (key: SortKey): void => {
    if (key === sort) setDirection(direction === 'asc' ? 'desc' : 'asc');
    else {
      setSort(key);
      setDirection(firstDirection[key]);
    }
    setPage(1);
  };
  const columns: readonly { key: SortKey; label: string; numeric?: boolean }[] = [
    { key: 'client', label: w.columns.client },
    { key: 'kind', label: w.columns.kind },
    { key: 'since', label: w.columns.since },
    { key: 'why', label: w.columns.why },
    { key: 'pAlive', label: w.columns.pAlive, numeric: true },
    { key: 'valueAtRisk', label: w.columns.valueAtRisk, numeric: true },
    { key: 'request', label: w.columns.request },
    { key: 'answer', label: w.columns.answer },
  ];
  const cardOf = (clientId: string): string => `/clients/${encodeURIComponent(clientId)}`;
  const download = async (): Promise<void> => {
    setCsv({ busy: true });
    try {
      await downloadCsv('lapsed', reportQuery);
      setCsv({ busy: false });
    } catch (error) {
      setCsv({ busy: false, error });
    }
  };

  return (
    <>
      <h1>{w.title}</h1>
      <p class="note">{w.intro}</p>
      <form
        class="filters"
        aria-label={w.filters}
        onSubmit={(event) => {
          event.preventDefault();
          setPage(1);
          navigate('/lapsed', { kind: kindInput, branch: branchInput.trim(), doctor: doctorInput.trim(), q: search.trim() || undefined });
        }}
      >
        <label>
          {w.kind}
          <select name="kind" value={kindInput} onChange={(event) => setKindInput(event.currentTarget.value)}>
            <option value="">{w.anyKind}</option>
            <option value="lapsed-regular">{w.kinds['lapsed-regular']}</option>
            <option value="early-drop-out">{w.kinds['early-drop-out']}</option>
          </select>
        </label>
        <label>
          {w.branch}
          <input name="branch" value={branchInput} size={12} onInput={(event) => setBranchInput(event.currentTarget.value)} />
        </label>
        <label>
          {w.doctor}
          <input name="doctor" value={doctorInput} size={12} onInput={(event) => setDoctorInput(event.currentTarget.value)} />
        </label>
        <button type="submit">{w.show}</button>
      </form>
      <Show loaded={loaded} retry={reload}>
        {() => (
          <>
            <div class="toolbar lapsed-toolbar">
              <label class="lapsed-search">
                {w.search}
                <input
                  type="search"
                  name="q"
                  value={search}
                  onInput={(event) => {
                    setSearch(event.currentTarget.value);
                    setPage(1);
                  }}
                />
              </label>
              <button type="button" onClick={() => void download()} disabled={csv.busy}>
                {words.common.downloadCsv}
              </button>
            </div>
            {csv.error !== undefined && <ErrorNote error={csv.error} />}
            <p role="status" class="lapsed-count" data-testid="lapsed-count">
              {w.count(formats.number(matching.length), formats.number(rows.length))}
              {currency && matching.length > 0 && (
                <>
                  {' · '}
                  <span data-testid="lapsed-at-risk">{w.atRisk(moneyIn(formats, atRisk, currency))}</span>
                </>
              )}
            </p>
            {matching.length === 0 ? (
              <p class="empty">{rows.length === 0 ? words.common.noRows : w.nothingMatches}</p>
            ) : (
              <>
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls in its own box, which keyboard users must reach */}
                <section class="table-wrap" tabIndex={0} aria-label={w.title}>
                  <table class="lapsed-table" data-testid="lapsed-table">
                    <caption>
                      {w.caption(formats.number(current), formats.number(pages))}
                      <span class="visually-hidden"> {w.sortHint}</span>
                    </caption>
                    <thead>
                      <tr>
                        {columns.map((column) => (
                          <th
                            key={column.key}
                            scope="col"
                            class={column.numeric ? 'num' : undefined}
                            aria-sort={sort === column.key ? (direction === 'asc' ? 'ascending' : 'descending') : undefined}
                          >
                            <button type="button" class="sort" data-sort={column.key} onClick={() => sortBy(column.key)}>
                              {column.label}
                              <span class="sort-mark" aria-hidden="true">
                                {sort === column.key ? (direction === 'asc' ? '▲' : '▼') : '↕'}
                              </span>
                            </button>
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((row) => (
                        <tr
                          key={row.clientId}
                          class="opens"
                          data-client-id={row.clientId}
                          onClick={(event) => {
                            if ((event.target as Element).closest('a, button')) return;
                            navigate(cardOf(row.clientId));
                          }}
                        >
                          <td>
                            <a href={hrefOf(cardOf(row.clientId))}>{row.clientId}</a>
                          </td>
                          <td>{labels.kindLabel(row)}</td>
                          <td>{row.since ? formats.day(row.since) : words.client.none}</td>
                          <td>{whyOf(words, formats, { kind: row.kind, rule: row.rule, days: row.days, gap: row.gap })}</td>
                          <td class="num">{row.pAlive === null ? words.client.none : probability(formats, row.pAlive)}</td>
                          <td class="num">{row.valueAtRisk === null ? words.client.none : moneyIn(formats, row.valueAtRisk, row.currency ?? undefined)}</td>
                          <td data-status={row.status ?? undefined}>{labels.requestLabel(row)}</td>
                          <td data-reason={row.answer ?? undefined}>{row.answer ? labels.answerLabel(row) : <span class="note">{w.noAnswer}</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
                <nav class="pager" aria-label={w.pager}>
                  <button type="button" disabled={current === 1} onClick={() => setPage(1)}>
                    {w.first}
                  </button>
                  <button type="button" disabled={current === 1} onClick={() => setPage(current - 1)}>
                    {w.previous}
                  </button>
                  <span data-testid="lapsed-page">{w.page(formats.number(current), formats.number(pages))}</span>
                  <button type="button" disabled={current === pages} onClick={() => setPage(current + 1)}>
                    {w.next}
                  </button>
                  <button type="button" disabled={current === pages} onClick={() => setPage(pages)}>
                    {w.last}
                  </button>
                </nav>
              </>
            )}
          </>
        )}
      </Show>
    </>
  );
};
