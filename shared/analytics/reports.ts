/**
 * The managers' reports: each one's parameters, and its SQL written once for both engines
 * (Athena's Trino and DuckDB) over the exported tables of export-tables.ts. Values are always
 * bound as `?` parameters; the only text ever chosen by a request is one of a closed set of
 * groupings, or whether a filter's clause is there at all. The few dialect differences sit in
 * `dialects`.
 *
 * Conventions both engines agree on: `CAST(date_trunc(unit, x) AS DATE)` (DuckDB's date_trunc
 * returns a timestamp), `date_diff('day', a, b)` on DATE values, `CAST(.. AS DOUBLE)` before a
 * division, `''` rather than NULL for "no filter" (Athena's parameters are literals).
 */
import * as z from 'zod';
import { isIsoDay, latestDayAnywhere } from '../common/dates.ts';
import { AppError, type Problem } from '../common/app-error.ts';
import { currentAnswersExport, partitionOfDay } from './export-tables.ts';

export type Dialect = 'trino' | 'duckdb';

/** What differs between the engines, and nothing else. */
export const dialects: Readonly<Record<Dialect, { readonly median: (expression: string) => string }>> = {
  trino: { median: (expression) => `approx_percentile(${expression}, 0.5)` },
  duckdb: { median: (expression) => `approx_quantile(${expression}, 0.5)` },
};

/** A report's day: a real one, and not one still to come (at the latest, tomorrow in UTC: today somewhere). */
const day = z
  .string()
  .refine(isIsoDay, { message: 'a date as YYYY-MM-DD', abort: true })
  .refine((value) => value <= latestDayAnywhere(), 'not a day still to come (at the latest, tomorrow)');
const filter = z
  .string()
  .trim()
  .max(100)
  .regex(/^[\p{L}\p{N}._:@ -]*$/u, 'letters, digits and . _ : @ - only')
  .default('');

/**
 * The latest snapshot of a snapshot table. (Not `max(dt)`: DuckDB 1.5.5 fails an internal
 * assertion on an aggregate over a Hive partition column alone.)
 */
const latest = (table: string): string => `(SELECT * FROM ${table} WHERE dt IN (SELECT dt FROM ${table} ORDER BY dt DESC LIMIT 1))`;

export interface ReportDefinition<P> {
  readonly name: string;
  readonly description: string;
  /** Query-string parameters: validated, defaulted; a bad one is refused with its name. */
  readonly parameters: z.ZodType<P, unknown>;
  readonly sql: (dialect: Dialect, parameters: P) => string;
  /** The values for the `?` of `sql`, in order. */
  readonly bind: (parameters: P) => (string | number)[];
}

const defineReport = <P>(report: ReportDefinition<P>): ReportDefinition<P> => report;

/** Filters a manager can put on the reports about lost clients. */
const clientFilters = {
  branch: filter.describe('only clients of this branch'),
  doctor: filter.describe('only clients whose last doctor is this one'),
};

/** `to` defaults to today and `from` to `defaultDays` before it. */
const defaultPeriod = (value: { from?: string | undefined; to?: string | undefined }, defaultDays: number): { from: string; to: string } => {
  const to = value.to ?? new Date().toISOString().slice(0, 10);
  const from = value.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - defaultDays * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
};

const withPeriod = <S extends z.ZodRawShape>(shape: S, defaultDays = 365) =>
  z
    .object({ ...shape, from: day.optional().describe('first day (default: a period before `to`)'), to: day.optional().describe('last day (default: today)') })
    .strict()
    .transform((value) => ({ ...(value as z.output<z.ZodObject<S>>), ...defaultPeriod(value as { from?: string; to?: string }, defaultDays) }))
    .refine((value) => value.from <= value.to, { message: '`from` must not be after `to`', path: ['from'] });

const lostParameters = withPeriod({
  by: z.enum(['reason', 'week', 'month']).default('reason').describe('count per reason, or each reason per week or month'),
  channel: filter.describe('only answers that came this way: page, sms, whatsapp, viber or staff'),
  churnType: z.enum(['', 'voluntary', 'involuntary', 'passive']).default('').describe('only reasons of this churn type'),
  ...clientFilters,
});
type LostParameters = z.output<typeof lostParameters>;

