import { describe, expect, it } from 'vitest';
import type { Answer } from '../../../shared/answers/answer.ts';
import type { LapseEpisode } from '../../../shared/lapse/episode.ts';
import {
  atRiskRow,
  answerRow,
  catalogueRows,
  clientRow,
  currentAnswerRows,
  episodeRow,
  exportTableNamed,
  exportedReason,
  isExportedAnswer,
  outreachRow,
  pseudonymousAnswerId,
  sortRows,
  visitRow,
  type PartitionedRow,
} from '../../../shared/analytics/export-rows.ts';
import { exportTables, type ExportTable } from '../../../shared/analytics/export-tables.ts';
import type { OutreachRecord } from '../../../shared/outreach/outreach-record.ts';
import { mergeReason, seedCatalogue } from '../../../shared/answers/reasons.ts';
import { addVisits } from '../../../shared/visits/summary.ts';
import type { Visit } from '../../../shared/visits/visit.ts';
import type { StoredClient } from '../../../shared/visits/ports/client-store.ts';
import { lapseDay } from '../../../shared/lapse/at-risk.ts';
import { defaultLapseRule } from '../../../shared/lapse/lapse-rule.ts';
import { summaryOf } from '../../support/histories.ts';

const name = 'Μαρία Παππά';
const phone = '+306912345678';
const email = 'maria.pappa@example.com';
const text = 'Ο γιατρός ήταν αγενής και περίμενα δύο ώρες';

const visits: Visit[] = [
  {
    visitId: 'v-1',
    clientId: 'c-1',
    visitedAt: '2026-03-02T08:30:00Z',
    day: '2026-03-02',
    doctorId: 'dr-1',
    branchId: 'b-1',
    serviceCategory: 'cleaning',
    amount: { minor: 4500, currency: 'EUR' },
  },
  { visitId: 'v-2', clientId: 'c-1', visitedAt: '2026-04-01T22:30:00.000Z', day: '2026-04-02', doctorId: 'dr-2', amount: { minor: 6000, currency: 'EUR' } },
  { visitId: 'v-3', clientId: 'c-1', visitedAt: '2026-05-02T09:00:00.000Z', day: '2026-05-02', amount: { minor: 5000, currency: 'EUR' } },
];

const client: StoredClient = {
  profile: {
    clientId: 'c-1',
    name,
    phone,
    email,
    locale: 'el',
    timeZone: 'Europe/Athens',
    branchId: 'b-1',
    preferredChannel: 'sms',
    consent: { email: true, sms: true, voice: false },
  },
  summary: addVisits(undefined, visits),
  version: 3,
  lapse: { episodeId: '2026-06-01', status: 'open', openedOn: '2026-06-01', requests: 1, controlGroup: false },
  outreachEnded: 'moved-away',
};

const episode: LapseEpisode = {
  clientId: 'c-1',
  episodeId: '2026-06-01',
  status: 'won-back',
  openedOn: '2026-06-01',
  openedAt: '2026-06-01T05:00:00Z',
  explanation: {
    rule: 'rhythm and model agree',
    lastVisit: '2026-05-02',
    daysSinceLastVisit: 30,
    visitDays: 3,
    usualGapDays: 30.5,
    pAlive: 0.21,
    valueAtRisk: { minor: 12345.6, currency: 'EUR' },
  },
  controlGroup: false,
  requests: { 'job-a': { request: 1, requestedOn: '2026-06-01' }, 'job-b': { request: 2, requestedOn: '2026-06-15' } },
  closedOn: '2026-06-20',
  creditedRequest: 2,
};

const record: OutreachRecord = {
  outreachId: 'job-a',
  clientId: 'c-1',
  episodeId: '2026-06-01',
  request: 1,
  status: 'failed',
  channel: 'email',
  locale: 'el',
  attempts: 1,
  claimedAt: '2026-06-01T23:59:00.000Z',
  providerMessageId: 'provider-1',
  reason: `MessageRejected: Email address is not verified: ${email}`,
  updatedAt: '2026-06-02T00:01:00.000Z',
};

