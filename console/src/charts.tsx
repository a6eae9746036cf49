/**
 * The reports' charts: small SVG drawings, data in and SVG out. Presentation attributes only
 * (the Content-Security-Policy forbids style attributes), scaled by their `viewBox`. Every bar,
 * point and cell carries a `<title>` with its exact value, shown on hover; the page always shows
 * the same numbers in a table beside the chart.
 */
import type { ComponentChildren } from 'preact';

/** Okabe-Ito and Tol colours darkened where needed: told apart with any colour vision, at least 3:1 on white. */
export const palette = ['#0072B2', '#D55E00', '#117733', '#AA3377', '#8A6B00', '#332288', '#5F6B78', '#882255', '#00727A', '#B3004A'] as const;
export const colourOf = (index: number): string => palette[index % palette.length]!;

const ink = '#1b1f24';
const muted = '#4a5360';
const grid = '#c9d0d8';
const width = 800;

export interface Item {
  readonly key: string;
  readonly label: string;
}

type Format = (value: number) => string;

/** Round steps (1, 2, 5 × 10^n) from zero up to at least `max`. */
export const ticksUpTo = (max: number, count = 4): number[] => {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
};

const shorten = (text: string, length: number): string => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** A chart in its figure: the SVG named for screen readers, and the caption everyone reads. */
export const Chart = ({
  label,
  caption,
  height,
  legend,
  children,
}: {
  label: string;
  caption: string;
  height: number;
  legend?: readonly Item[] | undefined;
  children: ComponentChildren;
}) => (
  <figure class="chart">
    <svg role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`} font-size="13" fill={ink}>
      <title>{label}</title>
      {children}
    </svg>
    {legend && legend.length > 1 && <Legend series={legend} />}
    <figcaption>{caption}</figcaption>
  </figure>
);

export const Legend = ({ series }: { series: readonly Item[] }) => (
  <ul class="legend">
    {series.map((item, index) => (
      <li key={item.key}>
        <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">
          <rect width="10" height="10" fill={colourOf(index)} />
        </svg>
        {item.label}
      </li>
    ))}
  </ul>
);

/**
 * One row per item, one bar per series in it (grouped when there are several), the value
 * written at the end of each bar.
 */
export const HorizontalBars = ({
  label,
  caption,
  rows,
  series,
  value,
  format,
}: {
  label: string;
  caption: string;
  rows: readonly Item[];
  series: readonly Item[];
  value: (row: Item, series: Item) => number | null;
  format: Format;
}) => {
  const labelWidth = 200;
  const valueWidth = 110;
  const barHeight = series.length > 1 ? 14 : 20;
  const rowHeight = barHeight * series.length + 10;
  const top = 8;
  const height = top + rows.length * rowHeight + 24;
  const max = Math.max(0, ...rows.flatMap((row) => series.map((each) => value(row, each) ?? 0)));
  const ticks = ticksUpTo(max);
  const scale = (width - labelWidth - valueWidth) / (ticks.at(-1) ?? 1);
  return (
    <Chart label={label} caption={caption} height={height} legend={series}>
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={labelWidth + tick * scale} x2={labelWidth + tick * scale} y1={top} y2={height - 20} stroke={grid} />
          <text x={labelWidth + tick * scale} y={height - 6} text-anchor="middle" fill={muted}>
            {format(tick)}
          </text>
        </g>
      ))}
      {rows.map((row, r) => {
        const y = top + r * rowHeight + 5;
        return (
          <g key={row.key}>
            <text x={labelWidth - 8} y={y + (barHeight * series.length) / 2 + 4} text-anchor="end">
              {shorten(row.label, 28)}
            </text>
            {series.map((each, s) => {
              const amount = value(row, each);
              if (amount === null) return null;
              const barY = y + s * barHeight;
              const shown = format(amount);
              return (
                <g key={each.key}>
                  <rect x={labelWidth} y={barY} width={Math.max(amount * scale, amount > 0 ? 1 : 0)} height={barHeight - 2} fill={colourOf(s)}>
                    <title>{series.length > 1 ? `${row.label}, ${each.label}: ${shown}` : `${row.label}: ${shown}`}</title>
                  </rect>
                  <text x={labelWidth + amount * scale + 6} y={barY + barHeight / 2 + 3} font-size={series.length > 1 ? 11 : 13}>
                    {shown}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </Chart>
  );
};

/** Periods along the bottom, each a column of the series stacked on one another, with a legend. */
export const StackedColumns = ({
  label,
  caption,
  periods,
  series,
  value,
  format,
}: {
  label: string;
  caption: string;
  periods: readonly Item[];
  series: readonly Item[];
  value: (period: Item, series: Item) => number;
  format: Format;
}) => {
  const left = 64;
  const right = 8;
  const top = 10;
  const bottom = 40;
  const height = 320;
  const plotHeight = height - top - bottom;
  const totals = periods.map((period) => series.reduce((sum, each) => sum + value(period, each), 0));
  const ticks = ticksUpTo(Math.max(0, ...totals));
  const scale = plotHeight / (ticks.at(-1) ?? 1);
  const slot = (width - left - right) / Math.max(1, periods.length);
  const columnWidth = Math.min(60, slot * 0.7);
  const labelEvery = Math.ceil(periods.length / 12);
  return (
    <Chart label={label} caption={caption} height={height} legend={series}>
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={left} x2={width - right} y1={top + plotHeight - tick * scale} y2={top + plotHeight - tick * scale} stroke={grid} />
          <text x={left - 6} y={top + plotHeight - tick * scale + 4} text-anchor="end" fill={muted}>
            {format(tick)}
          </text>
        </g>
      ))}
      {periods.map((period, p) => {
        const x = left + p * slot + (slot - columnWidth) / 2;
        let stacked = 0;
        return (
          <g key={period.key}>
            {series.map((each, s) => {
              const amount = value(period, each);
              if (amount <= 0) return null;
              const y = top + plotHeight - (stacked + amount) * scale;
              stacked += amount;
              return (
                <rect key={each.key} x={x} y={y} width={columnWidth} height={amount * scale} fill={colourOf(s)} stroke="#ffffff" stroke-width="1">
                  <title>{`${period.label}, ${each.label}: ${format(amount)}`}</title>
                </rect>
              );
            })}
            {p % labelEvery === 0 && (
              <text x={x + columnWidth / 2} y={height - bottom + 18} text-anchor="middle" fill={muted}>
                {shorten(period.label, 14)}
              </text>
            )}
          </g>
        );
      })}
      <line x1={left} x2={width - right} y1={top + plotHeight} y2={top + plotHeight} stroke={muted} />
    </Chart>
  );
};

/** A small line over time: one point per period, each with its value. */
export const Trend = ({
  label,
  caption,
  points,
  format,
}: {
  label: string;
  caption: string;
  points: readonly (Item & { readonly value: number })[];
  format: Format;
}) => {
  const left = 64;
  const right = 16;
  const top = 12;
  const bottom = 32;
  const height = 170;
  const plotHeight = height - top - bottom;
  const ticks = ticksUpTo(Math.max(0, ...points.map((point) => point.value)), 3);
  const scale = plotHeight / (ticks.at(-1) ?? 1);
  const step = (width - left - right) / Math.max(1, points.length - 1);
  const at = (index: number, amount: number): [number, number] => [
    points.length === 1 ? (width + left - right) / 2 : left + index * step,
    top + plotHeight - amount * scale,
  ];
  const labelEvery = Math.ceil(points.length / 8);
  return (
    <Chart label={label} caption={caption} height={height}>
      {ticks.map((tick) => (
        <g key={tick}>
          <line x1={left} x2={width - right} y1={top + plotHeight - tick * scale} y2={top + plotHeight - tick * scale} stroke={grid} />
          <text x={left - 6} y={top + plotHeight - tick * scale + 4} text-anchor="end" fill={muted}>
            {format(tick)}
          </text>
        </g>
      ))}
      {points.length > 1 && (
        <polyline
          points={points.map((point, i) => at(i, point.value).join(',')).join(' ')}
          fill="none"
          stroke={colourOf(0)}
          stroke-width="2.5"
          stroke-linejoin="round"
        />
      )}
      {points.map((point, i) => {
        const [x, y] = at(i, point.value);
        return (
          <g key={point.key}>
            <circle cx={x} cy={y} r="5" fill={colourOf(0)}>
              <title>{`${point.label}: ${format(point.value)}`}</title>
            </circle>
            {i % labelEvery === 0 && (
              <text x={x} y={height - 10} text-anchor="middle" fill={muted}>
                {point.label}
              </text>
            )}
          </g>
        );
      })}
    </Chart>
  );
};

/** From pale to deep blue as a share goes from 0 to 1; dark cells are never next to dark text. */
const shade = (share: number): string => {
  const t = Math.min(1, Math.max(0, share));
  const from = [0xf0, 0xf5, 0xfb];
  const to = [0x08, 0x30, 0x6b];
  return `#${from
    .map((c, i) =>
      Math.round(c + (to[i]! - c) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
};

/** Rows by columns, each cell shaded by its share (0..1), with a scale underneath. */
export const Heatmap = ({
  label,
  caption,
  rows,
  columns,
  value,
  format,
}: {
  label: string;
  caption: string;
  rows: readonly Item[];
  columns: readonly Item[];
  value: (row: Item, column: Item) => number | null;
  format: Format;
}) => {
  const left = 110;
  const top = 24;
  const cellWidth = Math.min(40, (width - left - 8) / Math.max(1, columns.length));
  const cellHeight = 18;
  const scaleTop = top + rows.length * cellHeight + 14;
  const height = scaleTop + 34;
  const labelEvery = Math.ceil(columns.length / 24);
  const steps = [0, 0.25, 0.5, 0.75, 1];
  return (
    <Chart label={label} caption={caption} height={height}>
      {columns.map((column, c) =>
        c % labelEvery === 0 ? (
          <text key={column.key} x={left + c * cellWidth + cellWidth / 2} y={top - 8} text-anchor="middle" fill={muted} font-size="11">
            {column.label}
          </text>
        ) : null,
      )}
      {rows.map((row, r) => (
        <g key={row.key}>
          <text x={left - 6} y={top + r * cellHeight + cellHeight / 2 + 4} text-anchor="end" font-size="11">
            {row.label}
          </text>
          {columns.map((column, c) => {
            const share = value(row, column);
            if (share === null) return null;
            return (
              <rect key={column.key} x={left + c * cellWidth} y={top + r * cellHeight} width={cellWidth - 1} height={cellHeight - 1} fill={shade(share)}>
                <title>{`${row.label}, ${column.label}: ${format(share)}`}</title>
              </rect>
            );
          })}
        </g>
      ))}
      {steps.map((step, i) => (
        <g key={step}>
          <rect x={left + i * 70} y={scaleTop} width="24" height="14" fill={shade(step)} stroke={grid} />
          <text x={left + i * 70 + 30} y={scaleTop + 11} fill={muted} font-size="11">
            {format(step)}
          </text>
        </g>
      ))}
    </Chart>
  );
};
