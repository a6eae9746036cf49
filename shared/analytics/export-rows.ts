/**
 * What each stored record becomes in the analytics export (export-tables.ts), and the `dt`
 * partition it lands in. Pure: no I/O, the same record always gives the same row.
 *
 * Only pseudonymous identifiers and facts leave: a client's name, phone, email, an answer's
 * text, the number an SMS came from and the staff member who typed an answer never reach a row,
 * because no mapper here reads them.
 */
import { createHash } from 'node:crypto';
import { unmatchedClientId, type Answer } from '../answers/answer.ts';
import type { ClientProfile } from '../visits/client.ts';
import type { LapseEpisode, LapseMark } from '../lapse/episode.ts';
import {
  clientsAtRiskExport,
  clientsExport,
  currentAnswersExport,
  lapseEpisodesExport,
  outreachExport,
  reasonCatalogueExport,
  repliesExport,
  visitsExport,
  partitionOfDay,
  type ExportRow,
  type ExportTable,
} from './export-tables.ts';
import type { OutreachRecord } from '../outreach/outreach-record.ts';
import { isFailureReason, type FailureReason } from '../outreach/provider-failure.ts';
import { resolveReason, type Catalogue } from '../answers/reasons.ts';
import type { VisitSummary } from '../visits/summary.ts';
import type { AtRisk } from '../lapse/at-risk.ts';
import type { Visit } from '../visits/visit.ts';

/** The definition of each exported table by its name. */
export const exportTableNamed = {
  clients: clientsExport,
  visits: visitsExport,
  lapse_episodes: lapseEpisodesExport,
  outreach: outreachExport,
  replies: repliesExport,
  current_answers: currentAnswersExport,
  reason_catalogue: reasonCatalogueExport,
  clients_at_risk: clientsAtRiskExport,
} as const satisfies Readonly<Record<string, ExportTable>>;

/** The exported tables' names, as a closed set. */
export type ExportedTableName = keyof typeof exportTableNamed;

export const exportedTableNames = Object.keys(exportTableNamed) as ExportedTableName[];

/** One row and the `dt` partition it belongs to (`dt` is a directory, never a column in the file). */
export interface PartitionedRow {
  readonly dt: string;
  readonly row: ExportRow;
}

/** What the clients snapshot reads of a stored client (a StoredClient fits). */
export interface ClientSnapshotSource {
  readonly profile: Pick<ClientProfile, 'clientId' | 'locale' | 'branchId'>;
  readonly summary?: VisitSummary;
  readonly lapse?: Pick<LapseMark, 'status'>;
  readonly outreachEnded?: string;
}

/** Tables whose every partition is a whole snapshot on the export day (not one row per event). */
export const snapshotTables: ReadonlySet<ExportedTableName> = new Set(['clients', 'reason_catalogue', 'clients_at_risk']);

/** A client still coming who will count as lost soon, in the export day's snapshot. */
export const atRiskRow = (clientId: string, atRisk: AtRisk, exportDay: string): PartitionedRow => {
  const why = atRisk.explanation;
  return {
    dt: exportDay,
    row: {
      client_id: clientId,
      kind: why.kind ?? 'lapsed-regular',
      lost_on: atRisk.lostOn,
      days_left: atRisk.daysLeft,
      last_visit: why.lastVisit,
      usual_gap_days: wholeOrNull(why.usualGapDays),
      rule: why.rule,
      p_alive: why.pAlive ?? null,
      model: why.model ?? null,
    },
  };
};

/**
 * The order of rows inside a partition file: by these columns, so the same data always makes
 * the same bytes whatever order the Scan returned it in.
 */
export const rowOrder: Readonly<Record<ExportedTableName, readonly string[]>> = {
  clients: ['client_id'],
  visits: ['visited_at', 'visit_id'],
  lapse_episodes: ['client_id', 'episode_id'],
  outreach: ['outreach_id'],
  replies: ['received_at', 'answer_id'],
  current_answers: ['answered_on', 'answer_id'],
  reason_catalogue: ['reason_id'],
  clients_at_risk: ['client_id'],
};

const compareValues = (a: ExportRow[string], b: ExportRow[string]): number => {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
};

/** The rows of one partition in their file order (a new array; the input is left as it is). */
export const sortRows = (table: ExportedTableName, rows: readonly ExportRow[]): ExportRow[] => {
  const keys = rowOrder[table];
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const order = compareValues(a[key] ?? null, b[key] ?? null);
      if (order !== 0) return order;
    }
    return 0;
  });
};

