/**
 * The manager's morning page: the lapsed and what they are worth, who will lapse soon, this
 * month's answers, what asking won back against the control group, the work waiting, and how
 * fresh all of it is. Each tile links to the page with the detail.
 */
import type { ComponentChildren } from 'preact';
import { call } from '../api.ts';
import { HorizontalBars, Trend } from '../charts.tsx';
import { DataTable, ErrorNote, type Loaded, Show, useLoaded } from '../components.tsx';
import { useLocale } from '../i18n.ts';
import { hrefOf } from '../router.ts';
import type { PageProps } from './page.ts';
import { num, type Row } from './reports.tsx';

/** Today on the clinic's calendar, as YYYY-MM-DD. */
const todayIn = (timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

const report = (name: string, query: Record<string, string>) => (waiting: (seconds: number) => void) =>
  call('run', { params: { name }, query }, waiting).then((answer) => answer.rows);

const sum = (rows: readonly Row[], key: string): number => rows.reduce((total, row) => total + num(row[key]), 0);

/** One number the manager looks at, linked to where it comes from. */
const Tile = <T,>({
  id,
  label,
  href,
  loaded,
  value,
  detail,
}: {
  id: string;
  label: string;
  href: string;
  loaded: Loaded<T>;
  value: (loaded: T) => string;
  detail?: (loaded: T) => string | undefined;
}) => {
  const { words } = useLocale();
  return (
    <a class="tile" href={href} data-testid={`tile-${id}`}>
      <span class="value">
        {loaded.state === 'ready' ? value(loaded.value) : loaded.state === 'failed' ? words.overview.unavailable : words.overview.loadingValue}
      </span>
      <span class="label">{label}</span>
      {loaded.state === 'ready' && detail?.(loaded.value) && <span class="detail">{detail(loaded.value)}</span>}
    </a>
  );
};

const Failures = ({ loads, retry }: { loads: readonly Loaded<unknown>[]; retry: () => void }): ComponentChildren => {
  const failed = loads.find((loaded) => loaded.state === 'failed');
  return failed && failed.state === 'failed' ? <ErrorNote error={failed.error} retry={retry} /> : null;
};

export const Overview = ({ config }: PageProps) => {
  const { words, formats } = useLocale();
  const w = words.overview;
  const today = todayIn(config.timeZone);
  const monthStart = `${today.slice(0, 8)}01`;
  const [now, reloadNow] = useLoaded(report('activity', { by: 'now' }), 'now');
  const [weeks, reloadWeeks] = useLoaded(report('activity', { by: 'week' }), 'weeks');
  const [atRisk, reloadAtRisk] = useLoaded(report('at-risk', { weeks: '4', limit: '10000' }), 'at-risk');
  const [answers, reloadAnswers] = useLoaded(report('lost', { by: 'reason', from: monthStart, to: today }), `answers-${monthStart}-${today}`);
  const [outcome, reloadOutcome] = useLoaded(report('churn', { by: 'outcome' }), 'outcome');
  const [reasons, reloadReasons] = useLoaded(() => call('reasons', {}), 'reasons');
  const [followUps, reloadFollowUps] = useLoaded(() => call('followUps', { query: { status: 'open' } }), 'follow-ups');
  const retryAll = (): void => {
    for (const [loaded, reload] of [
      [now, reloadNow],
      [atRisk, reloadAtRisk],
      [answers, reloadAnswers],
      [outcome, reloadOutcome],
      [reasons, reloadReasons],
      [followUps, reloadFollowUps],
    ] as const) {
      if (loaded.state === 'failed') reload();
    }
  };
  const asked = (rows: readonly Row[]) => rows.filter((row) => row.outreach === 'asked');
  const rateOf = (rows: readonly Row[], group: string): number | undefined => {
    const of = rows.filter((row) => row.outreach === group);
    const episodes = sum(of, 'episodes');
    return episodes > 0 ? sum(of, 'won_back') / episodes : undefined;
  };
  const day = (value: Row[string] | undefined): string => (value ? formats.day(String(value)) : w.never);
  return (
    <div class="overview">
      <h1>{words.nav.overview}</h1>
      <Failures loads={[now, atRisk, answers, outcome, reasons, followUps]} retry={retryAll} />
      <h2>{w.lapsedHeading}</h2>
      <div class="tiles">
        <Tile id="lapsed" label={w.lapsedNow} href={hrefOf('/lapsed')} loaded={now} value={(rows) => formats.number(sum(rows, 'lapsed_clients'))} />
        <Tile
          id="value-at-risk"
          label={w.valueAtRisk}
          href={hrefOf('/money-lost')}
          loaded={now}
          value={(rows) => formats.money(sum(rows, 'value_at_risk_minor'))}
        />
        <Tile id="at-risk" label={w.atRisk} href={hrefOf('/lapsed')} loaded={atRisk} value={(rows) => formats.number(rows.length)} />
        <Tile
          id="answers"
          label={w.answersThisMonth}
          href={hrefOf('/lost', { from: monthStart, to: today })}
          loaded={answers}
          value={(rows) => formats.number(sum(rows, 'clients'))}
        />
      </div>
      <h2>{w.outreachHeading}</h2>
      <div class="tiles">
        <Tile id="won-back" label={w.wonBack} href={hrefOf('/campaigns')} loaded={outcome} value={(rows) => formats.number(sum(asked(rows), 'won_back'))} />
        <Tile
          id="recovered"
          label={w.recovered}
          href={hrefOf('/campaigns')}
          loaded={outcome}
          value={(rows) => formats.money(sum(asked(rows), 'money_recovered_minor'))}
        />
        <Tile
          id="lift"
          label={w.lift}
          href={hrefOf('/campaigns')}
          loaded={outcome}
          value={(rows) => {
            const askedRate = rateOf(rows, 'asked');
            const controlRate = rateOf(rows, 'control group');
            return askedRate === undefined || controlRate === undefined ? '—' : formats.share(askedRate - controlRate);
          }}
          detail={(rows) => {
            const askedRate = rateOf(rows, 'asked');
            const controlRate = rateOf(rows, 'control group');
            return askedRate === undefined || controlRate === undefined ? w.noControl : w.liftDetail(formats.share(askedRate), formats.share(controlRate));
          }}
        />
      </div>
      <h2>{w.waitingHeading}</h2>
      <div class="tiles">
        <Tile id="pending" label={w.pending} href={hrefOf('/reasons')} loaded={reasons} value={(answer) => formats.number(answer.pending)} />
        <Tile id="follow-ups" label={w.followUps} href={hrefOf('/follow-ups')} loaded={followUps} value={(answer) => formats.number(answer.followUps.length)} />
        <Tile id="last-export" label={w.lastExport} href={hrefOf('/lost')} loaded={now} value={(rows) => day(rows[0]?.export_day)} />
        <Tile id="last-sweep" label={w.lastSweep} href={hrefOf('/lapsed')} loaded={now} value={(rows) => day(rows[0]?.last_sweep)} />
      </div>
      <section class="card" aria-labelledby="trend-title" data-testid="overview-trend">
        <h2 id="trend-title">{w.trendTitle}</h2>
        <Show loaded={weeks} retry={reloadWeeks}>
          {(rows) => {
            const points = [...new Set(rows.map((row) => String(row.week)))].map((week) => {
              const of = rows.filter((row) => String(row.week) === week);
              return {
                key: week,
                label: formats.day(week),
                value: sum(of, 'lapsed_clients'),
                still: sum(of, 'still_lapsed'),
                money: sum(of, 'value_at_risk_minor'),
              };
            });
            return (
              <>
                {points.length > 0 && <Trend label={w.trendTitle} caption={w.trendCaption} points={points} format={formats.number} />}
                <DataTable
                  caption={w.trendTitle}
                  rows={points}
                  rowKey={(point) => point.key}
                  columns={[
                    { key: 'week', label: w.week, value: (point) => point.label },
                    { key: 'lapsed_clients', label: w.foundLapsed, value: (point) => formats.number(point.value), numeric: true },
                    { key: 'still_lapsed', label: w.stillLapsed, value: (point) => formats.number(point.still), numeric: true },
                    { key: 'value_at_risk_minor', label: w.valueAtRisk, value: (point) => formats.money(point.money), numeric: true },
                  ]}
                />
              </>
            );
          }}
        </Show>
      </section>
      <section class="card" aria-labelledby="answers-title" data-testid="overview-answers">
        <h2 id="answers-title">{w.answersTitle}</h2>
        <Show loaded={answers} retry={reloadAnswers}>
          {(rows) => (
            <>
              {rows.length > 0 && (
                <HorizontalBars
                  label={w.answersTitle}
                  caption={w.answersCaption}
                  rows={rows.map((row) => ({ key: String(row.reason_id), label: String(row.label ?? row.reason_id) }))}
                  series={[{ key: 'clients', label: words.reports.columns.clients }]}
                  value={(item) => num(rows.find((row) => String(row.reason_id) === item.key)?.clients)}
                  format={formats.number}
                />
              )}
              <DataTable
                caption={w.answersTitle}
                rows={rows}
                rowKey={(row) => String(row.reason_id)}
                columns={[
                  { key: 'label', label: words.reports.columns.reason, value: (row) => String(row.label ?? row.reason_id) },
                  { key: 'clients', label: words.reports.columns.clients, value: (row) => formats.number(num(row.clients)), numeric: true },
                  { key: 'share', label: words.reports.columns.share, value: (row) => formats.share(num(row.share)), numeric: true },
                ]}
              />
              <p>
                <a href={hrefOf('/lost', { from: monthStart, to: today })}>{w.moreAnswers}</a>
              </p>
            </>
          )}
        </Show>
      </section>
    </div>
  );
};
