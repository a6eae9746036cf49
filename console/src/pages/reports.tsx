/**
 * The managers' reports: each page is a set of filters kept in the address and one or more
 * sections, each a report's chart, its table with the same numbers, and its CSV.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { call, downloadCsv, type ReportRows } from '../api.ts';
import { Heatmap, HorizontalBars, type Item, StackedColumns } from '../charts.tsx';
import { type Column, DataTable, ErrorNote, Show, useLoaded } from '../components.tsx';
import { type Formats, useLocale } from '../i18n.ts';
import { type Choice, type FilterName, type FilterValues, filterValues, pick, ReportFilters } from '../report-filters.tsx';
import { hrefOf } from '../router.ts';
import type { Words } from '../words/en.ts';
import type { PageProps } from './page.ts';

export type Row = ReportRows['rows'][number];
type Kind = 'text' | 'number' | 'money' | 'share' | 'day' | 'client';

/** How each kind of column is written: the same in the table, the chart's titles and the tiles. */
export const shown = (formats: Formats, kind: Kind, value: Row[string] | undefined): string => {
  if (value === null || value === undefined || value === '') return '';
  if (kind === 'number') return formats.number(Number(value));
  if (kind === 'money') return formats.money(Number(value));
  if (kind === 'share') return formats.share(Number(value));
  if (kind === 'day') return formats.day(String(value));
  return String(value);
};

export const num = (value: Row[string] | undefined): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);

/** The distinct values of a column, in the order they first appear. */
const distinct = (rows: readonly Row[], key: string, label: (row: Row) => string = (row) => String(row[key] ?? '')): Item[] => {
  const seen = new Map<string, Item>();
  for (const row of rows) {
    const value = String(row[key] ?? '');
    if (!seen.has(value)) seen.set(value, { key: value, label: label(row) });
  }
  return [...seen.values()];
};

type ReportWords = Words['reports'];
type ColumnName = keyof ReportWords['columns'];

/** A report's table column: the API's column, its heading, and how its values are written. */
interface ReportColumn {
  readonly name: string;
  readonly heading: ColumnName;
  readonly kind: Kind;
  /** A value the words translate (churn types, kinds, outreach groups); others are shown as the API gives them. */
  readonly translate?: boolean;
}

const col = (name: string, kind: Kind = 'text', heading?: ColumnName, translate?: boolean): ReportColumn => ({
  name,
  kind,
  heading: heading ?? (name as ColumnName),
  ...(translate && { translate }),
});

const valueLabel = (words: ReportWords, value: Row[string] | undefined): string =>
  (words.values as Readonly<Record<string, string>>)[String(value)] ?? String(value ?? '');

/**
 * One report on a page: its heading, a chart drawn from the rows, the table of the same rows,
 * the CSV of the same query. Loads by itself whenever its query changes; a long query shows
 * the seconds it has waited.
 */
