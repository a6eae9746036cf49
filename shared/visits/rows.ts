import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { channels, type Channel, type ClientProfile } from './client.ts';
import { fieldMaxLength, type ClientColumn, type ClientRow, type VisitColumn, type VisitRow } from './columns.ts';
import { canonicalTimeZone } from '../common/dates.ts';
import { AmountError, isCurrency, parseAmount } from '../common/money.ts';
import type { Visit } from './visit.ts';
import { VisitTimeError, futureVisitReason, parseIsoVisitTime, type VisitClock, type VisitTime } from './visit-time.ts';

/** One thing wrong with one row: where, which field, and why, in words a clinic understands. */
export interface RowProblem {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
  /** For a row repeating another's id with different data: the other row's line. */
  readonly duplicateOf?: number;
}

export type RowResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly RowProblem[] }
  | { readonly ok: false; readonly errors: readonly RowProblem[] };

export interface ClientDefaults {
  readonly locale: string;
  readonly timeZone: string;
}

const text = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/** How each field's characters are checked. */
type FieldKind = 'id' | 'text' | 'value';
const idFields = new Set<string>(['client_id', 'visit_id', 'doctor_id', 'branch_id']);
const textFields = new Set<string>(['name', 'service_category']);
const kindOf = (field: string): FieldKind => (idFields.has(field) ? 'id' : textFields.has(field) ? 'text' : 'value');

// Ids are keys: an invisible character (zero-width, bidi control, BOM), a control character or
// an unusual space would make a look-alike of another client. Only printable characters.
const badInId = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;
// Free text keeps what writing needs (ZWNJ and ZWJ, left-to-right and right-to-left marks),
// never control characters, embeddings, overrides or isolates, or invisible spaces.
const badInText = /[\p{Cc}\p{Cs}]|(?![\u200c-\u200f\u061c])\p{Cf}/u;
const badInValue = /[\p{Cc}\p{Cf}\p{Cs}]/u;
const lineBreaks = /\s*[\t\n\r\v\f\u0085\u2028\u2029]\s*/g;

const codePoint = (char: string): string => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

const describeCharacter = (char: string): string => {
  if (/\p{Cc}/u.test(char)) return `a control character (${codePoint(char)})`;
  if (/\p{Cf}/u.test(char)) return `an invisible formatting character (${codePoint(char)})`;
  if (/\p{Cs}/u.test(char)) return `a broken character (${codePoint(char)}, half of a surrogate pair)`;
  return `a space or line separator other than the ordinary space (${codePoint(char)})`;
};

const codePointLength = (value: string): number => {
  let count = 0;
  for (const _ of value) count++;
  return count;
};

/**
 * The field's value made safe to store, or why it cannot be: at most its length in
 * {@link fieldMaxLength}, no control or invisible characters (line breaks in free text become
 * spaces), ids and free text in Unicode NFC so one name is one spelling.
 */
export const cleanField = (field: ClientColumn | VisitColumn, value: string | undefined): { value?: string; problem?: string } => {
  let cleaned = text(value);
  if (cleaned === undefined) return {};
  const max = fieldMaxLength[field];
  if (cleaned.length > max) {
    const length = codePointLength(cleaned);
    if (length > max) return { problem: `is ${length.toLocaleString('en')} characters long; at most ${max} are allowed` };
  }
  const kind = kindOf(field);
  if (kind === 'text') cleaned = cleaned.replace(lineBreaks, ' ');
  const bad = (kind === 'id' ? badInId : kind === 'text' ? badInText : badInValue).exec(cleaned);
  if (bad) {
    const why = `contains ${describeCharacter(bad[0])}`;
    return { problem: kind === 'id' ? `${why}: ids may hold printable characters only` : why };
  }
  if (kind !== 'value' && /[^\u0000-\u007f]/.test(cleaned)) cleaned = cleaned.normalize('NFC');
  return { value: cleaned };
};

