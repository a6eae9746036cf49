import { describe, expect, it } from 'vitest';
import { parseClientRow, parseVisitRow, type RowResult } from '../../shared/domain/rows.ts';

const defaults = { locale: 'en', timeZone: 'Europe/Athens' };
const problems = <T>(result: RowResult<T>) => (result.ok ? result.warnings : result.errors).map((p) => `${p.line} ${p.field}: ${p.reason}`);

describe('a client row', () => {
  it('becomes a profile with canonical contact, language and consent', () => {
    const result = parseClientRow(
      { client_id: ' c-1 ', name: 'Μαρία', phone: '+30 691 234 5678', email: 'maria@example.com', locale: 'el_GR', timezone: 'Europe/Athens', preferred_channel: 'SMS', consent_sms: 'yes', consent_email: '1', consent_voice: '' },
      2,
      defaults,
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      value: { clientId: 'c-1', name: 'Μαρία', phone: '+306912345678', email: 'maria@example.com', locale: 'el-GR', timeZone: 'Europe/Athens', preferredChannel: 'sms', consent: { email: true, sms: true, voice: false } },
    });
  });

  it('takes the clinic’s language and zone when the row has none', () => {
    const result = parseClientRow({ client_id: 'c-2' }, 3, defaults);
    expect(result.ok && result.value).toMatchObject({ locale: 'en', timeZone: 'Europe/Athens', consent: { email: false, sms: false, voice: false } });
  });

  it('keeps a client with a bad phone or email, with that channel off and a warning', () => {
    const result = parseClientRow({ client_id: 'c-3', phone: '6912345678', email: 'not-an-email', consent_sms: 'true' }, 4, defaults);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.phone).toBeUndefined();
    expect(result.ok && result.value.email).toBeUndefined();
    expect(problems(result)).toEqual([
      '4 phone: is not in international E.164 form (+ and country code); SMS and voice are off for this client',
      '4 email: is not a valid email address; email is off for this client',
    ]);
    expect(problems(parseClientRow({ client_id: 'c-4', phone: '+3012' }, 5, defaults))[0]).toBe('5 phone: is not a valid phone number; SMS and voice are off for this client');
  });

  it('refuses a row it cannot trust, naming every field', () => {
    const result = parseClientRow({ client_id: '', locale: 'not a tag!', timezone: 'Mars/Olympus', preferred_channel: 'fax', consent_sms: 'maybe' }, 6, defaults);
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([
      '6 client_id: is required',
      '6 locale: "not a tag!" is not a language tag (e.g. en, el, ru, en-GB)',
      '6 timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Athens)',
      '6 preferred_channel: "fax" is not one of email, sms, voice',
      '6 consent_sms: "maybe" is not yes/no (use true, false, yes, no, 1 or 0)',
    ]);
    expect(problems(parseClientRow({ client_id: 'a\u0007b' }, 7, defaults))).toEqual(['7 client_id: contains control characters']);
    expect(problems(parseClientRow({ client_id: 'x'.repeat(129) }, 8, defaults))).toEqual(['8 client_id: is longer than 128 characters']);
  });
});

describe('a visit row', () => {
  const options = { latestDay: '2026-05-11' };

  it('becomes a visit with its instant, local day and amount in minor units', () => {
    const result = parseVisitRow(
      { visit_id: 'v-1', client_id: 'c-1', visited_at: '2026-05-01T09:30:00+03:00', doctor_id: 'd-1', branch_id: 'b-1', service_category: 'physiotherapy', amount: '45.50', currency: 'eur' },
      2,
      options,
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      value: { visitId: 'v-1', clientId: 'c-1', visitedAt: '2026-05-01T06:30:00.000Z', day: '2026-05-01', doctorId: 'd-1', branchId: 'b-1', serviceCategory: 'physiotherapy', amount: { minor: 4550, currency: 'EUR' } },
    });
  });

  it('uses a derived id and the import’s currency when the file has none', () => {
    const result = parseVisitRow({ client_id: 'c-1', visited_at: '2026-05-01', amount: '12' }, 3, { ...options, defaultCurrency: 'USD', derivedVisitId: 'derived-1' });
    expect(result.ok && result.value).toMatchObject({ visitId: 'derived-1', amount: { minor: 1200, currency: 'USD' } });
  });

  it('refuses a visit in the future, a negative amount, an unknown currency, naming each', () => {
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-12', amount: '10', currency: 'EUR' }, 4, options))).toEqual(['4 visited_at: 2026-05-12 is in the future']);
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '-10', currency: 'EUR' }, 5, options))).toEqual(['5 amount: must be zero or more']);
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '10', currency: 'EURO' }, 6, options))).toEqual(['6 currency: "EURO" is not an ISO 4217 currency code']);
    expect(problems(parseVisitRow({}, 7, options))).toEqual([
      '7 visit_id: is required',
      '7 client_id: is required',
      '7 visited_at: is required',
      '7 currency: is required (or pass --currency)',
      '7 amount: is required',
    ]);
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-01T10:00', amount: '1', currency: 'EUR' }, 8, options))[0]).toMatch(/^8 visited_at: .*no offset/);
  });
});