const ReportSection = ({
  id,
  title,
  report,
  query,
  columns,
  chart,
  extra,
}: {
  id: string;
  title: string;
  report: string;
  query: Readonly<Record<string, string | undefined>>;
  columns: readonly ReportColumn[];
  chart?: (rows: readonly Row[]) => ComponentChildren;
  /** More tables or notes drawn from the same rows. */
  extra?: (rows: readonly Row[]) => ComponentChildren;
}) => {
  const { words, formats } = useLocale();
  const key = JSON.stringify([report, query]);
  const [loaded, reload] = useLoaded((waiting) => call('run', { params: { name: report }, query }, waiting), key);
  const [csvError, setCsvError] = useState<unknown>(undefined);
  const tableColumns: Column<Row>[] = columns.map((column) => ({
    key: column.name,
    label: words.reports.columns[column.heading],
    numeric: column.kind === 'number' || column.kind === 'money' || column.kind === 'share',
    value: (row) =>
      column.kind === 'client' && row[column.name] ? (
        <a href={hrefOf(`/clients/${encodeURIComponent(String(row[column.name]))}`)}>{String(row[column.name])}</a>
      ) : column.translate ? (
        valueLabel(words.reports, row[column.name])
      ) : (
        shown(formats, column.kind, row[column.name])
      ),
  }));
  return (
    <section class="card report" aria-labelledby={`${id}-title`} data-testid={`report-${id}`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <Show loaded={loaded} retry={reload}>
        {(answer) => (
          <>
            {answer.rows.length > 0 && chart?.(answer.rows)}
            <DataTable caption={title} columns={tableColumns} rows={answer.rows} rowKey={(_row, index) => String(index)} />
            {answer.rows.length > 0 && extra?.(answer.rows)}
          </>
        )}
      </Show>
      <div class="toolbar">
        <button
          type="button"
          aria-label={`${words.common.downloadCsv}: ${title}`}
          onClick={() => {
            setCsvError(undefined);
            downloadCsv(report, query).catch(setCsvError);
          }}
        >
          {words.common.downloadCsv}
        </button>
      </div>
      {csvError !== undefined && <ErrorNote error={csvError} />}
    </section>
  );
};

const ReportPage = ({
  title,
  intro,
  path,
  fields,
  choices,
  values,
  children,
}: {
  title: string;
  intro: string;
  path: string;
  fields: readonly ('from' | 'to' | 'branch' | 'doctor' | 'days')[];
  choices?: readonly Choice[];
  values: FilterValues;
  children: ComponentChildren;
}) => (
  <div class="report-page">
    <h1>{title}</h1>
    <p class="note">{intro}</p>
    <ReportFilters path={path} values={values} fields={fields} {...(choices && { choices })} />
    {children}
  </div>
);

const churnTypeChoice = (words: ReportWords): Choice => ({
  name: 'churnType',
  label: words.filters.churnType,
  options: [
    { value: '', label: words.filters.all },
    { value: 'voluntary', label: words.values.voluntary },
    { value: 'involuntary', label: words.values.involuntary },
    { value: 'passive', label: words.values.passive },
  ],
});

const channelChoice = (words: ReportWords): Choice => ({
  name: 'channel',
  label: words.filters.channel,
  options: [
    { value: '', label: words.filters.all },
    { value: 'page', label: words.values.page },
    { value: 'sms', label: words.values.sms },
    { value: 'whatsapp', label: words.values.whatsapp },
    { value: 'viber', label: words.values.viber },
    { value: 'staff', label: words.values.staff },
  ],
});

/** Lost clients: how many gave each reason, and each reason week by week or month by month. */
export const LostClients = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.reports;
  const names: FilterName[] = ['from', 'to', 'branch', 'doctor', 'channel', 'churnType', 'by'];
  const values = filterValues(place.query, names);
  const filters = pick(values, ['from', 'to', 'branch', 'doctor', 'channel', 'churnType']);
  const by = values.by === 'week' ? 'week' : 'month';
  const byReason = (rows: readonly Row[]) => {
    const items = rows.map((row) => ({ key: String(row.reason_id), label: String(row.label ?? row.reason_id) }));
    return (
      <HorizontalBars
        label={w.lost.byReason}
        caption={w.lost.byReasonCaption}
        rows={items}
        series={[{ key: 'clients', label: w.columns.clients }]}
        value={(item) => num(rows.find((row) => String(row.reason_id) === item.key)?.clients)}
        format={formats.number}
      />
    );
  };
  const overTime = (rows: readonly Row[]) => (
    <StackedColumns
      label={by === 'week' ? w.lost.byWeek : w.lost.byMonth}
      caption={w.lost.overTimeCaption}
      periods={distinct(rows, 'period', (row) => formats.day(String(row.period)))}
      series={distinct(rows, 'reason_id', (row) => String(row.label ?? row.reason_id))}
      value={(period, reason) =>
        rows.filter((row) => String(row.period) === period.key && String(row.reason_id) === reason.key).reduce((sum, row) => sum + num(row.clients), 0)
      }
      format={formats.number}
    />
  );
  return (
    <ReportPage
      title={words.nav.lost}
      intro={w.lost.intro}
      path="/lost"
      values={values}
      fields={['from', 'to', 'branch', 'doctor']}
      choices={[
        channelChoice(w),
        churnTypeChoice(w),
        {
          name: 'by',
          label: w.filters.periods,
          options: [
            { value: 'month', label: w.filters.months },
            { value: 'week', label: w.filters.weeks },
          ],
        },
      ]}
    >
      <ReportSection
        id="lost-by-reason"
        title={w.lost.byReason}
        report="lost"
        query={{ ...filters, by: 'reason' }}
        columns={[
          col('label', 'text', 'reason'),
          col('reason_id', 'text', 'reasonId'),
          col('churn_type', 'text', 'churnType', true),
          col('clients', 'number'),
          col('share', 'share'),
          col('also_clients', 'number', 'alsoClients'),
        ]}
        chart={byReason}
      />
      <ReportSection
        id="lost-over-time"
        title={by === 'week' ? w.lost.byWeek : w.lost.byMonth}
        report="lost"
        query={{ ...filters, by }}
        columns={[col('period', 'day'), col('label', 'text', 'reason'), col('churn_type', 'text', 'churnType', true), col('clients', 'number')]}
        chart={overTime}
      />
    </ReportPage>
  );
};

