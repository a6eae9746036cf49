import { describe, it, expect } from 'vitest';
import { parsePhoneNumberFromString as parseWithMinMetadata } from 'libphonenumber-js';
import { parsePhoneNumberFromString as parseWithMaxMetadata } from 'libphonenumber-js/max';
import { clientColumns, visitColumns, type VisitRow } from '../../../../shared/visits/columns.ts';
import { parseClientRow, parseVisitRow } from '../../../../shared/visits/rows.ts';
import { demoMessengers, generateClinic, historyDays, storyShares, type ClientStory, type SeededClinic } from '../../../../infra/local/demo-clinic.ts';
import { defaultOutreachPolicy, inControlGroup } from '../../../../shared/outreach/eligibility.ts';
import { addVisits, recentTotals } from '../../../../shared/visits/summary.ts';
import { rhythmState } from '../../../../shared/lapse/rhythm.ts';
import type { Visit } from '../../../../shared/visits/visit.ts';

const asOf = '2025-06-15';
const clinic = generateClinic({ clients: 600, asOf, seed: 42 });
const allStories = Object.keys(storyShares) as ClientStory[];

const dayMs = 86_400_000;
const dayOf = (visit: VisitRow): string => visit.visited_at!.slice(0, 10);
const daysBefore = (day: string, later = asOf): number => (Date.parse(later) - Date.parse(day)) / dayMs;
const euros = (visit: VisitRow): number => Number(visit.amount);
const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

const visitsByClient = (seeded: SeededClinic): Map<string, VisitRow[]> => {
  const byClient = new Map<string, VisitRow[]>();
  for (const visit of seeded.visits) {
    const list = byClient.get(visit.client_id!) ?? [];
    list.push(visit);
    byClient.set(visit.client_id!, list);
  }
  return byClient;
};
const histories = visitsByClient(clinic);
const clientsWithStory = (story: ClientStory): string[] =>
  Object.entries(clinic.profiles)
    .filter(([, profile]) => profile === story)
    .map(([clientId]) => clientId);

const asVisit = (row: VisitRow): Visit => {
  const parsed = parseVisitRow(row, 0, { latestDay: asOf });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
};

/** The branch zone's offset at an instant, read independently of the generator. */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const offsetAt = (timeZone: string, instant: number): string => {
  const format = offsetFormats.get(timeZone) ?? new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  offsetFormats.set(timeZone, format);
  const name = format.formatToParts(new Date(instant)).find((part) => part.type === 'timeZoneName')!.value;
  return name === 'GMT' ? '+00:00' : name.slice(3);
};

/** The rows that break a rule, so a failure names them instead of stopping at the first. */
const breaking = <T>(rows: readonly T[], rule: (row: T) => boolean): T[] => rows.filter((row) => !rule(row));

