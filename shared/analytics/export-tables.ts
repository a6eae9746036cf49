/**
 * The analytics export: what leaves DynamoDB for Athena (cloud) and DuckDB (one machine).
 * One definition per table, used by the Parquet writer, the Glue tables and the reports' SQL.
 * Pseudonymous ids only: no name, phone, email or raw reply text ever appears here.
 *
 * Files: `<table>/dt=YYYY-MM-DD/part-00000.parquet`. `dt` is a Hive partition column (a string);
 * it is not stored inside the files.
 */
export type ExportColumnType = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp';

export interface ExportColumn {
  readonly name: string;
  readonly type: ExportColumnType;
  readonly description: string;
}

export interface ExportTable {
  readonly name: string;
  readonly description: string;
  /** What `dt` means for this table. */
  readonly partition: string;
  /** How long one `dt` partition spans: a day (`dt` is that day), or a month (`dt` is its first day). Default a day. */
  readonly partitionSpan?: 'day' | 'month';
  readonly columns: readonly ExportColumn[];
}

const column = (name: string, type: ExportColumnType, description: string): ExportColumn => ({ name, type, description });

export const clientsExport: ExportTable = {
  name: 'clients',
  description: 'A snapshot of every client on the export day: where they are, their visit summary and lapse state',
  partition: 'the export day (each day holds the whole snapshot)',
  columns: [
    column('client_id', 'string', "the clinic's client id"),
    column('branch_id', 'string', 'their branch'),
    column('locale', 'string', 'their language'),
    column('first_visit', 'date', 'day of the first visit'),
    column('last_visit', 'date', 'day of the last visit'),
    column('visit_days', 'int', 'distinct days with a visit'),
    column('visits', 'int', 'visits in all'),
    column('total_spend_minor', 'bigint', 'all spend, in minor units of currency'),
    column('currency', 'string', 'ISO 4217'),
    column('usual_gap_days', 'int', 'median days between visit days'),
    column('last_doctor_id', 'string', 'the doctor of the last visit'),
    column('lapse_status', 'string', 'open, won-back, closed, or none'),
    column('outreach_ended', 'string', 'the involuntary reason outreach ended for, if it did'),
  ],
};

export const visitsExport: ExportTable = {
  name: 'visits',
  description: 'Every visit',
  partition: "the visit's local day",
  columns: [
    column('visit_id', 'string', "the clinic's visit id"),
    column('client_id', 'string', "the clinic's client id"),
    column('visited_at', 'timestamp', 'the instant of the visit (UTC)'),
    column('visit_day', 'date', 'the local day of the visit'),
    column('doctor_id', 'string', 'the doctor'),
    column('branch_id', 'string', 'the branch'),
    column('service_category', 'string', 'what was done'),
    column('amount_minor', 'bigint', 'paid, in minor units'),
    column('currency', 'string', 'ISO 4217'),
  ],
};

export const lapseEpisodesExport: ExportTable = {
  name: 'lapse_episodes',
  description: 'Each time a regular was flagged as lapsed, and how it ended',
  partition: 'the day the episode opened',
  columns: [
    column('client_id', 'string', "the clinic's client id"),
    column('episode_id', 'string', 'the day it opened'),
    column('opened_on', 'date', 'the day it opened'),
    column('status', 'string', 'open, won-back or closed'),
    column('closed_on', 'date', 'the day they came back'),
    column('control_group', 'boolean', 'held out of outreach'),
    column('requests', 'int', 'feedback requests made'),
    column('credited_request', 'int', 'the request a return is credited to'),
    column('rule', 'string', 'which rule flagged them'),
    column('kind', 'string', 'lapsed-regular or early-drop-out'),
    column('last_visit', 'date', 'their last visit when flagged'),
    column('days_since_last_visit', 'int', 'when flagged'),
    column('usual_gap_days', 'int', 'their usual gap when flagged'),
    column('p_alive', 'double', 'probability they are still a client, when flagged, by the model that scored them'),
    column('model', 'string', 'that model: BG/NBD, MBG/CNBD-k'),
    column('value_at_risk_minor', 'bigint', 'BG/NBD x Gamma-Gamma value they take away, minor units'),
    column('currency', 'string', 'ISO 4217 of value_at_risk_minor'),
  ],
};

export const outreachExport: ExportTable = {
  name: 'outreach',
  description: 'Each feedback request and what became of it',
  partition: 'the day the request was claimed for sending (or skipped)',
  columns: [
    column('outreach_id', 'string', 'the request id'),
    column('client_id', 'string', "the clinic's client id"),
    column('episode_id', 'string', 'the lapse episode it belongs to'),
    column('request', 'int', '1 for the first request, 2 for the reminder'),
    column('channel', 'string', 'email, sms, voice, whatsapp or viber'),
    column('locale', 'string', 'the language it was written in'),
    column('status', 'string', 'sent, delivered, clicked, bounced, complained, failed, skipped...'),
    column('reason', 'string', 'why it was skipped or failed'),
    column(
      'failure_reason',
      'string',
      "the provider's reason a send or delivery failed: invalid-number, unreachable, blocked, carrier-blocked, spam, opted-out, no-answer, busy, bounced... (null when it did not fail)",
    ),
    column('sent_at', 'timestamp', 'when the provider took it'),
    column('updated_at', 'timestamp', 'the last change'),
  ],
};