/** Per doctor: how many of their patients came back within N days, to them or to anyone. */
export const RetentionByDoctor = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.reports;
  const values = filterValues(place.query, ['from', 'to', 'branch', 'days']);
  const days = Number(values.days ?? 90) || 90;
  return (
    <ReportPage title={words.nav.retention} intro={w.retention.intro} path="/retention" values={values} fields={['from', 'to', 'branch', 'days']}>
      <ReportSection
        id="retention"
        title={w.retention.title(days)}
        report="retention-by-doctor"
        query={pick(values, ['from', 'to', 'branch', 'days'])}
        columns={[
          col('doctor_id', 'text', 'doctor'),
          col('patients', 'number'),
          col('back_same_doctor', 'number', 'backSameDoctor'),
          col('back_any_doctor', 'number', 'backAnyDoctor'),
          col('came_once', 'number', 'cameOnce'),
          col('retention_same_doctor', 'share', 'retentionSameDoctor'),
          col('retention_any_doctor', 'share', 'retentionAnyDoctor'),
        ]}
        chart={(rows) => (
          <HorizontalBars
            label={w.retention.title(days)}
            caption={w.retention.caption}
            rows={distinct(rows, 'doctor_id')}
            series={[
              { key: 'retention_same_doctor', label: w.columns.retentionSameDoctor },
              { key: 'retention_any_doctor', label: w.columns.retentionAnyDoctor },
            ]}
            value={(doctor, series) => num(rows.find((row) => String(row.doctor_id) === doctor.key)?.[series.key])}
            format={formats.share}
          />
        )}
      />
    </ReportPage>
  );
};

/** The average check by month, doctor, branch or category; and the clients whose check fell. */
export const AverageCheck = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.reports;
  const values = filterValues(place.query, ['from', 'to', 'branch', 'doctor', 'by']);
  const by = (['doctor', 'branch', 'category'] as const).find((each) => each === values.by) ?? 'month';
  const filters = pick(values, ['from', 'to', 'branch', 'doctor']);
  const groupLabel = (row: Row): string => (by === 'month' ? formats.day(String(row.group_key)) : String(row.group_key || '—'));
  return (
    <ReportPage
      title={words.nav.averageCheck}
      intro={w.averageCheck.intro}
      path="/average-check"
      values={values}
      fields={['from', 'to', 'branch', 'doctor']}
      choices={[
        {
          name: 'by',
          label: w.filters.groupBy,
          options: (['month', 'doctor', 'branch', 'category'] as const).map((value) => ({ value, label: w.averageCheck.groups[value] })),
        },
      ]}
    >
      <ReportSection
        id="average-check"
        title={w.averageCheck.title(w.averageCheck.groups[by])}
        report="average-check"
        query={{ ...filters, by }}
        columns={[
          col('group_key', by === 'month' ? 'day' : 'text', by === 'month' ? 'period' : 'group'),
          col('visits', 'number'),
          col('clients', 'number'),
          col('revenue_minor', 'money', 'revenue'),
          col('average_check_minor', 'money', 'averageCheck'),
          col('median_check_minor', 'money', 'medianCheck'),
        ]}
        chart={(rows) => {
          const groups = distinct(rows, 'group_key', groupLabel);
          const average = (item: Item) => num(rows.find((row) => String(row.group_key) === item.key)?.average_check_minor);
          const series = [{ key: 'average', label: w.columns.averageCheck }];
          return by === 'month' ? (
            <StackedColumns
              label={w.averageCheck.title(w.averageCheck.groups[by])}
              caption={w.averageCheck.caption}
              periods={groups}
              series={series}
              value={average}
              format={formats.money}
            />
          ) : (
            <HorizontalBars
              label={w.averageCheck.title(w.averageCheck.groups[by])}
              caption={w.averageCheck.caption}
              rows={groups}
              series={series}
              value={average}
              format={formats.money}
            />
          );
        }}
      />
      <ReportSection
        id="check-fell"
        title={w.averageCheck.declining}
        report="average-check"
        query={{ ...pick(values, ['to', 'branch', 'doctor']), by: 'declining' }}
        columns={[
          col('client_id', 'client', 'client'),
          col('before_check_minor', 'money', 'beforeCheck'),
          col('recent_check_minor', 'money', 'recentCheck'),
          col('recent_visits', 'number', 'recentVisits'),
          col('change', 'share'),
        ]}
      />
      <p class="note">{w.averageCheck.decliningNote}</p>
    </ReportPage>
  );
};