/** Cleans every field of a row; problems (length, characters) are row errors, or warnings for contacts. */
const cleanRow = <F extends ClientColumn | VisitColumn>(
  row: Partial<Record<F, string>>,
  line: number,
  errors: RowProblem[],
  warnings: RowProblem[],
): Partial<Record<F, string>> => {
  const cleaned: Partial<Record<F, string>> = {};
  for (const field of Object.keys(row) as F[]) {
    const result = cleanField(field, row[field]);
    if (result.problem === undefined) {
      if (result.value !== undefined) cleaned[field] = result.value;
    } else if (field === 'phone' || field === 'email') {
      const off = field === 'phone' ? 'SMS and voice are off' : 'email is off';
      warnings.push({ line, field, reason: `${result.problem}; ${off} for this client` });
    } else errors.push({ line, field, reason: result.problem });
  }
  return cleaned;
};

const checkId = (id: string | undefined, field: string, line: number, problems: RowProblem[]): string | undefined => {
  if (!id) problems.push({ line, field, reason: 'is required' });
  else return id;
  return undefined;
};

const truthy = new Set(['true', 'yes', 'y', '1', 'on']);
const falsy = new Set(['false', 'no', 'n', '0', 'off', '']);

const parseConsent = (value: string | undefined, field: string, line: number, problems: RowProblem[]): boolean => {
  const normalized = (value ?? '').trim().toLowerCase();
  if (truthy.has(normalized)) return true;
  if (falsy.has(normalized)) return false;
  problems.push({ line, field, reason: `"${value}" is not yes/no (use true, false, yes, no, 1 or 0)` });
  return false;
};

// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is SES's job.
const emailPattern = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export const canonicalLocale = (tag: string): string | undefined => {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.replace('_', '-'));
    return canonical;
  } catch {
    return undefined;
  }
};

export const parseClientRow = (raw: ClientRow, line: number, defaults: ClientDefaults): RowResult<ClientProfile> => {
  const errors: RowProblem[] = [];
  const warnings: RowProblem[] = [];
  const row = cleanRow(raw, line, errors, warnings);
  if (errors.length > 0) return { ok: false, errors };
  const clientId = checkId(row.client_id, 'client_id', line, errors);

  const localeText = text(row.locale);
  const locale = localeText ? canonicalLocale(localeText) : defaults.locale;
  if (!locale) errors.push({ line, field: 'locale', reason: `"${localeText}" is not a language tag (e.g. en, el, ru, en-GB)` });

  const zoneText = text(row.timezone) ?? defaults.timeZone;
  const timeZone = canonicalTimeZone(zoneText);
  if (!timeZone) errors.push({ line, field: 'timezone', reason: `"${zoneText}" is not an IANA time zone (e.g. Europe/Athens)` });

  const preferredText = text(row.preferred_channel)?.toLowerCase();
  if (preferredText && !channels.includes(preferredText as Channel)) {
    errors.push({ line, field: 'preferred_channel', reason: `"${row.preferred_channel}" is not one of ${channels.join(', ')}` });
  }

  const consent = {
    email: parseConsent(row.consent_email, 'consent_email', line, errors),
    sms: parseConsent(row.consent_sms, 'consent_sms', line, errors),
    voice: parseConsent(row.consent_voice, 'consent_voice', line, errors),
    ...(parseConsent(row.consent_whatsapp, 'consent_whatsapp', line, errors) && { whatsapp: true }),
    ...(parseConsent(row.consent_viber, 'consent_viber', line, errors) && { viber: true }),
  };

  // A bad contact keeps the client: the visits still count, only that channel is off.
  let phone: string | undefined;
  const phoneText = text(row.phone);
  if (phoneText) {
    const parsed = phoneText.startsWith('+') ? parsePhoneNumberFromString(phoneText) : undefined;
    if (parsed?.isValid()) phone = parsed.number;
    else {
      const why = phoneText.startsWith('+') ? 'is not a valid phone number' : 'is not in international E.164 form (+ and country code)';
      warnings.push({ line, field: 'phone', reason: `${why}; SMS and voice are off for this client` });
    }
  }
  let email: string | undefined;
  const emailText = text(row.email);
  if (emailText) {
    if (emailPattern.test(emailText) && emailText.length <= 254) email = emailText;
    else warnings.push({ line, field: 'email', reason: 'is not a valid email address; email is off for this client' });
  }

  if (errors.length > 0 || !clientId || !locale || !timeZone) return { ok: false, errors };
  const name = text(row.name);
  const branchId = text(row.branch_id);
  return {
    ok: true,
    warnings,
    value: {
      clientId,
      ...(name && { name }),
      ...(phone && { phone }),
      ...(email && { email }),
      locale,
      timeZone,
      ...(preferredText && { preferredChannel: preferredText as Channel }),
      ...(branchId && { branchId }),
      consent,
    },
  };
};