/** The UTC day of an ISO instant: where instant-stamped rows are partitioned, as `CAST(x AS DATE)` reads them. */
const utcDay = (instant: string): string => {
  const millis = Date.parse(instant);
  if (Number.isNaN(millis)) throw new RangeError(`not an instant: ${instant}`);
  return new Date(millis).toISOString().slice(0, 10);
};

/** An ISO instant in the one spelling the export writes (UTC, milliseconds). */
const instant = (text: string | undefined): string | null => (text === undefined ? null : new Date(Date.parse(text)).toISOString());

const wholeOrNull = (value: number | null | undefined): number | null => (value === null || value === undefined ? null : Math.round(value));

/** A client on the export day: where they are, their visit summary and lapse state. */
export const clientRow = (client: ClientSnapshotSource, exportDay: string): PartitionedRow => {
  const summary = client.summary;
  return {
    dt: exportDay,
    row: {
      client_id: client.profile.clientId,
      branch_id: client.profile.branchId ?? summary?.lastBranchId ?? null,
      locale: client.profile.locale,
      first_visit: summary?.firstVisit ?? null,
      last_visit: summary?.lastVisit ?? null,
      visit_days: summary?.visitDays.length ?? 0,
      visits: summary?.visits ?? 0,
      total_spend_minor: summary?.totalSpend ?? 0,
      currency: summary?.currency ?? null,
      usual_gap_days: wholeOrNull(summary?.usualGapDays),
      last_doctor_id: summary?.lastDoctorId ?? null,
      lapse_status: client.lapse?.status ?? 'none',
      outreach_ended: client.outreachEnded ?? null,
    },
  };
};

/** A visit, in the partition of its local day. */
export const visitRow = (visit: Visit): PartitionedRow => ({
  dt: visit.day,
  row: {
    visit_id: visit.visitId,
    client_id: visit.clientId,
    visited_at: instant(visit.visitedAt),
    visit_day: visit.day,
    doctor_id: visit.doctorId ?? null,
    branch_id: visit.branchId ?? null,
    service_category: visit.serviceCategory ?? null,
    amount_minor: visit.amount.minor,
    currency: visit.amount.currency,
  },
});

/** A lapse episode, in the partition of the day it opened. */
export const episodeRow = (episode: LapseEpisode): PartitionedRow => {
  const why = episode.explanation;
  return {
    dt: episode.openedOn,
    row: {
      client_id: episode.clientId,
      episode_id: episode.episodeId,
      opened_on: episode.openedOn,
      status: episode.status,
      closed_on: episode.closedOn ?? null,
      control_group: episode.controlGroup,
      requests: Object.keys(episode.requests).length,
      credited_request: episode.creditedRequest ?? null,
      rule: why.rule,
      kind: why.kind ?? 'lapsed-regular',
      last_visit: why.lastVisit,
      days_since_last_visit: why.daysSinceLastVisit,
      usual_gap_days: wholeOrNull(why.usualGapDays),
      p_alive: why.pAlive ?? null,
      model: why.model ?? null,
      value_at_risk_minor: wholeOrNull(why.valueAtRisk?.minor),
      currency: why.valueAtRisk?.currency ?? null,
    },
  };
};

const reasonCode = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Why a request was skipped or failed, as a code: skip reasons are codes already; a provider's
 * refusal is kept only by its error name ("MessageRejected: …" → "MessageRejected"), because
 * the rest of a provider's message may quote the address it refused.
 */
export const exportedReason = (reason: string | undefined): string | null => {
  if (reason === undefined || reason === '') return null;
  if (reasonCode.test(reason)) return reason;
  const name = reason.split(':')[0]!.trim();
  return reasonCode.test(name) ? name : 'other';
};

/**
 * The provider's failure code of a request: its reason when it is one (never a skip reason).
 * Records from before the codes hold the provider's message instead: an opt-out and a throttle
 * are still told by their words, anything else is `unknown`.
 */
