/** The columns of the two import files, as a clinic's export names them. */
export const clientColumns = [
  'client_id',
  'name',
  'phone',
  'email',
  'locale',
  'timezone',
  'preferred_channel',
  'branch_id',
  'consent_sms',
  'consent_email',
  'consent_voice',
  'consent_whatsapp',
  'consent_viber',
] as const;
export type ClientColumn = (typeof clientColumns)[number];

export const visitColumns = ['visit_id', 'client_id', 'visited_at', 'doctor_id', 'branch_id', 'service_category', 'amount', 'currency'] as const;
export type VisitColumn = (typeof visitColumns)[number];

/** A row as read from a file: every value is text until validated. Empty means absent. */
export type ClientRow = Partial<Record<ClientColumn, string>>;
export type VisitRow = Partial<Record<VisitColumn, string>>;

export type ImportKind = 'clients' | 'visits';

export const requiredColumns: Record<ImportKind, readonly string[]> = {
  clients: ['client_id'],
  visits: ['client_id', 'visited_at', 'amount'],
};

/**
 * The longest value each field may have, in characters (Unicode code points), after trimming.
 * A longer value is a row error: names and categories are shown on cards and in reports,
 * ids are DynamoDB keys, and one huge cell must not fail a whole write.
 */
export const fieldMaxLength: Readonly<Record<ClientColumn | VisitColumn, number>> = {
  client_id: 128,
  visit_id: 128,
  name: 200,
  phone: 32,
  email: 254,
  locale: 35,
  timezone: 64,
  preferred_channel: 16,
  branch_id: 100,
  doctor_id: 100,
  service_category: 100,
  consent_sms: 8,
  consent_email: 8,
  consent_voice: 8,
  consent_whatsapp: 8,
  consent_viber: 8,
  visited_at: 40,
  amount: 32,
  currency: 8,
};

/** The longest row a file may have (one CSV record, quoted line breaks included, or one JSON line), in characters. */
export const maxRowCharacters = 64 * 1024;
