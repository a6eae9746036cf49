/** Each reason's trend: clients who gave it, month by month, from the `lost` report, as a tiny line and as numbers. */
import type { ReportRows } from '../../api.ts';
import { DataTable } from '../../components.tsx';
import { useLocale } from '../../i18n.ts';
import { type CountedReason, labelOf } from './common.tsx';

/** Months the trend shows: the last six, this one included. */
export const trendMonths = 6;

/** `YYYY-MM` of the last `count` months up to the one `today` is in (UTC, as the report's period is). */
export const lastMonths = (count: number, today = new Date()): string[] =>
  Array.from({ length: count }, (_, index) => {
    const at = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - (count - 1 - index), 1));
    return at.toISOString().slice(0, 7);
  });

/** Clients per reason id per month (`YYYY-MM`), as the report's rows count them. */
export type Trend = ReadonlyMap<string, ReadonlyMap<string, number>>;

export const trendOf = (report: ReportRows): Trend => {
  const trend = new Map<string, Map<string, number>>();
  for (const row of report.rows) {
    const reasonId = String(row.reason_id ?? '');
    const month = String(row.period ?? '').slice(0, 7);
    const clients = Number(row.clients ?? 0);
    if (!reasonId || !month) continue;
    const months = trend.get(reasonId) ?? new Map<string, number>();
    months.set(month, (months.get(month) ?? 0) + clients);
    trend.set(reasonId, months);
  }
  return trend;
};

export const seriesOf = (trend: Trend, reasonId: string, months: readonly string[]): number[] => months.map((month) => trend.get(reasonId)?.get(month) ?? 0);

export const useMonthName = (): ((month: string) => string) => {
  const { formats } = useLocale();
  const format = new Intl.DateTimeFormat(formats.language, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  return (month) => format.format(new Date(`${month}-01T00:00:00Z`));
};

const width = 96;
const height = 24;
const pad = 3;

/** A tiny line of the months' numbers, named by them (role img, its label and title say every number). */
export const Sparkline = ({ reason, values, months }: { reason: CountedReason; values: readonly number[]; months: readonly string[] }) => {
  const { words, formats } = useLocale();
  const monthName = useMonthName();
  const label = words.reasons.trendLabel(
    labelOf(reason, formats.language),
    months.map((month, index) => `${monthName(month)} ${formats.number(values[index] ?? 0)}`).join(', '),
  );
  const most = Math.max(1, ...values);
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const points = values.map((value, index) => [pad + index * step, height - pad - (value / most) * (height - 2 * pad)] as const);
  const last = points.at(-1);
  return (
    <svg
      class="sparkline"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      data-testid={`reason-trend-${reason.id}`}
      data-values={values.join(',')}
    >
      <title>{label}</title>
      <line class="baseline" x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} />
      <polyline class="line" points={points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')} fill="none" />
      {last && <circle class="dot" cx={last[0]} cy={last[1]} r={2.5} />}
    </svg>
  );
};

/** The same numbers as a table, for reading and for screen readers. */
export const TrendTable = ({ reasons, trend, months }: { reasons: readonly CountedReason[]; trend: Trend; months: readonly string[] }) => {
  const { words, formats } = useLocale();
  const monthName = useMonthName();
  return (
    <DataTable
      caption={words.reasons.trendCaption(months.length)}
      columns={[
        { key: 'reason', label: words.reasons.columnReason, value: (reason: CountedReason) => labelOf(reason, formats.language) },
        ...months.map((month) => ({
          key: month,
          label: monthName(month),
          numeric: true,
          value: (reason: CountedReason) => formats.number(trend.get(reason.id)?.get(month) ?? 0),
        })),
      ]}
      rows={reasons}
      rowKey={(reason) => reason.id}
    />
  );
};