describe('generateClinic', () => {
  it('gives byte-identical output for the same options, and a different clinic for another seed', () => {
    const again = generateClinic({ clients: 600, asOf, seed: 42 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(clinic));
    const other = generateClinic({ clients: 600, asOf, seed: 43 });
    expect(JSON.stringify(other.clients)).not.toBe(JSON.stringify(clinic.clients));
    expect(JSON.stringify(other.visits)).not.toBe(JSON.stringify(clinic.visits));
  });

  it('makes the requested number of clients, each with a story, and a plausible clinic', () => {
    expect(clinic.clients).toHaveLength(600);
    expect(Object.keys(clinic.profiles)).toEqual(clinic.clients.map((client) => client.client_id));
    expect(clinic.clients[41]!.client_id).toBe('c-00042');
    expect(clinic.branches.length).toBeGreaterThanOrEqual(2);
    expect(clinic.branches.length).toBeLessThanOrEqual(3);
    expect(new Set(clinic.branches.map((branch) => branch.timeZone)).size).toBe(clinic.branches.length);
    expect(clinic.doctors.length).toBeGreaterThanOrEqual(6);
    expect(clinic.doctors.length).toBeLessThanOrEqual(10);
    for (const category of clinic.categories) {
      expect(category.price.currency).toBe('EUR');
      expect(category.price.minor).toBeGreaterThan(0);
    }
    expect(generateClinic({ clients: 0, asOf, seed: 1 }).visits).toEqual([]);
  });

  it('fills every column of every row as text', () => {
    const complete = (columns: readonly string[]) => (row: Record<string, unknown>) =>
      Object.keys(row).join() === columns.join() && columns.every((column) => typeof row[column] === 'string');
    expect(breaking(clinic.clients, complete(clientColumns))).toEqual([]);
    expect(breaking(clinic.visits, complete(visitColumns))).toEqual([]);
  });

  it('shares the clients among the stories as planned', () => {
    const counts = new Map<ClientStory, number>();
    for (const story of Object.values(clinic.profiles)) counts.set(story, (counts.get(story) ?? 0) + 1);
    for (const story of allStories) expect(Math.abs(counts.get(story)! - storyShares[story] * 600)).toBeLessThanOrEqual(1);
    for (const seed of [1, 2, 3]) {
      const small = generateClinic({ clients: 200, asOf, seed });
      expect(new Set(Object.values(small.profiles))).toEqual(new Set(allStories));
    }
  });

  it('gives valid E.164 phones of the country the client lives in, and well-formed example emails', () => {
    const countryOfZone: Record<string, string> = {
      'Europe/London': 'GB',
      'Europe/Athens': 'GR',
      'Europe/Moscow': 'RU',
      'Asia/Tbilisi': 'GE',
      'Asia/Dhaka': 'BD',
      'Asia/Phnom_Penh': 'KH',
      'Asia/Manila': 'PH',
    };
    for (const client of clinic.clients) {
      if (client.phone) {
        expect(client.phone).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(parseWithMinMetadata(client.phone)?.isValid()).toBe(true);
        const parsed = parseWithMaxMetadata(client.phone);
        expect(parsed?.isValid()).toBe(true);
        expect(parsed?.country).toBe(countryOfZone[client.timezone!]);
        if (client.consent_sms === 'true') expect(['MOBILE', 'FIXED_LINE_OR_MOBILE']).toContain(parsed?.getType());
      }
      if (client.email) expect(client.email).toMatch(/^[a-z0-9.]+@example\.(com|org)$/);
    }
    expect(clinic.clients.some((client) => client.phone === '')).toBe(true);
    expect(clinic.clients.some((client) => client.email === '')).toBe(true);
    const emails = clinic.clients.map((client) => client.email).filter(Boolean);
    expect(new Set(emails).size).toBe(emails.length);
  });

  it('uses canonical locales and real time zones, in several languages', () => {
    for (const client of clinic.clients) {
      expect(Intl.getCanonicalLocales(client.locale!)).toEqual([client.locale]);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: client.timezone! })).not.toThrow();
    }
    const languages = new Set(clinic.clients.map((client) => new Intl.Locale(client.locale!).language));
    // Tagalog's canonical tag is 'fil' (Intl.getCanonicalLocales('tl') gives ['fil']).
    for (const language of ['en', 'el', 'ru', 'bn', 'ka', 'km', 'fil']) expect(languages).toContain(language);
    const zones = new Set(clinic.clients.map((client) => client.timezone));
    for (const zone of ['Europe/London', 'Europe/Athens', 'Asia/Tbilisi', 'Asia/Dhaka', 'Asia/Manila']) expect(zones).toContain(zone);
    for (const branch of clinic.branches) expect(() => new Intl.DateTimeFormat('en', { timeZone: branch.timeZone })).not.toThrow();
  });

  it('keeps consent and preferred channel consistent with the contacts', () => {
    const branchIds = new Set(clinic.branches.map((branch) => branch.branchId));
    for (const client of clinic.clients) {
      for (const consent of [client.consent_sms, client.consent_email, client.consent_voice]) expect(['true', 'false']).toContain(consent);
      if (client.consent_email === 'true') expect(client.email).not.toBe('');
      if (client.consent_sms === 'true' || client.consent_voice === 'true') expect(client.phone).not.toBe('');
      expect(['', 'email', 'sms', 'voice', 'whatsapp', 'viber']).toContain(client.preferred_channel);
      if (client.preferred_channel) expect(client[`consent_${client.preferred_channel}` as 'consent_sms']).toBe('true');
      // A messenger needs a mobile number (a landline has no WhatsApp or Viber).
      if (client.consent_whatsapp === 'true' || client.consent_viber === 'true') expect(client.phone).not.toBe('');
      expect(branchIds).toContain(client.branch_id);
    }
    const mix = (column: 'consent_sms' | 'consent_email' | 'consent_voice' | 'consent_whatsapp' | 'consent_viber') =>
      new Set(clinic.clients.map((client) => client[column]));
    for (const column of ['consent_sms', 'consent_email', 'consent_voice', 'consent_whatsapp', 'consent_viber'] as const) {
      expect(mix(column)).toEqual(new Set(['true', 'false']));
    }
    // Some who agreed to a messenger want to be asked there first.
    const preferred = new Set(clinic.clients.map((client) => client.preferred_channel));
    expect(preferred).toEqual(new Set(['', 'email', 'sms', 'voice', 'whatsapp', 'viber']));
  });

  it('records visits before asOf, within the history, in time order, with unique ids and known clients', () => {
    const clientIds = new Set(clinic.clients.map((client) => client.client_id));
    const earliest = new Date(Date.parse(asOf) - historyDays * dayMs).toISOString().slice(0, 10);
    expect(breaking(clinic.visits, (visit) => dayOf(visit) < asOf && dayOf(visit) >= earliest)).toEqual([]);
    expect(breaking(clinic.visits, (visit) => clientIds.has(visit.client_id))).toEqual([]);
    const instants = clinic.visits.map((visit) => Date.parse(visit.visited_at!));
    expect(instants.every((instant, index) => index === 0 || instant >= instants[index - 1]!)).toBe(true);
    expect(new Set(clinic.visits.map((visit) => visit.visit_id)).size).toBe(clinic.visits.length);
    expect(clinic.visits[122]!.visit_id).toBe('v-000123');
  });

  it('books each visit with a doctor of that branch who provides that service, at list-like prices in EUR', () => {
    const doctors = new Map(clinic.doctors.map((doctor) => [doctor.doctorId, doctor]));
    const prices = new Map(clinic.categories.map((category) => [category.category, category.price.minor / 100]));
    const consistent = (visit: VisitRow): boolean => {
      const doctor = doctors.get(visit.doctor_id!);
      return doctor !== undefined && doctor.branchId === visit.branch_id && doctor.categories.includes(visit.service_category!);
    };
    expect(breaking(clinic.visits, consistent)).toEqual([]);
    expect(breaking(clinic.visits, (visit) => visit.currency === 'EUR' && /^\d+\.\d{2}$/.test(visit.amount!))).toEqual([]);
    const nearListPrice = (visit: VisitRow): boolean => {
      const listPrice = prices.get(visit.service_category!)!;
      return euros(visit) >= listPrice * 0.85 && euros(visit) <= listPrice * 1.2;
    };
    const notDeclining = clinic.visits.filter((visit) => clinic.profiles[visit.client_id!] !== 'spend-declining');
    expect(breaking(notDeclining, nearListPrice)).toEqual([]);
    expect(new Set(clinic.visits.map((visit) => visit.amount)).size).toBeGreaterThan(clinic.categories.length);
  });

  it('writes visited_at with the branch offset of that date, DST included, during opening hours', () => {
    const zoneOf = new Map(clinic.branches.map((branch) => [branch.branchId, branch.timeZone]));
    const rightOffset = (visit: VisitRow): boolean => visit.visited_at!.slice(19) === offsetAt(zoneOf.get(visit.branch_id!)!, Date.parse(visit.visited_at!));
    expect(breaking(clinic.visits, rightOffset)).toEqual([]);
    const duringOpeningHours = (visit: VisitRow): boolean => {
      const [hour, minute] = visit.visited_at!.slice(11, 16).split(':').map(Number) as [number, number];
      const weekday = new Date(`${dayOf(visit)}T00:00:00Z`).getUTCDay();
      if (weekday === 0) return false;
      const [opens, closes] = weekday === 6 ? [9 * 60, 14 * 60] : [8 * 60, 20 * 60];
      return hour * 60 + minute >= opens && hour * 60 + minute < closes;
    };
    expect(breaking(clinic.visits, duringOpeningHours)).toEqual([]);
    const athens = clinic.visits.filter((visit) => visit.branch_id === 'b-athens');
    const inMonth = (month: string) => athens.find((visit) => visit.visited_at!.slice(5, 7) === month)!;
    expect(inMonth('07').visited_at).toMatch(/\+03:00$/);
    expect(inMonth('01').visited_at).toMatch(/\+02:00$/);
  });

  it('lets drifted-away clients come regularly and then stop months before asOf', () => {
    const drifted = clientsWithStory('drifted-away');
    expect(drifted.length).toBeGreaterThan(0);
    for (const clientId of drifted) {
      const visits = histories.get(clientId)!;
      expect(visits.length).toBeGreaterThanOrEqual(6);
      expect(daysBefore(dayOf(visits.at(-1)!))).toBeGreaterThan(90);
      const summary = addVisits(undefined, visits.map(asVisit));
      expect(summary.usualGapDays).toBeLessThanOrEqual(45);
      expect(rhythmState(summary, asOf).kind).toBe('overdue');
    }
  });

  it('keeps the healthy regulars on their rhythm up to asOf', () => {
    const limits: [ClientStory, number][] = [
      ['monthly', 50],
      ['quarterly', 120],
      ['yearly-checkup', 400],
      ['spend-declining', 40],
      ['dropped-category', 60],
    ];
    for (const [story, days] of limits) {
      for (const clientId of clientsWithStory(story)) {
        expect(daysBefore(dayOf(histories.get(clientId)!.at(-1)!))).toBeLessThanOrEqual(days);
      }
    }
    for (const clientId of clientsWithStory('one-off')) expect(histories.get(clientId)!.length).toBeLessThanOrEqual(2);
    for (const clientId of clientsWithStory('weekly-physio')) {
      const visits = histories.get(clientId)!;
      expect(visits.every((visit) => visit.service_category === 'physiotherapy')).toBe(true);
      expect(visits.length).toBeGreaterThanOrEqual(4);
    }
  });

  it('lowers the check per visit of spend-declining clients in the last 3 months', () => {
    const declining = clientsWithStory('spend-declining');
    expect(declining.length).toBeGreaterThan(0);
    for (const clientId of declining) {
      const visits = histories.get(clientId)!;
      const recent = visits.filter((visit) => daysBefore(dayOf(visit)) <= 90).map(euros);
      const before = visits.filter((visit) => daysBefore(dayOf(visit)) > 90).map(euros);
      expect(recent.length).toBeGreaterThanOrEqual(2);
      expect(before.length).toBeGreaterThanOrEqual(3);
      expect(mean(recent)).toBeLessThan(mean(before) * 0.8);
      // The same, read as the summary does: the 3 calendar months up to asOf.
      const summary = addVisits(undefined, visits.map(asVisit));
      const lately = recentTotals(summary, asOf);
      const earlier = { visits: summary.visits - lately.visits, spend: summary.totalSpend - lately.spend };
      expect(lately.spend / lately.visits).toBeLessThan((earlier.spend / earlier.visits) * 0.8);
    }
  });

  it('lets dropped-category clients stop one service they used regularly while still coming for another', () => {
    const dropped = clientsWithStory('dropped-category');
    expect(dropped.length).toBeGreaterThan(0);
    for (const clientId of dropped) {
      const visits = histories.get(clientId)!;
      const lastByCategory = new Map<string, { count: number; last: string }>();
      for (const visit of visits) {
        const usage = lastByCategory.get(visit.service_category!) ?? { count: 0, last: '' };
        lastByCategory.set(visit.service_category!, { count: usage.count + 1, last: dayOf(visit) });
      }
      const stopped = [...lastByCategory.values()].filter((usage) => usage.count >= 4 && daysBefore(usage.last) > 90);
      const ongoing = [...lastByCategory.values()].filter((usage) => daysBefore(usage.last) <= 90);
      expect(stopped.length).toBeGreaterThanOrEqual(1);
      expect(ongoing.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('produces rows that pass the import validation without errors or warnings', () => {
    const clientProblems = clinic.clients.flatMap((row, index) => {
      const result = parseClientRow(row, index + 2, { locale: 'en', timeZone: 'UTC' });
      return result.ok ? result.warnings : result.errors;
    });
    expect(clientProblems).toEqual([]);
    const visitProblems = clinic.visits.flatMap((row, index) => {
      const result = parseVisitRow(row, index + 2, { latestDay: asOf });
      if (!result.ok) return result.errors;
      const sameTime = result.value.day === dayOf(row) && Date.parse(result.value.visitedAt) === Date.parse(row.visited_at!);
      return [...result.warnings, ...(sameTime ? [] : [{ line: index + 2, field: 'visited_at', reason: 'read back differently' }])];
    });
    expect(visitProblems).toEqual([]);
  });

  it('refuses options it cannot honour', () => {
    expect(() => generateClinic({ clients: -1, asOf, seed: 1 })).toThrow(RangeError);
    expect(() => generateClinic({ clients: 1.5, asOf, seed: 1 })).toThrow(RangeError);
    expect(() => generateClinic({ clients: 10, asOf: '2025-02-30', seed: 1 })).toThrow(RangeError);
    expect(() => generateClinic({ clients: 10, asOf: '15/06/2025', seed: 1 })).toThrow(RangeError);
  });
});

describe('demoMessengers', () => {
  const messengers = demoMessengers(clinic, 42);
  const byId = new Map(clinic.clients.map((client) => [client.client_id!, client]));

  it('subscribes every client who agreed to Viber to the bot, each as a Viber user id of their own, the same every time', () => {
    const agreed = clinic.clients.filter((client) => client.consent_viber === 'true').map((client) => client.client_id);
    expect(messengers.viberUsers.map((user) => user.clientId)).toEqual(agreed);
    for (const { userId } of messengers.viberUsers) expect(userId).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(new Set(messengers.viberUsers.map((user) => user.userId)).size).toBe(agreed.length);
    expect(demoMessengers(clinic, 42)).toEqual(messengers);
    expect(demoMessengers(clinic, 43).viberUsers[0]?.userId).not.toBe(messengers.viberUsers[0]?.userId);
  });

  it('leaves a few numbers given for WhatsApp off it, and one client who drifted away stopped the clinic there', () => {
    const { whatsAppFates } = messengers;
    for (const { clientId, phone } of whatsAppFates) expect(byId.get(clientId)).toMatchObject({ consent_whatsapp: 'true', phone });
    const notOnIt = whatsAppFates.filter((found) => found.fate === 'not-on-whatsapp');
    const agreed = clinic.clients.filter((client) => client.consent_whatsapp === 'true').length;
    expect(notOnIt.length).toBeGreaterThan(2);
    expect(notOnIt.length).toBeLessThan(agreed * 0.15);
    // Some of them would be asked on WhatsApp first, so the demo shows the request going on by text.
    expect(
      notOnIt.some(({ clientId }) => clinic.profiles[clientId] === 'drifted-away' && ['', 'whatsapp'].includes(byId.get(clientId)!.preferred_channel!)),
    ).toBe(true);
    const stopped = whatsAppFates.filter((found) => found.fate === 'stopped');
    expect(stopped).toHaveLength(1);
    expect(clinic.profiles[stopped[0]!.clientId]).toBe('drifted-away');
    expect(byId.get(stopped[0]!.clientId)!.preferred_channel).toBe('whatsapp');
    expect(inControlGroup(stopped[0]!.clientId, defaultOutreachPolicy)).toBe(false);
  });
});