/**
 * Lost clients by reason: each client once per lapse episode, under the answer that stands for it
 * now (current_answers: the latest that gave a reason), counted in the period that answer came
 * in; a client who answered again later counts where the later answer came. By week or month the
 * rows therefore add up to the by-reason count of the same period. A merged reason counts under
 * the reason it went into, with that reason's churn type; `also_clients` counts those who gave
 * it as a second reason.
 *
 * The answers are counted per reason as matched first, and only the few counted rows meet the
 * catalogue; a filter that is not asked for is left out of the text, so an unfiltered report reads
 * three columns and no client table. (Which clauses appear is the request's only say in the text.)
 */
export const lostReport = defineReport({
  name: 'lost',
  description: 'Lost clients by the reason they gave: count and share per reason, or the reasons week by week or month by month',
  parameters: lostParameters,
  sql: (_dialect, p) => {
    const filters = [
      p.channel && `AND a.channel = ?`,
      (p.branch || p.doctor) &&
        `AND a.client_id IN (SELECT client_id FROM ${latest('clients')} cl WHERE (? = '' OR cl.branch_id = ?) AND (? = '' OR cl.last_doctor_id = ?))`,
    ].filter(Boolean);
    const byReason = p.by === 'reason';
    const countedBy = byReason ? 'a.reason_id, a.also_reason_id' : 'a.answered_on, a.reason_id';
    const counted = `
    WITH cat AS ${latest('reason_catalogue')},
    counted AS (
      SELECT ${countedBy}, count(*) AS clients
      FROM current_answers a
      WHERE a.dt >= ? AND a.dt <= ? AND a.answered_on >= CAST(? AS DATE) AND a.answered_on <= CAST(? AS DATE)
        ${filters.join('\n        ')}
      GROUP BY ${countedBy}
    ),
    resolved AS (
      SELECT ${byReason ? 'second_cat.counts_as AS also_reason_id' : `CAST(date_trunc('${p.by}', n.answered_on) AS DATE) AS period`},
             c.counts_as AS reason_id, l.label, l.churn_type, n.clients
      FROM counted n
      JOIN cat c ON c.reason_id = n.reason_id
      JOIN cat l ON l.reason_id = c.counts_as${byReason ? '\n      LEFT JOIN cat second_cat ON second_cat.reason_id = n.also_reason_id' : ''}
      WHERE ? = '' OR l.churn_type = ?
    )`;
    if (!byReason) {
      return `${counted}
    SELECT period, reason_id, label, churn_type, sum(clients) AS clients
    FROM resolved
    GROUP BY period, reason_id, label, churn_type
    ORDER BY period, clients DESC, reason_id`;
    }
    return `${counted},
    also_given AS (SELECT also_reason_id AS reason_id, sum(clients) AS also_clients FROM resolved WHERE also_reason_id IS NOT NULL GROUP BY also_reason_id)
    SELECT r.reason_id, r.label, r.churn_type, sum(r.clients) AS clients, CAST(sum(r.clients) AS DOUBLE) / sum(sum(r.clients)) OVER () AS share,
           coalesce(max(g.also_clients), 0) AS also_clients
    FROM resolved r LEFT JOIN also_given g ON g.reason_id = r.reason_id
    GROUP BY r.reason_id, r.label, r.churn_type
    ORDER BY clients DESC, r.reason_id`;
  },
  bind: (p: LostParameters) => [
    partitionOfDay(currentAnswersExport, p.from),
    p.to,
    p.from,
    p.to,
    ...(p.channel ? [p.channel] : []),
    ...(p.branch || p.doctor ? [p.branch, p.branch, p.doctor, p.doctor] : []),
    p.churnType,
    p.churnType,
  ],
});

const lapsedParameters = withPeriod(
  {
    limit: z.coerce.number().int().min(1).max(10_000).default(500).describe('at most this many clients, most value at risk first'),
    kind: z.enum(['', 'lapsed-regular', 'early-drop-out']).default('').describe('only lapsed regulars, or only early drop-outs'),
    ...clientFilters,
  },
  3650,
);

