import { describe, expect, it } from 'vitest';
import { fieldMaxLength } from '../../../shared/visits/columns.ts';
import { canonicalTimeZone } from '../../../shared/common/dates.ts';
import { parseClientRow, parseVisitRow, type RowResult } from '../../../shared/visits/rows.ts';
import { clinicClock, clockAtEndOf, futureVisitReason, parseIsoVisitTime, visitClockSkewMinutes } from '../../../shared/visits/visit-time.ts';

const defaults = { locale: 'en', timeZone: 'Europe/Athens' };
const problems = <T>(result: RowResult<T>) => (result.ok ? result.warnings : result.errors).map((p) => `${p.line} ${p.field}: ${p.reason}`);

describe('a client row', () => {
  it('becomes a profile with canonical contact, language and consent', () => {
    const result = parseClientRow(
      {
        client_id: ' c-1 ',
        name: 'Μαρία',
        phone: '+30 691 234 5678',
        email: 'maria@example.com',
        locale: 'el_GR',
        timezone: 'Europe/Athens',
        preferred_channel: 'SMS',
        consent_sms: 'yes',
        consent_email: '1',
        consent_voice: '',
      },
      2,
      defaults,
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      value: {
        clientId: 'c-1',
        name: 'Μαρία',
        phone: '+306912345678',
        email: 'maria@example.com',
        locale: 'el-GR',
        timeZone: 'Europe/Athens',
        preferredChannel: 'sms',
        consent: { email: true, sms: true, voice: false },
      },
    });
  });

  it('records consent to WhatsApp and Viber when the row gives it, and names a bad value', () => {
    // Act
    const both = parseClientRow({ client_id: 'c-7', phone: '+306912345678', consent_whatsapp: 'yes', consent_viber: 'TRUE' }, 2, defaults);
    const neither = parseClientRow({ client_id: 'c-8', phone: '+306912345678', consent_whatsapp: 'no' }, 3, defaults);
    const bad = parseClientRow({ client_id: 'c-9', consent_viber: 'maybe' }, 4, defaults);

    // Assess
    expect(both.ok && both.value.consent).toEqual({ email: false, sms: false, voice: false, whatsapp: true, viber: true });
    expect(neither.ok && neither.value.consent).toEqual({ email: false, sms: false, voice: false });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toContainEqual({ line: 4, field: 'consent_viber', reason: '"maybe" is not yes/no (use true, false, yes, no, 1 or 0)' });
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
    expect(problems(parseClientRow({ client_id: 'c-4', phone: '+3012' }, 5, defaults))[0]).toBe(
      '5 phone: is not a valid phone number; SMS and voice are off for this client',
    );
  });

  it('refuses a row it cannot trust, naming every field', () => {
    const result = parseClientRow(
      { client_id: '', locale: 'not a tag!', timezone: 'Mars/Olympus', preferred_channel: 'fax', consent_sms: 'maybe' },
      6,
      defaults,
    );
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([
      '6 client_id: is required',
      '6 locale: "not a tag!" is not a language tag (e.g. en, el, ru, en-GB)',
      '6 timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Athens)',
      '6 preferred_channel: "fax" is not one of email, sms, voice, whatsapp, viber',
      '6 consent_sms: "maybe" is not yes/no (use true, false, yes, no, 1 or 0)',
    ]);
    expect(problems(parseClientRow({ client_id: 'a\u0007b' }, 7, defaults))).toEqual([
      '7 client_id: contains a control character (U+0007): ids may hold printable characters only',
    ]);
    expect(problems(parseClientRow({ client_id: 'x'.repeat(129) }, 8, defaults))).toEqual(['8 client_id: is 129 characters long; at most 128 are allowed']);
  });
});