const answer: Answer = {
  clientId: 'c-1',
  answerId: 'sms#inbound-77',
  channel: 'sms',
  receivedAt: '2026-06-02T10:00:00Z',
  outreachId: 'job-a',
  episodeId: '2026-06-01',
  reasonId: 'staff-attitude',
  confidence: 0.8,
  method: 'keyword',
  candidate: text.toLowerCase(),
  text,
  callMe: true,
  book: false,
  by: email,
  from: phone,
  catalogueVersion: 4,
};

const everyRow = (): PartitionedRow[] => [
  clientRow(client, '2026-07-01'),
  ...visits.map(visitRow),
  episodeRow(episode),
  outreachRow(record),
  answerRow(answer),
  ...currentAnswerRows([answerRow(answer)]),
  ...catalogueRows(seedCatalogue(), '2026-07-01'),
];

describe('export rows', () => {
  it('names every table as export-tables.ts does', () => {
    expect(Object.values(exportTableNamed)).toEqual([...exportTables]);
    for (const [key, table] of Object.entries(exportTableNamed)) expect(table.name).toBe(key);
  });

  it('gives a client snapshot row in the export day, with exactly the columns of the table', () => {
    const { dt, row } = clientRow(client, '2026-07-01');
    expect(dt).toBe('2026-07-01');
    expect(Object.keys(row)).toEqual(exportTableNamed.clients.columns.map((column) => column.name));
    expect(row).toEqual({
      client_id: 'c-1',
      branch_id: 'b-1',
      locale: 'el',
      first_visit: '2026-03-02',
      last_visit: '2026-05-02',
      visit_days: 3,
      visits: 3,
      total_spend_minor: 15500,
      currency: 'EUR',
      usual_gap_days: 31,
      last_doctor_id: null,
      lapse_status: 'open',
      outreach_ended: 'moved-away',
    });
  });

  it('gives a client without visits zero visits and no dates, and says "none" without a lapse', () => {
    const { row } = clientRow({ profile: { clientId: 'c-2', locale: 'en' } }, '2026-07-01');
    expect(row).toMatchObject({
      client_id: 'c-2',
      branch_id: null,
      first_visit: null,
      visits: 0,
      visit_days: 0,
      total_spend_minor: 0,
      currency: null,
      lapse_status: 'none',
    });
  });

  it('puts a visit in its local day, with the instant in UTC', () => {
    expect(visitRow(visits[1]!)).toEqual({
      dt: '2026-04-02',
      row: {
        visit_id: 'v-2',
        client_id: 'c-1',
        visited_at: '2026-04-01T22:30:00.000Z',
        visit_day: '2026-04-02',
        doctor_id: 'dr-2',
        branch_id: null,
        service_category: null,
        amount_minor: 6000,
        currency: 'EUR',
      },
    });
  });

  it('puts an episode in the day it opened, counting its requests and rounding to whole units', () => {
    expect(episodeRow(episode)).toEqual({
      dt: '2026-06-01',
      row: {
        client_id: 'c-1',
        episode_id: '2026-06-01',
        opened_on: '2026-06-01',
        status: 'won-back',
        closed_on: '2026-06-20',
        control_group: false,
        requests: 2,
        credited_request: 2,
        rule: 'rhythm and model agree',
        kind: 'lapsed-regular',
        last_visit: '2026-05-02',
        days_since_last_visit: 30,
        usual_gap_days: 31,
        p_alive: 0.21,
        model: null,
        value_at_risk_minor: 12346,
        currency: 'EUR',
      },
    });
  });

  it('puts a request in the UTC day it was claimed, and keeps only the error name of a refusal', () => {
    const { dt, row } = outreachRow(record);
    expect(dt).toBe('2026-06-01');
    expect(row).toMatchObject({ outreach_id: 'job-a', status: 'failed', reason: 'MessageRejected', sent_at: null, updated_at: '2026-06-02T00:01:00.000Z' });
    const skipped = outreachRow({
      outreachId: 'job-c',
      clientId: 'c-1',
      episodeId: 'e',
      request: 1,
      status: 'skipped',
      reason: 'suppressed',
      attempts: 0,
      updatedAt: '2026-06-03T04:00:00Z',
    });
    expect(skipped.dt).toBe('2026-06-03');
    expect(skipped.row).toMatchObject({ reason: 'suppressed', channel: null, failure_reason: null });
  });

  it('exports a failure’s code in failure_reason, never a skip reason, and reads the codes of records from before them', () => {
    const failed = (status: OutreachRecord['status'], reason?: string) =>
      outreachRow({ ...record, status, ...(reason === undefined ? { reason: undefined } : { reason }) }).row;
    expect(failed('failed', 'invalid-number')).toMatchObject({ reason: 'invalid-number', failure_reason: 'invalid-number' });
    expect(failed('failed', 'unreachable')).toMatchObject({ reason: 'unreachable', failure_reason: 'unreachable' });
    expect(failed('bounced', 'bounced')).toMatchObject({ failure_reason: 'bounced' });
    expect(failed('retry', 'throttled')).toMatchObject({ failure_reason: 'throttled' });
    expect(failed('skipped', 'suppressed')).toMatchObject({ reason: 'suppressed', failure_reason: null });
    expect(failed('sent')).toMatchObject({ reason: null, failure_reason: null });
    expect(failed('delivered')).toMatchObject({ failure_reason: null });
    // Stored before the codes: the provider's message.
    expect(failed('failed', 'ConflictException: +306912345678 has opted out')).toMatchObject({ reason: 'ConflictException', failure_reason: 'opted-out' });
    expect(failed('retry', 'ThrottlingException')).toMatchObject({ failure_reason: 'throttled' });
    expect(failed('failed', `MessageRejected: Email address is not verified: ${email}`)).toMatchObject({ failure_reason: 'rejected' });
    expect(failed('failed', 'SES answered without a message id')).toMatchObject({ reason: 'other', failure_reason: 'unknown' });
  });

  it.each([
    [undefined, null],
    ['no-consent', 'no-consent'],
    ['ValidationException: +306912345678 is not a valid number', 'ValidationException'],
    ['SES answered without a message id', 'other'],
    [`${email} bounced`, 'other'],
  ])('exports the reason %j as %j', (reason, expected) => {
    expect(exportedReason(reason)).toBe(expected);
  });

  it('exports an answer as its matched reason under a pseudonymous id that is the same every time', () => {
    const { dt, row } = answerRow(answer);
    expect(dt).toBe('2026-06-02');
    expect(row).toEqual({
      answer_id: pseudonymousAnswerId('c-1', 'sms#inbound-77'),
      client_id: 'c-1',
      outreach_id: 'job-a',
      episode_id: '2026-06-01',
      channel: 'sms',
      received_at: '2026-06-02T10:00:00.000Z',
      reason_id: 'staff-attitude',
      also_reason_id: null,
      method: 'keyword',
      confidence: 0.8,
      call_me: true,
      book: false,
      opted_out: false,
      catalogue_version: 4,
    });
    expect(row.answer_id).toMatch(/^a-[A-Za-z0-9_-]{22}$/);
    expect(row.answer_id).not.toContain('inbound-77');
    expect(pseudonymousAnswerId('c-2', 'sms#inbound-77')).not.toBe(row.answer_id);
  });

  it('keeps per client and episode the answer that stands: the latest that gave a reason, in the month it came', () => {
    const later = (overrides: Partial<Answer>): Answer => ({ ...answer, ...overrides });
    const rows = currentAnswerRows(
      [
        later({ answerId: 'page#2', receivedAt: '2026-07-01T01:00:00+03:00', reasonId: 'price', alsoReasonId: 'schedule', channel: 'page' }),
        answer,
        // Later, but with no reason: it does not take the place of one that gave a reason.
        later({ answerId: 'sms#3', receivedAt: '2026-07-09T10:00:00Z', reasonId: undefined, method: 'none' }),
        // Another episode of the same client, and an answer outside any episode: each stands on its own.
        later({ answerId: 'sms#4', receivedAt: '2025-01-31T23:30:00Z', episodeId: '2025-01-01', reasonId: 'moved-away' }),
        later({ answerId: 'staff#5', receivedAt: '2026-08-01T09:00:00Z', episodeId: undefined, reasonId: 'deceased', channel: 'staff' }),
        // Not anyone's answer: never a replies row, so never standing.
        later({ clientId: 'unmatched', answerId: 'sms#6', receivedAt: '2026-09-01T09:00:00Z' }),
      ]
        .filter(isExportedAnswer)
        .map(answerRow),
    );
    expect(
      sortRows(
        'current_answers',
        rows.map((r) => r.row),
      ).map((row) => [row.answered_on, row.reason_id, row.episode_id]),
    ).toEqual([
      ['2025-01-31', 'moved-away', '2025-01-01'],
      ['2026-06-30', 'price', '2026-06-01'],
      ['2026-08-01', 'deceased', null],
    ]);
    // 01:00 at +03:00 is the 30th of June in UTC, so it lands in June's partition.
    expect(rows.find((r) => r.row.reason_id === 'price')).toEqual({
      dt: '2026-06-01',
      row: {
        answer_id: pseudonymousAnswerId('c-1', 'page#2'),
        client_id: 'c-1',
        episode_id: '2026-06-01',
        channel: 'page',
        answered_on: '2026-06-30',
        reason_id: 'price',
        also_reason_id: 'schedule',
      },
    });
    expect(rows.map((r) => r.dt).sort()).toEqual(['2025-01-01', '2026-06-01', '2026-08-01']);
  });

  it('breaks a tie of instants the same way whatever order the answers came in', () => {
    const twins = [answer, { ...answer, answerId: 'sms#twin', reasonId: 'price' }];
    const one = currentAnswerRows(twins.map(answerRow));
    expect(one).toHaveLength(1);
    expect(currentAnswerRows([...twins].reverse().map(answerRow))).toEqual(one);
  });

  it('leaves out replies from numbers no client could be tied to', () => {
    expect(isExportedAnswer(answer)).toBe(true);
    expect(isExportedAnswer({ clientId: 'unmatched' })).toBe(false);
  });

  it('maps every reason of the catalogue to the one it counts as now, with the version', () => {
    const merged = mergeReason(seedCatalogue(), 'schedule', 'waiting-time', '2026-06-01T00:00:00Z');
    const rows = catalogueRows(merged, '2026-07-01');
    expect(rows).toHaveLength(merged.reasons.length);
    expect(rows.find((r) => r.row.reason_id === 'schedule')).toEqual({
      dt: '2026-07-01',
      row: { version: 2, reason_id: 'schedule', counts_as: 'waiting-time', label: 'Schedule', churn_type: 'voluntary', status: 'merged' },
    });
    expect(rows.find((r) => r.row.reason_id === 'price')?.row).toMatchObject({ counts_as: 'price', status: 'active' });
  });

  it('orders rows by the table’s key whatever order they came in', () => {
    const rows = visits.map((visit) => visitRow(visit).row);
    expect(sortRows('visits', [...rows].reverse())).toEqual(rows);
    expect(sortRows('visits', rows)).not.toBe(rows);
  });

  it('gives every table rows with exactly its columns', () => {
    const byColumns = (table: ExportTable): string => table.columns.map((column) => column.name).join(',');
    const known = new Set(exportTables.map(byColumns));
    for (const { row } of everyRow()) expect(known).toContain(Object.keys(row).join(','));
  });

  it('never lets a name, phone, email, reply text, SMS number or staff member into any row', () => {
    const values = JSON.stringify(everyRow());
    const personal = [name, 'Παππά', phone, '6912345678', email, 'maria', text, text.toLowerCase(), 'αγενής', 'inbound-77'];
    for (const value of personal) expect(values.toLowerCase()).not.toContain(value.toLowerCase());
  });
});

describe('the at-risk snapshot', () => {
  it('puts who will count as lost soon in the export day, with the day, why and the model, and no personal data', () => {
    const twice = summaryOf([{ day: '2026-04-01' }, { day: '2026-04-15' }]);
    const soon = lapseDay(twice, '2026-05-20', undefined, defaultLapseRule, 90)!;
    expect(atRiskRow('c-9', soon, '2026-05-20')).toEqual({
      dt: '2026-05-20',
      row: {
        client_id: 'c-9',
        kind: 'early-drop-out',
        lost_on: '2026-06-15',
        days_left: 26,
        last_visit: '2026-04-15',
        usual_gap_days: 14,
        rule: 'came 2 times, then stayed away more than 3x their gap',
        p_alive: null,
        model: null,
      },
    });
    expect(Object.keys(atRiskRow('c-9', soon, '2026-05-20').row)).toEqual(
      exportTables.find((table) => table.name === 'clients_at_risk')!.columns.map((column) => column.name),
    );
  });
});
