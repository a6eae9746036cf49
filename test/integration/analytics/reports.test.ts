/**
 * The reports' SQL: parsed as Athena's Trino, and run on DuckDB over known data whose answers
 * are computed here independently, in plain TypeScript.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import nodeSqlParser from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportTables, type ExportColumnType } from '../../../shared/analytics/export-tables.ts';
import { prepareReport, ReportParameterError, reports, UnknownReportError } from '../../../shared/analytics/reports.ts';
import { currentAnswerRows } from '../../../shared/analytics/export-rows.ts';

// Prepare: a small clinic, generated from a seed, as the export would write it.
let seed = 11;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const dayOf = (n: number): string => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string): number => (Date.parse(b) - Date.parse(a)) / 86_400_000;

type Row = Record<string, string | number | boolean | null>;
const doctors = ['d1', 'd2', 'd3', 'd4'];
const branches = ['b1', 'b2'];
const reasons = ['price', 'waiting-time', 'schedule', 'moved-away', 'staff-attitude'];
const visits: Row[] = [];
const clients: Row[] = [];
const oldClients: Row[] = [];
const replies: Row[] = [];
const episodes: Row[] = [];
const outreach: Row[] = [];
for (let c = 0; c < 240; c++) {
  const clientId = `c-${c}`;
  const branch = pick(branches);
  let dayNumber = Math.floor(random() * 500);
  const count = 1 + Math.floor(random() * 6);
  let lastDoctor = '';
  for (let v = 0; v < count && dayNumber < 690; v++) {
    lastDoctor = random() < 0.7 && lastDoctor ? lastDoctor : pick(doctors);
    const day = dayOf(dayNumber);
    visits.push({
      visit_id: `${clientId}-${v}`,
      client_id: clientId,
      visited_at: `${day} 10:00:00`,
      visit_day: day,
      doctor_id: lastDoctor,
      branch_id: branch,
      service_category: pick(['exam', 'cleaning']),
      amount_minor: 1000 * (1 + Math.floor(random() * 9)),
      currency: 'EUR',
      dt: day,
    });
    dayNumber += 5 + Math.floor(random() * 120);
  }
  clients.push({ client_id: clientId, branch_id: branch, locale: 'en', last_doctor_id: lastDoctor, currency: 'EUR', dt: '2026-11-20' });
  oldClients.push({ client_id: clientId, branch_id: 'b-old', locale: 'en', last_doctor_id: lastDoctor, currency: 'EUR', dt: '2026-11-19' });
  if (c % 3 === 0) {
    const openedOn = dayOf(400 + (c % 200));
    const controlGroup = c % 9 === 0;
    const status = random() < 0.3 ? 'won-back' : 'open';
    const requests = controlGroup ? 0 : 1 + (c % 2);
    episodes.push({
      client_id: clientId,
      episode_id: openedOn,
      opened_on: openedOn,
      status,
      control_group: controlGroup,
      requests,
      credited_request: status === 'won-back' && requests > 0 ? requests : null,
      rule: 'rhythm',
      last_visit: openedOn,
      days_since_last_visit: 60,
      usual_gap_days: 30,
      p_alive: random(),
      value_at_risk_minor: 100 * c,
      currency: 'EUR',
      dt: openedOn,
    });
    for (let r = 1; r <= requests; r++) {
      outreach.push({
        outreach_id: `${clientId}-o${r}`,
        client_id: clientId,
        episode_id: openedOn,
        request: r,
        channel: pick(['email', 'sms', 'whatsapp', 'viber']),
        locale: pick(['en', 'el']),
        status: pick(['sent', 'delivered', 'seen', 'clicked', 'bounced']),
        sent_at: `${openedOn} 09:00:00`,
        updated_at: `${openedOn} 09:00:00`,
        dt: openedOn,
      });
    }
    for (let a = 0; a < (c % 4 === 0 ? 2 : 1) && requests > 0; a++) {
      const received = dayOf(410 + (c % 200) + a * 20);
      replies.push({
        answer_id: `${clientId}-a${a}`,
        client_id: clientId,
        outreach_id: `${clientId}-o1`,
        episode_id: openedOn,
        channel: pick(['sms', 'page', 'whatsapp', 'viber']),
        received_at: `${received} 12:00:00`,
        reason_id: random() < 0.1 ? null : pick(reasons),
        method: 'chosen',
        confidence: 1,
        call_me: false,
        book: false,
        opted_out: false,
        catalogue_version: 1,
        dt: received,
      });
    }
  }
}
// A client who answered twice on one day, the later answer's reason sorting after the earlier's:
// the latest answer is the later one, not the alphabetically first.
{
  const morning = replies.find(
    (reply) => reply.reason_id === 'moved-away' && !replies.some((other) => other !== reply && other.client_id === reply.client_id),
  )!;
  replies.push({ ...morning, answer_id: `${morning.client_id}-evening`, received_at: `${morning.dt} 18:00:00`, reason_id: 'staff-attitude' });
}
// The latest catalogue has merged waiting time into schedule; the older one had not.
const catalogue = (dt: string, merged: boolean): Row[] =>
  reasons.map((id) => ({
    version: merged ? 2 : 1,
    reason_id: id,
    counts_as: merged && id === 'waiting-time' ? 'schedule' : id,
    label: id.toUpperCase(),
    churn_type: id === 'moved-away' ? 'involuntary' : 'voluntary',
    status: merged && id === 'waiting-time' ? 'merged' : 'active',
    dt,
  }));

// The answers that stand, as the export shapes them from the same answers.
const currentAnswers = (): Row[] => currentAnswerRows(replies.map((row) => ({ dt: row.dt as string, row }))).map(({ dt, row }) => ({ ...row, dt }));

const duckType: Record<ExportColumnType, string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

let connection: DuckDBConnection;
const run = async (name: string, query: Record<string, string> = {}): Promise<Record<string, unknown>[]> => {
  const { sql, parameters } = prepareReport(name, query, 'duckdb');
  const statement = await connection.prepare(sql);
  parameters.forEach((value, i) => {
    if (typeof value === 'number') statement.bindInteger(i + 1, value);
    else statement.bindVarchar(i + 1, value);
  });
  return (await statement.runAndReadAll()).getRowObjectsJson() as Record<string, unknown>[];
};
const num = (value: unknown): number => Number(value);

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'comeback-reports-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  const data: Record<string, Row[]> = {
    visits,
    clients: [...oldClients, ...clients],
    replies,
    current_answers: currentAnswers(),
    lapse_episodes: episodes,
    outreach,
    reason_catalogue: [...catalogue('2026-11-19', false), ...catalogue('2026-11-20', true)],
  };
  for (const table of exportTables) {
    const file = join(dir, `${table.name}.jsonl`);
    await writeFile(file, `${(data[table.name] ?? []).map((row) => JSON.stringify(row)).join('\n')}\n`);
    const columns = [...table.columns.map((c) => `'${c.name}': '${duckType[c.type]}'`), `'dt': 'DATE'`].join(', ');
    await connection.run(`CREATE TABLE ${table.name} AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}})`);
  }
});

afterAll(() => connection?.closeSync());

describe('the SQL of every report', () => {
  const variants: [string, Record<string, string>][] = [
    ['lost', {}],
    ['lost', { by: 'week' }],
    ['lost', { by: 'month' }],
    // Each filter adds its clause only when given: the texts with them parse and run too.
    ['lost', { channel: 'sms', branch: 'b1', churnType: 'voluntary' }],
    ['lost', { by: 'month', doctor: 'd1' }],
    ['lapsed', {}],
    ['lapsed', { kind: 'early-drop-out' }],
    ['at-risk', {}],
    ['at-risk', { weeks: '2', kind: 'lapsed-regular', branch: 'b-1' }],
    ['retention-by-doctor', {}],
    ['average-check', {}],
    ['average-check', { by: 'doctor' }],
    ['average-check', { by: 'declining' }],
    ['churn', {}],
    ['churn', { by: 'outcome' }],
    ['campaigns', {}],
    ['cohorts', {}],
    ['activity', {}],
    ['activity', { by: 'week' }],
  ];

  it('covers every report', () => {
    expect(new Set(variants.map(([name]) => name))).toEqual(new Set(reports.map((report) => report.name)));
  });

  it.each(variants)('%s %j parses as Athena SQL (Trino) with one value per placeholder', (name, query) => {
    const { sql, parameters } = prepareReport(name, query, 'trino');
    const parser = new nodeSqlParser.Parser();
    expect(() => parser.astify(sql.replaceAll('?', "'x'"), { database: 'trino' })).not.toThrow();
    expect(sql.split('?').length - 1).toBe(parameters.length);
  });

  it.each(variants)('%s %j runs on DuckDB', async (name, query) => {
    // Every report but at-risk (which looks ahead from the latest export) reads a period.
    const period: Record<string, string> = name === 'at-risk' ? {} : { from: '2025-01-01', to: '2026-11-20' };
    expect(Array.isArray(await run(name, { ...period, ...query }))).toBe(true);
  });
});

describe('parameters', () => {
  it('names the bad parameter, and refuses ones a report does not take', () => {
    const issues = (name: string, query: Record<string, string>) => {
      try {
        prepareReport(name, query, 'duckdb');
        return [];
      } catch (error) {
        return (error as ReportParameterError).issues.map((issue) => issue.parameter);
      }
    };
    expect(issues('lost', { from: '2026-02-30' })).toEqual(['from']);
    expect(issues('lost', { by: 'year' })).toEqual(['by']);
    expect(issues('lost', { from: '2026-05-01', to: '2026-04-01' })).toEqual(['from']);
    expect(issues('retention-by-doctor', { days: '-3' })).toEqual(['days']);
    expect(issues('lapsed', { colour: 'red' })).toEqual(['colour']);
    expect(() => prepareReport('nope', {}, 'duckdb')).toThrow(UnknownReportError);
  });

  it.each([`b1' OR '1'='1`, `b1"; DROP TABLE visits; --`, 'b1/*', "x'||'"])('refuses %s as a branch, in every report that filters by branch', (attempt) => {
    for (const name of ['lost', 'lapsed', 'retention-by-doctor', 'average-check', 'churn']) {
      expect(() => prepareReport(name, { branch: attempt }, 'duckdb')).toThrow(ReportParameterError);
    }
  });

  it.each(reports.map((report) => [report.name, report] as const))(
    '%s: an injection attempt in any of its parameters is refused, never put into the SQL',
    (_name, report) => {
      const shape = (z.toJSONSchema(report.parameters, { io: 'input' }) as { properties: Record<string, unknown> }).properties;
      const baseline = prepareReport(report.name, {}, 'trino').sql;
      for (const parameter of Object.keys(shape)) {
        for (const attempt of ["x' OR '1'='1", '1; DROP TABLE visits', "2026-01-01' --", 'month) UNION SELECT 1 --']) {
          let sql: string | undefined;
          try {
            sql = prepareReport(report.name, { [parameter]: attempt }, 'trino').sql;
          } catch (error) {
            expect(error).toBeInstanceOf(ReportParameterError);
            expect((error as ReportParameterError).issues.map((issue) => issue.parameter)).toContain(parameter);
          }
          if (sql !== undefined) expect(sql).not.toContain(attempt);
          if (sql !== undefined) expect(sql).toBe(baseline);
        }
      }
      expect(Object.keys(shape).length).toBeGreaterThanOrEqual(2);
    },
  );

  it('binds a filter that looks like SQL as a value: it matches nothing and changes no text', async () => {
    const plain = prepareReport('lost', { branch: 'b1' }, 'trino');
    const odd = prepareReport('lost', { branch: 'b1 OR 1' }, 'trino');

    expect(odd.sql).toBe(plain.sql);
    expect(await run('lost', { from: '2025-01-01', to: '2026-11-20', branch: 'b1 OR 1' })).toEqual([]);
  });
});

describe('numbers checked against an independent count', () => {
  const from = '2025-01-01';
  const to = '2026-11-20';
  const catalogueNow = new Map(catalogue('2026-11-20', true).map((row) => [row.reason_id as string, row]));

  /** Per client and episode, the answer that stands (the latest with a reason), from the raw answers. */
  const standing = (): Row[] => {
    const latest = new Map<string, Row>();
    for (const reply of replies.filter((r) => r.reason_id !== null)) {
      const key = `${reply.client_id}|${reply.episode_id}`;
      const seen = latest.get(key);
      if (!seen || (reply.received_at as string) > (seen.received_at as string)) latest.set(key, reply);
    }
    return [...latest.values()];
  };
  const countsAs = (reply: Row): string => catalogueNow.get(reply.reason_id as string)!.counts_as as string;
  const tally = (rows: readonly Row[], key: (row: Row) => string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
    return counts;
  };
  const inPeriod = (reply: Row, start: string, end: string): boolean => (reply.dt as string) >= start && (reply.dt as string) <= end;

  it('lost: each client once per lapse, under the answer that stands, with merged reasons counted under the reason they went into', async () => {
    const expected = tally(
      standing().filter((reply) => inPeriod(reply, from, to)),
      countsAs,
    );

    const rows = await run('lost', { from, to });

    expect(new Map(rows.map((row) => [row.reason_id as string, num(row.clients)]))).toEqual(expected);
    expect(rows.some((row) => row.reason_id === 'waiting-time')).toBe(false);
    expect(rows.reduce((sum, row) => sum + num(row.share), 0)).toBeCloseTo(1, 10);
    expect(rows.find((row) => row.reason_id === 'schedule')?.label).toBe('SCHEDULE');
    // The two answers of one day: the evening's stands, not the alphabetically first reason.
    const evening = replies.find((reply) => (reply.answer_id as string).endsWith('-evening'))!;
    expect(standing()).toContainEqual(evening);
  });

  it('lost in a period that ends between two answers: the client counts where the later answer came, not in the earlier period', async () => {
    const twice = standing().find(
      (reply) => replies.filter((r) => r.client_id === reply.client_id && r.reason_id !== null && r.received_at !== reply.received_at).length > 0,
    )!;
    const earlier = replies.find((r) => r.client_id === twice.client_id && r.reason_id !== null && r !== twice)!;
    const end = earlier.dt as string;
    const expected = tally(
      standing().filter((reply) => inPeriod(reply, from, end)),
      countsAs,
    );

    const rows = await run('lost', { from, to: end });

    expect(new Map(rows.map((row) => [row.reason_id as string, num(row.clients)]))).toEqual(expected);
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBeLessThan(standing().filter((reply) => inPeriod(reply, from, to)).length);
  });

  it('lost by month: each client once, in the month their answer came; the months add up to the count by reason', async () => {
    const expected = tally(standing(), (reply) => `${(reply.dt as string).slice(0, 7)}-01|${countsAs(reply)}`);

    const rows = await run('lost', { from, to, by: 'month' });
    const byReason = await run('lost', { from, to });

    expect(new Map(rows.map((row) => [`${String(row.period).slice(0, 10)}|${row.reason_id}`, num(row.clients)]))).toEqual(expected);
    expect(rows.reduce((sum, row) => sum + num(row.clients), 0)).toBe(byReason.reduce((sum, row) => sum + num(row.clients), 0));
    const weeks = await run('lost', { from, to, by: 'week' });
    expect(weeks.every((row) => new Date(`${String(row.period).slice(0, 10)}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
    expect(weeks.reduce((sum, row) => sum + num(row.clients), 0)).toBe(standing().length);
  });

  it('lost filtered by branch (the latest client snapshot), channel or churn type counts only those clients', async () => {
    expect(await run('lost', { from, to, branch: 'b-old' })).toEqual([]);
    const inB1 = new Set(clients.filter((c) => c.branch_id === 'b1').map((c) => c.client_id));
    const total = (rows: Record<string, unknown>[]): number => rows.reduce((sum, row) => sum + num(row.clients), 0);
    expect(total(await run('lost', { from, to, branch: 'b1' }))).toBe(standing().filter((reply) => inB1.has(reply.client_id)).length);
    expect(total(await run('lost', { from, to, channel: 'viber' }))).toBe(standing().filter((reply) => reply.channel === 'viber').length);
    const involuntary = await run('lost', { from, to, churnType: 'involuntary' });
    expect(involuntary.map((row) => [row.reason_id, num(row.clients)])).toEqual([
      ['moved-away', standing().filter((reply) => reply.reason_id === 'moved-away').length],
    ]);
  });

  it('churn by reason: the lost episodes under the answer that stands for each', async () => {
    const stands = new Map(standing().map((reply) => [`${reply.client_id}|${reply.episode_id}`, countsAs(reply)]));
    const expected = tally(
      episodes.filter((episode) => episode.status === 'open'),
      (episode) => stands.get(`${episode.client_id}|${episode.episode_id}`) ?? 'no answer',
    );

    const rows = await run('churn', { from: '2020-01-01', to });

    const counted = new Map<string, number>();
    for (const row of rows) counted.set(row.reason_id as string, (counted.get(row.reason_id as string) ?? 0) + num(row.lost_clients));
    expect(counted).toEqual(expected);
  });

  it('retention by doctor: seen in the period, back within N days to the same or any doctor, came once', async () => {
    const periodFrom = '2025-06-01';
    const periodTo = '2025-12-31';
    const days = 60;
    const byClient = new Map<string, Row[]>();
    for (const visit of visits) byClient.set(visit.client_id as string, [...(byClient.get(visit.client_id as string) ?? []), visit]);
    const expected = new Map<string, { patients: number; same: number; any: number; once: number }>();
    const firstSeen = new Map<string, string>();
    for (const visit of visits.filter((v) => (v.visit_day as string) >= periodFrom && (v.visit_day as string) <= periodTo)) {
      const key = `${visit.doctor_id}|${visit.client_id}`;
      if (!firstSeen.has(key) || (visit.visit_day as string) < firstSeen.get(key)!) firstSeen.set(key, visit.visit_day as string);
    }
    for (const [key, first] of firstSeen) {
      const [doctor, client] = key.split('|') as [string, string];
      const later = byClient.get(client)!.filter((v) => (v.visit_day as string) > first && daysBetween(first, v.visit_day as string) <= days);
      const counts = expected.get(doctor) ?? { patients: 0, same: 0, any: 0, once: 0 };
      counts.patients++;
      if (later.some((v) => v.doctor_id === doctor)) counts.same++;
      if (later.length > 0) counts.any++;
      if (byClient.get(client)!.length === 1) counts.once++;
      expected.set(doctor, counts);
    }

    const rows = await run('retention-by-doctor', { from: periodFrom, to: periodTo, days: String(days) });

    expect(
      new Map(
        rows.map((row) => [
          row.doctor_id,
          { patients: num(row.patients), same: num(row.back_same_doctor), any: num(row.back_any_doctor), once: num(row.came_once) },
        ]),
      ),
    ).toEqual(expected);
  });

  it('average check by doctor, and the clients whose check fell over the last 3 months', async () => {
    const byDoctor = new Map<string, number[]>();
    for (const visit of visits) byDoctor.set(visit.doctor_id as string, [...(byDoctor.get(visit.doctor_id as string) ?? []), visit.amount_minor as number]);

    const rows = await run('average-check', { from: '2020-01-01', to, by: 'doctor' });

    for (const row of rows) {
      const amounts = byDoctor.get(row.group_key as string)!;
      expect(num(row.visits)).toBe(amounts.length);
      expect(num(row.average_check_minor)).toBeCloseTo(amounts.reduce((a, b) => a + b, 0) / amounts.length, 6);
    }
    expect(rows).toHaveLength(byDoctor.size);

    const asOf = '2026-06-30';
    const fell = new Set<string>();
    const byClient = new Map<string, Row[]>();
    for (const visit of visits) byClient.set(visit.client_id as string, [...(byClient.get(visit.client_id as string) ?? []), visit]);
    for (const [client, list] of byClient) {
      const ago = (v: Row) => daysBetween(v.visit_day as string, asOf);
      const mean = (xs: Row[]) => xs.reduce((sum, v) => sum + (v.amount_minor as number), 0) / xs.length;
      const recent = list.filter((v) => ago(v) >= 0 && ago(v) < 91);
      const before = list.filter((v) => ago(v) >= 91 && ago(v) < 182);
      if (recent.length > 0 && before.length > 0 && mean(recent) < mean(before)) fell.add(client);
    }
    const declining = await run('average-check', { to: asOf, by: 'declining', limit: '10000' });
    expect(new Set(declining.map((row) => row.client_id))).toEqual(fell);
    expect(fell.size).toBeGreaterThan(0);
  });

  it('churn by outcome: won back and money recovered, asked against the control group', async () => {
    const groups = new Map<string, { episodes: number; won: number; recovered: number }>();
    for (const episode of episodes) {
      const key = episode.control_group ? 'control group' : 'asked';
      const g = groups.get(key) ?? { episodes: 0, won: 0, recovered: 0 };
      g.episodes++;
      if (episode.status === 'won-back') {
        g.won++;
        g.recovered += episode.value_at_risk_minor as number;
      }
      groups.set(key, g);
    }

    const rows = await run('churn', { from: '2020-01-01', to, by: 'outcome' });

    expect(
      new Map(rows.map((row) => [row.outreach, { episodes: num(row.episodes), won: num(row.won_back), recovered: num(row.money_recovered_minor) }])),
    ).toEqual(groups);
  });

  it('campaigns: sent, delivered, seen (on the messengers only), answered and came back per channel, request and language', async () => {
    const answeredRequests = new Set(replies.map((r) => r.outreach_id));
    const expected = new Map<string, (number | null)[]>();
    for (const o of outreach) {
      const key = `${o.channel}|${o.request}|${o.locale}`;
      const e = episodes.find((ep) => ep.client_id === o.client_id && ep.episode_id === o.episode_id)!;
      const messenger = o.channel === 'whatsapp' || o.channel === 'viber';
      const [sent, delivered, seen, answered, back] = expected.get(key) ?? [0, 0, messenger ? 0 : null, 0, 0];
      expected.set(key, [
        sent! + 1,
        delivered! + (['delivered', 'seen', 'clicked'].includes(o.status as string) ? 1 : 0),
        seen === null || seen === undefined ? null : seen + (o.status === 'seen' ? 1 : 0),
        answered! + (answeredRequests.has(o.outreach_id) ? 1 : 0),
        back! + (e.status === 'won-back' && e.credited_request === o.request ? 1 : 0),
      ]);
    }

    const rows = await run('campaigns', { from: '2020-01-01', to });

    expect(
      new Map(
        rows.map((row) => [
          `${row.channel}|${row.request}|${row.locale}`,
          [num(row.sent), num(row.delivered), row.seen === null ? null : num(row.seen), num(row.answered), num(row.came_back)],
        ]),
      ),
    ).toEqual(expected);
    expect(rows.some((row) => row.channel === 'whatsapp' && num(row.seen) > 0)).toBe(true);
  });

  it('cohorts: the share of each first-visit month that came in each later month', async () => {
    const first = new Map<string, string>();
    for (const visit of visits) {
      const month = (visit.visit_day as string).slice(0, 7);
      if (!first.has(visit.client_id as string) || month < first.get(visit.client_id as string)!) first.set(visit.client_id as string, month);
    }
    const monthsBetween = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
    const active = new Map<string, Set<string>>();
    for (const visit of visits) {
      const cohort = first.get(visit.client_id as string)!;
      const key = `${cohort}|${monthsBetween(cohort, (visit.visit_day as string).slice(0, 7))}`;
      active.set(key, (active.get(key) ?? new Set()).add(visit.client_id as string));
    }

    const rows = await run('cohorts', { from: '2020-01-01', to });

    expect(new Map(rows.map((row) => [`${String(row.cohort).slice(0, 7)}|${num(row.months_since)}`, num(row.clients)]))).toEqual(
      new Map([...active].map(([key, set]) => [key, set.size])),
    );
    for (const row of rows.filter((r) => num(r.months_since) === 0)) expect(num(row.share)).toBe(1);
  });

  it('activity: the latest export day and sweep, the clients lapsed now with their value at risk, and those found lapsed each week', async () => {
    const open = episodes.filter((e) => e.status === 'open');
    const lastOpened = episodes
      .map((e) => e.opened_on as string)
      .sort()
      .at(-1);
    const weekOf = (day: string): string => {
      const at = new Date(`${day}T00:00:00Z`);
      return new Date(at.getTime() - ((at.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
    };
    const weeks = new Map<string, number[]>();
    for (const e of episodes.filter((ep) => (ep.dt as string) >= from && (ep.dt as string) <= to)) {
      const [found, still, value] = weeks.get(weekOf(e.opened_on as string)) ?? [0, 0, 0];
      weeks.set(weekOf(e.opened_on as string), [found! + 1, still! + (e.status === 'open' ? 1 : 0), value! + (e.value_at_risk_minor as number)]);
    }

    const now = await run('activity');
    const byWeek = await run('activity', { from, to, by: 'week' });

    expect(now).toHaveLength(1);
    expect(String(now[0]!.export_day).slice(0, 10)).toBe('2026-11-20');
    expect(String(now[0]!.last_sweep).slice(0, 10)).toBe(lastOpened);
    expect(num(now[0]!.lapsed_clients)).toBe(open.length);
    expect(num(now[0]!.value_at_risk_minor)).toBe(open.reduce((sum, e) => sum + (e.value_at_risk_minor as number), 0));
    expect(
      new Map(byWeek.map((row) => [String(row.week).slice(0, 10), [num(row.lapsed_clients), num(row.still_lapsed), num(row.value_at_risk_minor)]])),
    ).toEqual(weeks);
  });

  it('lapsed: only open episodes, most value at risk first, with the latest request and answer', async () => {
    const open = episodes.filter((e) => e.status === 'open');

    const rows = await run('lapsed', { from: '2020-01-01', to, limit: '10000' });

    expect(rows.map((row) => row.client_id)).toEqual(
      [...open]
        .sort((a, b) => (b.value_at_risk_minor as number) - (a.value_at_risk_minor as number) || String(a.client_id).localeCompare(String(b.client_id)))
        .map((e) => e.client_id),
    );
    const asked = rows.find((row) => row.request_status !== null)!;
    expect(outreach.some((o) => o.client_id === asked.client_id && o.status === asked.request_status)).toBe(true);
  });
});