describe('a visit row', () => {
  const options = { latestDay: '2026-05-11' };

  it('becomes a visit with its instant, local day and amount in minor units', () => {
    const result = parseVisitRow(
      {
        visit_id: 'v-1',
        client_id: 'c-1',
        visited_at: '2026-05-01T09:30:00+03:00',
        doctor_id: 'd-1',
        branch_id: 'b-1',
        service_category: 'physiotherapy',
        amount: '45.50',
        currency: 'eur',
      },
      2,
      options,
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      value: {
        visitId: 'v-1',
        clientId: 'c-1',
        visitedAt: '2026-05-01T06:30:00.000Z',
        day: '2026-05-01',
        doctorId: 'd-1',
        branchId: 'b-1',
        serviceCategory: 'physiotherapy',
        amount: { minor: 4550, currency: 'EUR' },
      },
    });
  });

  it('uses a derived id and the import’s currency when the file has none', () => {
    const result = parseVisitRow({ client_id: 'c-1', visited_at: '2026-05-01', amount: '12' }, 3, {
      ...options,
      defaultCurrency: 'USD',
      derivedVisitId: 'derived-1',
    });
    expect(result.ok && result.value).toMatchObject({ visitId: 'derived-1', amount: { minor: 1200, currency: 'USD' } });
  });

  it('refuses a visit in the future, a negative amount, an unknown currency, naming each', () => {
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-12', amount: '10', currency: 'EUR' }, 4, options))).toEqual([
      "4 visited_at: 2026-05-12 is in the future (the clinic's today is 2026-05-11)",
    ]);
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '-10', currency: 'EUR' }, 5, options))).toEqual([
      '5 amount: must be zero or more',
    ]);
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '10', currency: 'EURO' }, 6, options))).toEqual([
      '6 currency: "EURO" is not an ISO 4217 currency code',
    ]);
    expect(problems(parseVisitRow({}, 7, options))).toEqual([
      '7 visit_id: is required',
      '7 client_id: is required',
      '7 visited_at: is required',
      '7 currency: is required (or pass --currency)',
      '7 amount: is required',
    ]);
    expect(problems(parseVisitRow({ visit_id: 'v', client_id: 'c', visited_at: '2026-05-01T10:00', amount: '1', currency: 'EUR' }, 8, options))[0]).toMatch(
      /^8 visited_at: .*no offset/,
    );
  });
});