/** Who is lapsed now: since when, their rhythm, why, P(alive), value at risk, the request and the answer. */
export const lapsedReport = defineReport({
  name: 'lapsed',
  description:
    'Clients lost now (lapsed regulars and early drop-outs): since when, their usual rhythm, why flagged, P(alive), value at risk, the request status and their answer',
  parameters: lapsedParameters,
  sql: () => `
    WITH cat AS ${latest('reason_catalogue')},
    cl AS ${latest('clients')},
    last_request AS (
      SELECT client_id, episode_id, channel, status, row_number() OVER (PARTITION BY client_id, episode_id ORDER BY request DESC, updated_at DESC) AS n
      FROM outreach
    ),
    last_answer AS (
      SELECT a.client_id, a.episode_id, c.counts_as AS reason_id
      FROM current_answers a LEFT JOIN cat c ON c.reason_id = a.reason_id
    )
    SELECT client_id, kind, lapsed_since, last_visit, days_since_last_visit, usual_gap_days, rule, p_alive, model,
           value_at_risk_minor, currency, request_channel, request_status, answer_reason
    FROM (
      SELECT e.client_id, coalesce(e.kind, 'lapsed-regular') AS kind, e.opened_on AS lapsed_since, e.last_visit, e.days_since_last_visit, e.usual_gap_days, e.rule, e.p_alive, e.model,
             e.value_at_risk_minor, e.currency, o.channel AS request_channel, o.status AS request_status, a.reason_id AS answer_reason,
             row_number() OVER (ORDER BY e.value_at_risk_minor DESC NULLS LAST, e.client_id) AS place
      FROM lapse_episodes e
      LEFT JOIN cl ON cl.client_id = e.client_id
      LEFT JOIN last_request o ON o.client_id = e.client_id AND o.episode_id = e.episode_id AND o.n = 1
      LEFT JOIN last_answer a ON a.client_id = e.client_id AND a.episode_id = e.episode_id
      WHERE e.status = 'open' AND e.dt >= ? AND e.dt <= ?
        AND (? = '' OR coalesce(e.kind, 'lapsed-regular') = ?)
        AND (? = '' OR cl.branch_id = ?)
        AND (? = '' OR cl.last_doctor_id = ?)
    ) ranked
    WHERE place <= ?
    ORDER BY place`,
  bind: (p) => [p.from, p.to, p.kind, p.kind, p.branch, p.branch, p.doctor, p.doctor, p.limit],
});

const retentionParameters = withPeriod(
  {
    days: z.coerce.number().int().min(1).max(730).default(90).describe('came back within this many days'),
    branch: filter.describe('only visits at this branch'),
  },
  90,
);

/**
 * Per doctor: the patients they saw in the period (first time in it), how many came back within
 * N days to the same doctor or to any doctor, and how many came only once ever.
 */
export const retentionByDoctorReport = defineReport({
  name: 'retention-by-doctor',
  description: 'Per doctor: patients seen in the period, came back within N days (same doctor, any doctor), came once',
  parameters: retentionParameters,
  sql: () => `
    WITH seen AS (
      SELECT doctor_id, client_id, min(visit_day) AS first_seen
      FROM visits
      WHERE dt >= ? AND dt <= ? AND doctor_id IS NOT NULL AND (? = '' OR branch_id = ?)
      GROUP BY doctor_id, client_id
    ),
    visits_per_client AS (SELECT client_id, count(*) AS visits FROM visits GROUP BY client_id),
    returns AS (
      SELECT s.doctor_id, s.client_id,
             max(CASE WHEN v.doctor_id = s.doctor_id AND date_diff('day', s.first_seen, v.visit_day) <= ? THEN 1 ELSE 0 END) AS same_doctor,
             max(CASE WHEN date_diff('day', s.first_seen, v.visit_day) <= ? THEN 1 ELSE 0 END) AS any_doctor
      FROM seen s
      LEFT JOIN visits v ON v.client_id = s.client_id AND v.visit_day > s.first_seen
      GROUP BY s.doctor_id, s.client_id
    )
    SELECT r.doctor_id, count(*) AS patients,
           sum(r.same_doctor) AS back_same_doctor, sum(r.any_doctor) AS back_any_doctor,
           sum(CASE WHEN p.visits = 1 THEN 1 ELSE 0 END) AS came_once,
           CAST(sum(r.same_doctor) AS DOUBLE) / count(*) AS retention_same_doctor,
           CAST(sum(r.any_doctor) AS DOUBLE) / count(*) AS retention_any_doctor
    FROM returns r JOIN visits_per_client p ON p.client_id = r.client_id
    GROUP BY r.doctor_id
    ORDER BY r.doctor_id`,
  bind: (p) => [p.from, p.to, p.branch, p.branch, p.days, p.days],
});