export const exportedFailureReason = (record: Pick<OutreachRecord, 'status' | 'reason'>): FailureReason | null => {
  if (record.status === 'skipped' || record.reason === undefined || record.reason === '') return null;
  if (isFailureReason(record.reason)) return record.reason;
  if (!['failed', 'retry', 'bounced'].includes(record.status)) return null;
  if (/opted.?out/i.test(record.reason)) return 'opted-out';
  if (/throttl/i.test(record.reason)) return 'throttled';
  if (/^MessageRejected\b/.test(record.reason)) return 'rejected';
  return 'unknown';
};

/** A feedback request, in the partition of the day it was claimed for sending (or skipped). */
export const outreachRow = (record: OutreachRecord): PartitionedRow => ({
  dt: utcDay(record.claimedAt ?? record.updatedAt),
  row: {
    outreach_id: record.outreachId,
    client_id: record.clientId,
    episode_id: record.episodeId,
    request: record.request,
    channel: record.channel ?? null,
    locale: record.locale ?? null,
    status: record.status,
    reason: exportedReason(record.reason),
    failure_reason: exportedFailureReason(record),
    sent_at: instant(record.sentAt),
    updated_at: instant(record.updatedAt),
  },
});

/** A stable id for an answer that says nothing about it: its source ids (an SMS id, a time) stay home. */
export const pseudonymousAnswerId = (clientId: string, answerId: string): string =>
  `a-${createHash('sha256').update(`${clientId}\u0000${answerId}`).digest('base64url').slice(0, 22)}`;

/** Replies from numbers no client could be tied to stay for review; they are not anyone's answer. */
export const isExportedAnswer = (answer: Pick<Answer, 'clientId'>): boolean => answer.clientId !== unmatchedClientId;

/**
 * An answer as the reason it matched, in the partition of the day it came. Never its text,
 * the number it came from, the candidate words, or who typed it.
 */
export const answerRow = (answer: Answer): PartitionedRow => ({
  dt: utcDay(answer.receivedAt),
  row: {
    answer_id: pseudonymousAnswerId(answer.clientId, answer.answerId),
    client_id: answer.clientId,
    outreach_id: answer.outreachId ?? null,
    episode_id: answer.episodeId ?? null,
    channel: answer.channel,
    received_at: instant(answer.receivedAt),
    reason_id: answer.reasonId ?? null,
    also_reason_id: answer.alsoReasonId ?? null,
    method: answer.method,
    confidence: answer.confidence,
    call_me: answer.callMe,
    book: answer.book,
    opted_out: answer.optedOut ?? false,
    catalogue_version: answer.catalogueVersion,
  },
});

/**
 * Each client's current answer per lapse episode, from the replies rows: of the answers that gave
 * a reason, the one received last (the later pseudonymous id breaking a tie of instants), on the
 * day of its replies partition. Earlier answers of the same episode stand no longer; answers with
 * no reason never stand.
 */
export const currentAnswerRows = (replies: Iterable<PartitionedRow>): PartitionedRow[] => {
  const standing = new Map<string, PartitionedRow>();
  const later = (a: ExportRow, b: ExportRow): boolean =>
    String(a.received_at) > String(b.received_at) || (a.received_at === b.received_at && String(a.answer_id) > String(b.answer_id));
  for (const reply of replies) {
    const { row } = reply;
    if (row.reason_id === null || row.reason_id === undefined) continue;
    const key = `${row.client_id}\u0000${row.episode_id ?? ''}`;
    const held = standing.get(key);
    if (!held || later(row, held.row)) standing.set(key, reply);
  }
  return [...standing.values()].map(({ dt, row }) => ({
    dt: partitionOfDay(currentAnswersExport, dt),
    row: {
      answer_id: row.answer_id ?? null,
      client_id: row.client_id ?? null,
      episode_id: row.episode_id ?? null,
      channel: row.channel ?? null,
      answered_on: dt,
      reason_id: row.reason_id ?? null,
      also_reason_id: row.also_reason_id ?? null,
    },
  }));
};

/** The catalogue on the export day: every reason, current or merged away, and what it counts as now. */
export const catalogueRows = (catalogue: Catalogue, exportDay: string): PartitionedRow[] =>
  catalogue.reasons.map((reason) => ({
    dt: exportDay,
    row: {
      version: catalogue.version,
      reason_id: reason.id,
      counts_as: resolveReason(catalogue, reason.id).id,
      label: reason.labels.en ?? Object.values(reason.labels)[0] ?? reason.id,
      churn_type: reason.churnType,
      status: reason.mergedInto !== undefined ? 'merged' : reason.status,
    },
  }));
