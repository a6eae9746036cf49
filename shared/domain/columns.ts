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
] as const;
export type ClientColumn = (typeof clientColumns)[number];

export const visitColumns = [
  'visit_id',
  'client_id',
  'visited_at',
  'doctor_id',
  'branch_id',
  'service_category',
  'amount',
  'currency',
] as const;
export type VisitColumn = (typeof visitColumns)[number];

/** A row as read from a file: every value is text until validated. Empty means absent. */
export type ClientRow = Partial<Record<ClientColumn, string>>;
export type VisitRow = Partial<Record<VisitColumn, string>>;

export type ImportKind = 'clients' | 'visits';

export const requiredColumns: Record<ImportKind, readonly string[]> = {
  clients: ['client_id'],
  visits: ['client_id', 'visited_at', 'amount'],
};