/** The groupings of the average check: a closed set, so the chosen expression is never a request's text. */
const checkGroups = {
  month: `CAST(date_trunc('month', visit_day) AS VARCHAR)`,
  doctor: `coalesce(doctor_id, '')`,
  branch: `coalesce(branch_id, '')`,
  category: `coalesce(service_category, '')`,
} as const;

const averageCheckParameters = withPeriod({
  by: z
    .enum(['month', 'doctor', 'branch', 'category', 'declining'])
    .default('month')
    .describe('group by month, doctor, branch or service category; `declining`: the clients whose check fell over the last 3 months'),
  branch: filter.describe('only visits at this branch'),
  doctor: filter.describe('only visits with this doctor'),
  limit: z.coerce.number().int().min(1).max(10_000).default(100).describe('for `declining`: at most this many clients, biggest fall first'),
});

/** The average check (amount per visit), by a grouping; or the clients whose check fell. */
export const averageCheckReport = defineReport({
  name: 'average-check',
  description: 'Average check per visit by month, doctor, branch or service category; or the clients whose check fell over the last 3 months',
  parameters: averageCheckParameters,
  sql: (dialect, p) => {
    if (p.by === 'declining') {
      // The last 3 months before `to` against the 3 months before those; `from` is not used.
      return `
    WITH windows AS (
      SELECT client_id, currency, amount_minor,
             CASE WHEN date_diff('day', visit_day, CAST(? AS DATE)) < 91 THEN 'recent' ELSE 'before' END AS span
      FROM visits
      WHERE visit_day <= CAST(? AS DATE) AND date_diff('day', visit_day, CAST(? AS DATE)) < 182
        AND (? = '' OR branch_id = ?) AND (? = '' OR doctor_id = ?)
    ),
    checks AS (
      SELECT client_id, currency,
             avg(CASE WHEN span = 'before' THEN CAST(amount_minor AS DOUBLE) END) AS before_check_minor,
             avg(CASE WHEN span = 'recent' THEN CAST(amount_minor AS DOUBLE) END) AS recent_check_minor,
             sum(CASE WHEN span = 'recent' THEN 1 ELSE 0 END) AS recent_visits
      FROM windows GROUP BY client_id, currency
    )
    SELECT client_id, currency, before_check_minor, recent_check_minor, recent_visits, change
    FROM (
      SELECT client_id, currency, before_check_minor, recent_check_minor, recent_visits,
             (recent_check_minor - before_check_minor) / before_check_minor AS change,
             row_number() OVER (ORDER BY (recent_check_minor - before_check_minor) / before_check_minor, client_id) AS place
      FROM checks
      WHERE recent_check_minor < before_check_minor
    ) ranked
    WHERE place <= ?
    ORDER BY place`;
    }
    return `
    SELECT ${checkGroups[p.by]} AS group_key, currency, count(*) AS visits, count(DISTINCT client_id) AS clients,
           sum(amount_minor) AS revenue_minor, CAST(sum(amount_minor) AS DOUBLE) / count(*) AS average_check_minor,
           ${dialects[dialect].median('amount_minor')} AS median_check_minor
    FROM visits
    WHERE dt >= ? AND dt <= ? AND (? = '' OR branch_id = ?) AND (? = '' OR doctor_id = ?)
    GROUP BY 1, currency
    ORDER BY group_key, currency`;
  },
  bind: (p) =>
    p.by === 'declining' ? [p.to, p.to, p.to, p.branch, p.branch, p.doctor, p.doctor, p.limit] : [p.from, p.to, p.branch, p.branch, p.doctor, p.doctor],
});