export interface VisitParseOptions {
  /** Reads `visited_at`; ISO 8601 unless the import says `--date-format`. */
  readonly parseTime?: (text: string) => VisitTime;
  /** Used when the file has no currency column. */
  readonly defaultCurrency?: string;
  /** The visit id to use when the row has none (derived by the import from the row's content). */
  readonly derivedVisitId?: string;
}

/**
 * When "now" is: the clinic's clock (visits it calls future are refused, see
 * {@link futureVisitReason}), or only the clinic's today (every time of that day has happened).
 */
export type VisitNow = { readonly clock: VisitClock } | { readonly latestDay: string };

const clockOf = (now: VisitNow): VisitClock => ('clock' in now ? now.clock : { today: now.latestDay, now: Number.POSITIVE_INFINITY });

export const parseVisitRow = (raw: VisitRow, line: number, options: VisitParseOptions & VisitNow): RowResult<Visit> => {
  const errors: RowProblem[] = [];
  const row = cleanRow(raw, line, errors, []);
  if (errors.length > 0) return { ok: false, errors };
  const visitId = row.visit_id ?? options.derivedVisitId;
  if (!visitId) errors.push({ line, field: 'visit_id', reason: 'is required' });
  const clientId = checkId(row.client_id, 'client_id', line, errors);

  let time: VisitTime | undefined;
  const when = text(row.visited_at);
  if (!when) errors.push({ line, field: 'visited_at', reason: 'is required' });
  else {
    try {
      time = (options.parseTime ?? parseIsoVisitTime)(when);
      const future = futureVisitReason(time, clockOf(options));
      if (future) {
        errors.push({ line, field: 'visited_at', reason: future });
        time = undefined;
      }
    } catch (error) {
      if (!(error instanceof VisitTimeError)) throw error;
      errors.push({ line, field: 'visited_at', reason: error.message });
    }
  }

  const currency = (text(row.currency) ?? options.defaultCurrency)?.toUpperCase();
  if (!currency) errors.push({ line, field: 'currency', reason: 'is required (or pass --currency)' });
  else if (!isCurrency(currency)) errors.push({ line, field: 'currency', reason: `"${currency}" is not an ISO 4217 currency code` });

  let minor: number | undefined;
  const amountText = text(row.amount);
  if (!amountText) errors.push({ line, field: 'amount', reason: 'is required' });
  else if (currency && isCurrency(currency)) {
    try {
      minor = parseAmount(amountText, currency).minor;
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      errors.push({ line, field: 'amount', reason: error.message });
    }
  }

  if (errors.length > 0 || !visitId || !clientId || !time || minor === undefined || !currency) return { ok: false, errors };
  const doctorId = text(row.doctor_id);
  const branchId = text(row.branch_id);
  const serviceCategory = text(row.service_category);
  return {
    ok: true,
    warnings: [],
    value: {
      visitId,
      clientId,
      visitedAt: time.visitedAt,
      day: time.day,
      ...(doctorId && { doctorId }),
      ...(branchId && { branchId }),
      ...(serviceCategory && { serviceCategory }),
      amount: { minor, currency },
    },
  };
};