/** Money lost: the value the still-lapsed clients take away, by the reason they gave and its churn type. */
export const MoneyLost = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.reports;
  const values = filterValues(place.query, ['from', 'to', 'branch', 'doctor']);
  const byChurnType = (rows: readonly Row[]) => {
    const types = distinct(rows, 'churn_type', (row) => valueLabel(w, row.churn_type));
    const sums = types.map((type) => {
      const of = rows.filter((row) => String(row.churn_type) === type.key);
      return { ...type, clients: of.reduce((sum, row) => sum + num(row.lost_clients), 0), money: of.reduce((sum, row) => sum + num(row.money_lost_minor), 0) };
    });
    return (
      <section aria-labelledby="money-by-type-title" data-testid="report-money-by-type">
        <h3 id="money-by-type-title">{w.moneyLost.byChurnType}</h3>
        <HorizontalBars
          label={w.moneyLost.byChurnType}
          caption={w.moneyLost.byChurnTypeCaption}
          rows={sums}
          series={[{ key: 'money', label: w.columns.moneyLost }]}
          value={(type) => sums.find((each) => each.key === type.key)?.money ?? 0}
          format={formats.money}
        />
        <DataTable
          caption={w.moneyLost.byChurnType}
          rows={sums}
          rowKey={(row) => row.key}
          columns={[
            { key: 'churn_type', label: w.columns.churnType, value: (row) => row.label },
            { key: 'lost_clients', label: w.columns.lostClients, value: (row) => formats.number(row.clients), numeric: true },
            { key: 'money_lost_minor', label: w.columns.moneyLost, value: (row) => formats.money(row.money), numeric: true },
          ]}
        />
      </section>
    );
  };
  return (
    <ReportPage title={words.nav.moneyLost} intro={w.moneyLost.intro} path="/money-lost" values={values} fields={['from', 'to', 'branch', 'doctor']}>
      <ReportSection
        id="money-lost"
        title={w.moneyLost.byReason}
        report="churn"
        query={{ ...pick(values, ['from', 'to', 'branch', 'doctor']), by: 'reason' }}
        columns={[
          col('reason_id', 'text', 'reasonId', true),
          col('churn_type', 'text', 'churnType', true),
          col('kind', 'text', 'kind', true),
          col('lost_clients', 'number', 'lostClients'),
          col('money_lost_minor', 'money', 'moneyLost'),
        ]}
        chart={(rows) => (
          <HorizontalBars
            label={w.moneyLost.byReason}
            caption={w.moneyLost.byReasonCaption}
            rows={distinct(rows, 'reason_id', (row) => valueLabel(w, row.reason_id))}
            series={distinct(rows, 'kind', (row) => valueLabel(w, row.kind))}
            value={(reason, kind) => {
              const of = rows.filter((row) => String(row.reason_id) === reason.key && String(row.kind) === kind.key);
              return of.length === 0 ? null : of.reduce((sum, row) => sum + num(row.money_lost_minor), 0);
            }}
            format={formats.money}
          />
        )}
        extra={byChurnType}
      />
    </ReportPage>
  );
};

/** The lift of asking: won back among those asked against the control group never asked. */
const Lift = ({ rows }: { rows: readonly Row[] }) => {
  const { words, formats } = useLocale();
  const asked = rows.find((row) => row.outreach === 'asked');
  const control = rows.find((row) => row.outreach === 'control group');
  if (!asked || !control) return <p class="note">{words.reports.campaigns.noControl}</p>;
  const lift = num(asked.won_back_rate) - num(control.won_back_rate);
  return (
    <p class="lift" data-testid="lift">
      {words.reports.campaigns.lift(formats.share(num(asked.won_back_rate)), formats.share(num(control.won_back_rate)), formats.share(lift))}
    </p>
  );
};