const churnParameters = withPeriod(
  {
    by: z.enum(['reason', 'outcome']).default('reason').describe('lost clients and money by reason and churn type; or won back with and without outreach'),
    ...clientFilters,
  },
  365,
);

/**
 * The last year's churn: the episodes opened in the period still open are lost (money lost is
 * their value at risk, BG/NBD x Gamma-Gamma), by the reason they gave; or, by outcome, won back
 * and money recovered for clients asked and for the control group never asked.
 */
export const churnReport = defineReport({
  name: 'churn',
  description: 'Lost in the period by reason and churn type with the money lost; or won back and money recovered, outreach against the control group',
  parameters: churnParameters,
  sql: (_dialect, p) => {
    const episodes = `
    WITH cat AS ${latest('reason_catalogue')},
    cl AS ${latest('clients')},
    last_answer AS (
      SELECT a.client_id, a.episode_id, c.counts_as AS reason_id, l.churn_type
      FROM current_answers a JOIN cat c ON c.reason_id = a.reason_id JOIN cat l ON l.reason_id = c.counts_as
    ),
    episodes AS (
      SELECT e.*, a.reason_id, a.churn_type
      FROM lapse_episodes e
      LEFT JOIN cl ON cl.client_id = e.client_id
      LEFT JOIN last_answer a ON a.client_id = e.client_id AND a.episode_id = e.episode_id
      WHERE e.dt >= ? AND e.dt <= ?
        AND (? = '' OR cl.branch_id = ?)
        AND (? = '' OR cl.last_doctor_id = ?)
    )`;
    if (p.by === 'reason') {
      return `${episodes}
    SELECT coalesce(reason_id, 'no answer') AS reason_id, coalesce(churn_type, 'unknown') AS churn_type,
           coalesce(kind, 'lapsed-regular') AS kind, currency,
           count(*) AS lost_clients, sum(coalesce(value_at_risk_minor, 0)) AS money_lost_minor
    FROM episodes
    WHERE status = 'open'
    GROUP BY 1, 2, 3, currency
    ORDER BY money_lost_minor DESC, reason_id`;
    }
    return `${episodes}
    SELECT CASE WHEN control_group THEN 'control group' ELSE 'asked' END AS outreach, currency,
           count(*) AS episodes,
           sum(CASE WHEN status = 'won-back' THEN 1 ELSE 0 END) AS won_back,
           CAST(sum(CASE WHEN status = 'won-back' THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS won_back_rate,
           sum(CASE WHEN status = 'won-back' THEN coalesce(value_at_risk_minor, 0) ELSE 0 END) AS money_recovered_minor,
           sum(CASE WHEN status = 'open' THEN coalesce(value_at_risk_minor, 0) ELSE 0 END) AS money_lost_minor
    FROM episodes
    GROUP BY 1, currency
    ORDER BY outreach, currency`;
  },
  bind: (p) => [p.from, p.to, p.branch, p.branch, p.doctor, p.doctor],
});

const campaignParameters = withPeriod({}, 365);

/**
 * Each kind of request (channel, first or reminder, language): sent, delivered, seen (on the
 * messengers, which say so; empty for channels that do not), answered, came back.
 */
