import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { channels, type Channel, type ClientProfile } from './client.ts';
import type { ClientRow, VisitRow } from './columns.ts';
import { isTimeZone } from './dates.ts';
import { AmountError, isCurrency, parseAmount } from './money.ts';
import type { Visit } from './visit.ts';
import { VisitTimeError, parseIsoVisitTime, type VisitTime } from './visit-time.ts';

/** One thing wrong with one row: where, which field, and why, in words a clinic understands. */
export interface RowProblem {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
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

// Control characters in an id break CSV exports and terminals; ids are also DynamoDB keys.
const badIdCharacters = /[\u0000-\u001f\u007f]/;
const checkId = (value: string | undefined, field: string, line: number, problems: RowProblem[]): string | undefined => {
  const id = text(value);
  if (!id) problems.push({ line, field, reason: 'is required' });
  else if (id.length > 128) problems.push({ line, field, reason: 'is longer than 128 characters' });
  else if (badIdCharacters.test(id)) problems.push({ line, field, reason: 'contains control characters' });
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

export const parseClientRow = (row: ClientRow, line: number, defaults: ClientDefaults): RowResult<ClientProfile> => {
  const errors: RowProblem[] = [];
  const warnings: RowProblem[] = [];
  const clientId = checkId(row.client_id, 'client_id', line, errors);

  const localeText = text(row.locale);
  const locale = localeText ? canonicalLocale(localeText) : defaults.locale;
  if (!locale) errors.push({ line, field: 'locale', reason: `"${localeText}" is not a language tag (e.g. en, el, ru, en-GB)` });

  const timeZone = text(row.timezone) ?? defaults.timeZone;
  if (!isTimeZone(timeZone)) errors.push({ line, field: 'timezone', reason: `"${timeZone}" is not an IANA time zone (e.g. Europe/Athens)` });

  const preferredText = text(row.preferred_channel)?.toLowerCase();
  if (preferredText && !channels.includes(preferredText as Channel)) {
    errors.push({ line, field: 'preferred_channel', reason: `"${row.preferred_channel}" is not one of email, sms, voice` });
  }

  const consent = {
    email: parseConsent(row.consent_email, 'consent_email', line, errors),
    sms: parseConsent(row.consent_sms, 'consent_sms', line, errors),
    voice: parseConsent(row.consent_voice, 'consent_voice', line, errors),
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

  if (errors.length > 0 || !clientId || !locale) return { ok: false, errors };
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
  /** Visits after this day are refused as typos (a clinic cannot record tomorrow's visit). */
  readonly latestDay: string;
  /** The visit id to use when the row has none (derived by the import from the row's content). */
  readonly derivedVisitId?: string;
}

export const parseVisitRow = (row: VisitRow, line: number, options: VisitParseOptions): RowResult<Visit> => {
  const errors: RowProblem[] = [];
  const visitId = text(row.visit_id) ?? options.derivedVisitId;
  if (!visitId) errors.push({ line, field: 'visit_id', reason: 'is required' });
  else checkId(visitId, 'visit_id', line, errors);
  const clientId = checkId(row.client_id, 'client_id', line, errors);

  let time: VisitTime | undefined;
  const when = text(row.visited_at);
  if (!when) errors.push({ line, field: 'visited_at', reason: 'is required' });
  else {
    try {
      time = (options.parseTime ?? parseIsoVisitTime)(when);
      if (time.day > options.latestDay) {
        errors.push({ line, field: 'visited_at', reason: `${time.day} is in the future` });
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