export const repliesExport: ExportTable = {
  name: 'replies',
  description: 'Answers to "why did you stop coming?": the matched reason only, never the text',
  partition: 'the day the answer was received',
  columns: [
    column('answer_id', 'string', 'a pseudonymous id of the answer'),
    column('client_id', 'string', "the clinic's client id"),
    column('outreach_id', 'string', 'the request it answers'),
    column('episode_id', 'string', 'the lapse episode'),
    column('channel', 'string', 'page, sms, whatsapp, viber or staff'),
    column('received_at', 'timestamp', 'when it came'),
    column('reason_id', 'string', 'the reason as matched (resolve merges through reason_catalogue)'),
    column('also_reason_id', 'string', 'a second reason the answer gave in a clause of its own, or null'),
    column('method', 'string', 'chosen, digit, alias, keyword, fuzzy, similar, model (the optional cloud stage) or none'),
    column('confidence', 'double', '0..1'),
    column('call_me', 'boolean', 'asked for a call back'),
    column('book', 'boolean', 'wants to book again'),
    column('opted_out', 'boolean', 'asked to hear nothing more'),
    column('catalogue_version', 'int', 'the catalogue version it was matched with'),
  ],
};

/**
 * What the reports about lost clients read: per client and lapse episode, the one answer that
 * stands, the latest that gave a reason. Shaped by the export so a report is one scan and a
 * group-by, not a ranking of every answer; the reason is as matched, resolved through
 * reason_catalogue at query time. Monthly partitions keep the file count low; `answered_on`
 * narrows a period to the day.
 */
export const currentAnswersExport: ExportTable = {
  name: 'current_answers',
  description: "Each client's current answer per lapse episode: the latest one that gave a reason",
  partition: 'the first day of the month the answer was received',
  partitionSpan: 'month',
  columns: [
    column('answer_id', 'string', 'the pseudonymous id of the answer (as in replies)'),
    column('client_id', 'string', "the clinic's client id"),
    column('episode_id', 'string', 'the lapse episode (null for answers outside one)'),
    column('channel', 'string', 'page, sms, whatsapp, viber or staff'),
    column('answered_on', 'date', 'the day (UTC) it was received'),
    column('reason_id', 'string', 'the reason as matched (resolve merges through reason_catalogue)'),
    column('also_reason_id', 'string', 'a second reason the answer gave, or null'),
  ],
};

export const reasonCatalogueExport: ExportTable = {
  name: 'reason_catalogue',
  description: 'The reason catalogue on the export day: each reason and the reason it counts under now',
  partition: 'the export day',
  columns: [
    column('version', 'int', 'the catalogue version'),
    column('reason_id', 'string', 'a reason, current or merged away'),
    column('counts_as', 'string', 'the reason it counts under after merges'),
    column('label', 'string', 'its English (or first) label'),
    column('churn_type', 'string', 'voluntary, involuntary or passive'),
    column('status', 'string', 'active, merged or retired'),
  ],
};

export const clientsAtRiskExport: ExportTable = {
  name: 'clients_at_risk',
  description: 'The clients still coming who will count as lost within 90 days of the export day unless they come back',
  partition: 'the export day (each day holds the whole snapshot)',
  columns: [
    column('client_id', 'string', "the clinic's client id"),
    column('kind', 'string', 'lapsed-regular or early-drop-out: what they will count as'),
    column('lost_on', 'date', 'the first day they count as lost if they have not come back'),
    column('days_left', 'int', 'days from the export day to lost_on'),
    column('last_visit', 'date', 'day of the last visit'),
    column('usual_gap_days', 'int', 'median days between visit days'),
    column('rule', 'string', 'the rule that will flag them'),
    column('p_alive', 'double', 'probability they are still a client on lost_on, by the model that scores'),
    column('model', 'string', 'that model: BG/NBD, MBG/CNBD-k'),
  ],
};

export const exportTables = [
  clientsExport,
  visitsExport,
  lapseEpisodesExport,
  outreachExport,
  repliesExport,
  currentAnswersExport,
  reasonCatalogueExport,
  clientsAtRiskExport,
] as const;

export type ExportTableName = (typeof exportTables)[number]['name'];

/** One exported row: column name to value (dates `YYYY-MM-DD`, timestamps ISO 8601 UTC). */
export type ExportRow = Readonly<Record<string, string | number | boolean | null>>;

/** Where a table's partition lives under the export root. */
export const partitionPrefix = (table: string, dt: string): string => `${table}/dt=${dt}/`;

/** The `dt` of a day's rows in a table: the day, or the first day of its month. */
export const partitionOfDay = (table: Pick<ExportTable, 'partitionSpan'>, day: string): string =>
  table.partitionSpan === 'month' ? `${day.slice(0, 7)}-01` : day;