export const campaignsReport = defineReport({
  name: 'campaigns',
  description: 'Feedback requests by channel, request (first, reminder) and language: sent, delivered, seen (WhatsApp and Viber), answered, came back',
  parameters: campaignParameters,
  sql: () => `
    WITH answered AS (SELECT DISTINCT outreach_id FROM replies WHERE outreach_id IS NOT NULL),
    credited AS (SELECT client_id, episode_id, credited_request FROM lapse_episodes WHERE status = 'won-back' AND credited_request IS NOT NULL)
    SELECT o.channel, o.request, o.locale,
           count(*) AS sent,
           sum(CASE WHEN o.status IN ('delivered', 'seen', 'clicked') THEN 1 ELSE 0 END) AS delivered,
           CASE WHEN o.channel IN ('whatsapp', 'viber') THEN sum(CASE WHEN o.status = 'seen' THEN 1 ELSE 0 END) END AS seen,
           sum(CASE WHEN a.outreach_id IS NOT NULL THEN 1 ELSE 0 END) AS answered,
           sum(CASE WHEN w.client_id IS NOT NULL THEN 1 ELSE 0 END) AS came_back,
           CAST(sum(CASE WHEN a.outreach_id IS NOT NULL THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS answer_rate,
           CAST(sum(CASE WHEN w.client_id IS NOT NULL THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS came_back_rate
    FROM outreach o
    LEFT JOIN answered a ON a.outreach_id = o.outreach_id
    LEFT JOIN credited w ON w.client_id = o.client_id AND w.episode_id = o.episode_id AND w.credited_request = o.request
    WHERE o.sent_at IS NOT NULL AND o.dt >= ? AND o.dt <= ?
    GROUP BY o.channel, o.request, o.locale
    ORDER BY o.channel, o.request, o.locale`,
  bind: (p) => [p.from, p.to],
});

const cohortParameters = withPeriod({}, 730);

/** Monthly first-visit cohorts: of the clients who first came in a month, the share who came in each later month. */
export const cohortsReport = defineReport({
  name: 'cohorts',
  description: 'Monthly first-visit cohorts: the share of each cohort that came back, by months since their first visit',
  parameters: cohortParameters,
  sql: () => `
    WITH first_visits AS (
      SELECT client_id, CAST(date_trunc('month', min(visit_day)) AS DATE) AS cohort FROM visits GROUP BY client_id
    ),
    sizes AS (SELECT cohort, count(*) AS size FROM first_visits GROUP BY cohort),
    active AS (
      SELECT DISTINCT v.client_id, f.cohort, date_diff('month', f.cohort, CAST(date_trunc('month', v.visit_day) AS DATE)) AS months_since
      FROM visits v JOIN first_visits f ON f.client_id = v.client_id
    )
    SELECT a.cohort, a.months_since, s.size AS cohort_size, count(*) AS clients, CAST(count(*) AS DOUBLE) / s.size AS share
    FROM active a JOIN sizes s ON s.cohort = a.cohort
    WHERE a.cohort >= CAST(? AS DATE) AND a.cohort <= CAST(? AS DATE)
    GROUP BY a.cohort, a.months_since, s.size
    ORDER BY a.cohort, a.months_since`,
  bind: (p) => [p.from, p.to],
});

const atRiskParameters = z
  .object({
    weeks: z.coerce.number().int().min(1).max(12).default(4).describe('who will count as lost within this many weeks of the latest export'),
    kind: z.enum(['', 'lapsed-regular', 'early-drop-out']).default('').describe('only regulars, or only early drop-outs'),
    limit: z.coerce.number().int().min(1).max(10_000).default(500).describe('at most this many clients, soonest first'),
    ...clientFilters,
  })
  .strict();

/** Who is still coming but will count as lost soon unless they come back: the clinic can call them first. */
export const atRiskReport = defineReport({
  name: 'at-risk',
  description: 'Clients still coming who will count as lost in the next weeks unless they come back: the day, why, and how they have been coming',
  parameters: atRiskParameters,
  sql: () => `
    WITH r AS ${latest('clients_at_risk')},
    cl AS ${latest('clients')}
    SELECT client_id, kind, lost_on, days_left, last_visit, usual_gap_days, rule, p_alive, model, branch_id, last_doctor_id
    FROM (
      SELECT r.client_id, r.kind, r.lost_on, r.days_left, r.last_visit, r.usual_gap_days, r.rule, r.p_alive, r.model, cl.branch_id, cl.last_doctor_id,
             row_number() OVER (ORDER BY r.lost_on, r.client_id) AS place
      FROM r LEFT JOIN cl ON cl.client_id = r.client_id
      WHERE r.days_left <= ? * 7
        AND (? = '' OR r.kind = ?)
        AND (? = '' OR cl.branch_id = ?)
        AND (? = '' OR cl.last_doctor_id = ?)
    ) ranked
    WHERE place <= ?
    ORDER BY place`,
  bind: (p) => [p.weeks, p.kind, p.kind, p.branch, p.branch, p.doctor, p.doctor, p.limit],
});