describe('the future, for visits', () => {
  // 2026-05-11 22:30 in Athens (UTC+3): the clinic's today is the 11th, UTC's is also the 11th.
  const now = Date.parse('2026-05-11T19:30:00Z');
  const clock = clinicClock('Europe/Athens', now);
  const future = (text: string) => futureVisitReason(parseIsoVisitTime(text), clock);

  it("is after the clinic's today in its zone, or later than now plus a few minutes of clock difference", () => {
    expect(clock.today).toBe('2026-05-11');
    expect(future('2026-05-11')).toBeUndefined();
    expect(future('2026-05-11T22:30:00+03:00')).toBeUndefined();
    expect(future(`2026-05-11T19:${30 + visitClockSkewMinutes - 1}:00Z`)).toBeUndefined();
    expect(future('2026-05-12')).toMatch(/2026-05-12 is in the future \(the clinic's today is 2026-05-11\)/);
    // Tomorrow with an offset: once accepted up to ~33 hours ahead, and crashed the sweep.
    expect(future('2026-05-12T09:00:00+14:00')).toMatch(/is in the future/);
    expect(future('2026-05-11T23:50:00+03:00')).toMatch(/is in the future \(now is 2026-05-11T19:30:00Z/);
    expect(future('2026-05-11T23:00:00-05:00')).toMatch(/in the future/);
  });

  it('without a clock, every time of the given today has happened', () => {
    const endOfDay = clockAtEndOf('2026-05-11', 'Europe/Athens');
    expect(new Date(endOfDay.now + 1).toISOString()).toBe('2026-05-11T21:00:00.000Z');
    expect(futureVisitReason(parseIsoVisitTime('2026-05-11T23:59:00+03:00'), endOfDay)).toBeUndefined();
    expect(futureVisitReason(parseIsoVisitTime('2026-05-12T00:01:00+03:00'), endOfDay)).toMatch(/future/);
  });

  it('refuses a visit row dated tomorrow in the clinic, with line and field', () => {
    const row = { visit_id: 'v', client_id: 'c', visited_at: '2026-05-12T08:00:00+14:00', amount: '10', currency: 'EUR' };
    expect(problems(parseVisitRow(row, 9, { clock }))[0]).toMatch(/^9 visited_at: 2026-05-12 is in the future/);
  });
});

describe('text in rows', () => {
  it('has one table of limits, and a longer value is a row error naming the field', () => {
    expect(fieldMaxLength).toMatchObject({ client_id: 128, visit_id: 128, name: 200, email: 254, service_category: 100, doctor_id: 100, branch_id: 100 });
    expect(problems(parseClientRow({ client_id: 'c-1', name: 'x'.repeat(1_000_000) }, 2, defaults))).toEqual([
      '2 name: is 1,000,000 characters long; at most 200 are allowed',
    ]);
    expect(problems(parseClientRow({ client_id: 'c-1', name: 'Ω'.repeat(200) }, 2, defaults))).toEqual([]);
    const visit = { visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '10', currency: 'EUR' };
    expect(problems(parseVisitRow({ ...visit, service_category: 'y'.repeat(101) }, 3, { latestDay: '2026-05-11' }))).toEqual([
      '3 service_category: is 101 characters long; at most 100 are allowed',
    ]);
    expect(problems(parseVisitRow({ ...visit, doctor_id: 'd'.repeat(101) }, 4, { latestDay: '2026-05-11' }))).toEqual([
      '4 doctor_id: is 101 characters long; at most 100 are allowed',
    ]);
    // A long e-mail address keeps the client, with e-mail off.
    const long = parseClientRow({ client_id: 'c-1', email: `${'a'.repeat(250)}@example.com` }, 5, defaults);
    expect(long.ok && long.value.email).toBe(undefined);
    expect(problems(long)).toEqual(['5 email: is 262 characters long; at most 254 are allowed; email is off for this client']);
  });

  it('refuses control characters in names, categories and values; line breaks in a name become spaces', () => {
    expect(problems(parseClientRow({ client_id: 'c-1', name: 'Maria\u0000' }, 2, defaults))).toEqual(['2 name: contains a control character (U+0000)']);
    expect(problems(parseClientRow({ client_id: 'c-1', name: 'Maria \u001b[31mred' }, 2, defaults))).toEqual(['2 name: contains a control character (U+001B)']);
    expect(problems(parseClientRow({ client_id: 'c-1', name: 'evil\u202Eexe.txt' }, 2, defaults))).toEqual([
      '2 name: contains an invisible formatting character (U+202E)',
    ]);
    expect(problems(parseClientRow({ client_id: 'c-1', locale: 'en\u0007' }, 2, defaults))).toEqual(['2 locale: contains a control character (U+0007)']);
    const visit = { visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '10', currency: 'EUR' };
    expect(problems(parseVisitRow({ ...visit, service_category: 'physio\u0007' }, 3, { latestDay: '2026-05-11' }))).toEqual([
      '3 service_category: contains a control character (U+0007)',
    ]);
    const broken = parseClientRow({ client_id: 'c-1', name: 'Maria\r\n  Papadopoulou' }, 4, defaults);
    expect(broken.ok && broken.value.name).toBe('Maria Papadopoulou');
    // Joiners and direction marks are part of writing some names.
    const persian = parseClientRow({ client_id: 'c-1', name: 'می\u200cخواهم' }, 5, defaults);
    expect(persian.ok).toBe(true);
  });

  it('refuses ids that would look like another: zero-width, bidi controls, BOM, unusual spaces; NFC ids are one client', () => {
    for (const [id, code] of [
      ['c-1\u200b', 'U+200B'],
      ['c-\u200d1', 'U+200D'],
      ['\u2060c-1x', 'U+2060'],
      ['c\ufeff-1', 'U+FEFF'],
      ['c-1\u202e', 'U+202E'],
      ['c-1\u2066', 'U+2066'],
      ['c\u00a01', 'U+00A0'],
    ] as const) {
      expect(problems(parseClientRow({ client_id: id }, 2, defaults))[0]).toMatch(
        new RegExp(`^2 client_id: contains .*\\(${code.replace('+', '\\+')}\\): ids may hold printable characters only$`),
      );
    }
    const visit = { visit_id: 'v', client_id: 'c', visited_at: '2026-05-01', amount: '10', currency: 'EUR' };
    expect(problems(parseVisitRow({ ...visit, visit_id: 'v\u200b' }, 3, { latestDay: '2026-05-11' }))[0]).toMatch(
      /^3 visit_id: contains an invisible formatting character \(U\+200B\)/,
    );
    const decomposed = parseClientRow({ client_id: 'Jose\u0301' }, 4, defaults);
    expect(decomposed.ok && decomposed.value.clientId).toBe('Jos\u00e9');
  });

  it('stores time zones in their canonical spelling', () => {
    expect(canonicalTimeZone('europe/athens')).toBe('Europe/Athens');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    const result = parseClientRow({ client_id: 'c-1', timezone: 'europe/athens' }, 2, defaults);
    expect(result.ok && result.value.timeZone).toBe('Europe/Athens');
  });
});