/** The feedback requests: sent, delivered, answered, came back; and what asking changed against the control group. */
export const Campaigns = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.reports;
  const values = filterValues(place.query, ['from', 'to']);
  const query = pick(values, ['from', 'to']);
  const steps = (['sent', 'delivered', 'answered', 'came_back'] as const).map((key) => ({ key, label: w.columns[key === 'came_back' ? 'cameBack' : key] }));
  const requestLabel = (row: Row): string => `${String(row.channel ?? '')} · ${num(row.request)} · ${String(row.locale ?? '')}`;
  return (
    <ReportPage title={words.nav.campaigns} intro={w.campaigns.intro} path="/campaigns" values={values} fields={['from', 'to']}>
      <ReportSection
        id="campaigns"
        title={w.campaigns.requests}
        report="campaigns"
        query={query}
        columns={[
          col('channel', 'text', 'channel', true),
          col('request', 'number'),
          col('locale', 'text', 'language'),
          col('sent', 'number'),
          col('delivered', 'number'),
          col('seen', 'number'),
          col('answered', 'number'),
          col('came_back', 'number', 'cameBack'),
          col('answer_rate', 'share', 'answerRate'),
          col('came_back_rate', 'share', 'cameBackRate'),
        ]}
        chart={(rows) => {
          const items = rows.map((row, index) => ({ key: String(index), label: requestLabel(row) }));
          return (
            <HorizontalBars
              label={w.campaigns.requests}
              caption={w.campaigns.requestsCaption}
              rows={items}
              series={steps}
              value={(item, step) => num(rows[Number(item.key)]?.[step.key])}
              format={formats.number}
            />
          );
        }}
      />
      <ReportSection
        id="outcome"
        title={w.campaigns.outcome}
        report="churn"
        query={{ ...query, by: 'outcome' }}
        columns={[
          col('outreach', 'text', 'outreach', true),
          col('episodes', 'number'),
          col('won_back', 'number', 'wonBack'),
          col('won_back_rate', 'share', 'wonBackRate'),
          col('money_recovered_minor', 'money', 'moneyRecovered'),
          col('money_lost_minor', 'money', 'moneyLost'),
        ]}
        chart={(rows) => (
          <>
            <Lift rows={rows} />
            <HorizontalBars
              label={w.campaigns.outcome}
              caption={w.campaigns.outcomeCaption}
              rows={rows.map((row) => ({ key: String(row.outreach), label: valueLabel(w, row.outreach) }))}
              series={[{ key: 'won_back_rate', label: w.columns.wonBackRate }]}
              value={(group) => num(rows.find((row) => String(row.outreach) === group.key)?.won_back_rate)}
              format={formats.share}
            />
          </>
        )}
      />
    </ReportPage>
  );
};

/** First-visit cohorts: of those who first came in a month, the share who came in each month after. */
export const Cohorts = ({ place }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.reports;
  const values = filterValues(place.query, ['from', 'to']);
  const month = new Intl.DateTimeFormat(formats.language, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const monthOf = (row: Row): string => {
    const at = new Date(`${String(row.cohort).slice(0, 10)}T00:00:00Z`);
    return Number.isNaN(at.getTime()) ? String(row.cohort) : month.format(at);
  };
  return (
    <ReportPage title={words.nav.cohorts} intro={w.cohorts.intro} path="/cohorts" values={values} fields={['from', 'to']}>
      <ReportSection
        id="cohorts"
        title={w.cohorts.title}
        report="cohorts"
        query={pick(values, ['from', 'to'])}
        columns={[
          col('cohort', 'day'),
          col('months_since', 'number', 'monthsSince'),
          col('cohort_size', 'number', 'cohortSize'),
          col('clients', 'number'),
          col('share', 'share'),
        ]}
        chart={(rows) => {
          const columns = [...new Set(rows.map((row) => num(row.months_since)))].sort((a, b) => a - b).map((n) => ({ key: String(n), label: String(n) }));
          return (
            <Heatmap
              label={w.cohorts.title}
              caption={w.cohorts.caption}
              rows={distinct(rows, 'cohort', monthOf)}
              columns={columns}
              value={(cohort, since) => {
                const row = rows.find((each) => String(each.cohort) === cohort.key && String(num(each.months_since)) === since.key);
                return row ? num(row.share) : null;
              }}
              format={formats.share}
            />
          );
        }}
      />
    </ReportPage>
  );
};