const activityParameters = withPeriod(
  { by: z.enum(['now', 'week']).default('now').describe('the latest export and sweep with the clients lapsed now; or the clients found lapsed week by week') },
  182,
);

/**
 * How fresh the reports are and where the lapsed stand: the latest export day (the newest
 * snapshot), the latest day a sweep found someone lapsed, and the clients lapsed now with their
 * value at risk (one row per currency); or, by week, the clients found lapsed that week, those
 * of them still lapsed, and their value at risk. `from` and `to` bound the weeks only.
 */
export const activityReport = defineReport({
  name: 'activity',
  description: 'The latest export day and sweep with the clients lapsed now and their value at risk; or the clients found lapsed week by week',
  parameters: activityParameters,
  sql: (_dialect, p) => {
    if (p.by === 'now') {
      return `
    WITH exported AS (SELECT dt AS export_day FROM clients ORDER BY dt DESC LIMIT 1),
    swept AS (SELECT max(opened_on) AS last_sweep FROM lapse_episodes),
    lapsed AS (
      SELECT currency, count(*) AS lapsed_clients, sum(coalesce(value_at_risk_minor, 0)) AS value_at_risk_minor
      FROM lapse_episodes WHERE status = 'open' GROUP BY currency
    )
    SELECT e.export_day, s.last_sweep, l.currency, coalesce(l.lapsed_clients, 0) AS lapsed_clients,
           coalesce(l.value_at_risk_minor, 0) AS value_at_risk_minor
    FROM swept s LEFT JOIN exported e ON 1 = 1 LEFT JOIN lapsed l ON 1 = 1
    ORDER BY l.currency`;
    }
    return `
    SELECT CAST(date_trunc('week', opened_on) AS DATE) AS week, currency, count(*) AS lapsed_clients,
           sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS still_lapsed, sum(coalesce(value_at_risk_minor, 0)) AS value_at_risk_minor
    FROM lapse_episodes
    WHERE dt >= ? AND dt <= ?
    GROUP BY 1, currency
    ORDER BY week, currency`;
  },
  bind: (p) => (p.by === 'now' ? [] : [p.from, p.to]),
});

export const reports = [
  lostReport,
  lapsedReport,
  atRiskReport,
  retentionByDoctorReport,
  averageCheckReport,
  churnReport,
  campaignsReport,
  cohortsReport,
  activityReport,
] as const;

export type ReportName = (typeof reports)[number]['name'];

export class UnknownReportError extends AppError {
  override readonly name = 'UnknownReportError';
  readonly kind = 'not-found';
}

export class ReportParameterError extends AppError {
  override readonly name = 'ReportParameterError';
  readonly kind = 'invalid';
  constructor(readonly issues: readonly { readonly parameter: string; readonly reason: string }[]) {
    super(issues.map((issue) => `${issue.parameter}: ${issue.reason}`).join('; '));
  }

  override shown(): Problem {
    return { message: 'invalid request', issues: this.issues };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: each report has its own parameters; runReport parses them with the report's own schema
export const reportNamed = (name: string): ReportDefinition<any> => {
  const report = reports.find((candidate) => candidate.name === name);
  if (!report) throw new UnknownReportError(`there is no report "${name}": ${reports.map((r) => r.name).join(', ')}`);
  return report;
};

/** A report's SQL and its bound values for these query-string parameters; ReportParameterError names each bad one. */
export const prepareReport = (
  name: string,
  query: Readonly<Record<string, string | undefined>>,
  dialect: Dialect,
): { sql: string; parameters: (string | number)[] } => {
  const report = reportNamed(name);
  const parsed = report.parameters.safeParse(Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)));
  if (!parsed.success) {
    throw new ReportParameterError(
      parsed.error.issues.map((issue) =>
        issue.code === 'unrecognized_keys'
          ? { parameter: issue.keys.join(', '), reason: `not a parameter of ${name}` }
          : { parameter: issue.path.join('.') || '(query)', reason: issue.message },
      ),
    );
  }
  return { sql: report.sql(dialect, parsed.data), parameters: report.bind(parsed.data) };
};
