import { addDays, dayInZone, isoDay, isRealDate, zonedTimeToUtc } from '../common/dates.ts';
import { AppError } from '../common/app-error.ts';

/** When a visit happened: the instant (UTC) and the calendar day where it happened. */
export interface VisitTime {
  readonly visitedAt: string;
  readonly day: string;
  /** Only the day is known (no time of day): `visitedAt` is 00:00Z of it, not a real instant. */
  readonly dateOnly?: true;
}

/**
 * How far past the clinic's clock a visit's time may be: the clock of the clinic's own system
 * may run a little ahead of ours.
 */
export const visitClockSkewMinutes = 5;

/** What "now" is for a visit: the clinic's today in its time zone, and the instant. */
export interface VisitClock {
  /** The clinic's today (YYYY-MM-DD) in its time zone. */
  readonly today: string;
  /** Now, in milliseconds since the epoch. */
  readonly now: number;
}

/** The clinic's clock at `now` in its time zone (COMEBACK_TIMEZONE). */
export const clinicClock = (timeZone: string, now = Date.now()): VisitClock => ({ today: dayInZone(now, timeZone), now });

/**
 * The clinic's clock at the end of a given day: for imports told "today is this day" (the
 * demo's as-of day, tests), every time of that day has happened.
 */
export const clockAtEndOf = (today: string, timeZone: string): VisitClock => {
  const [year, month, day] = addDays(today, 1).split('-').map(Number) as [number, number, number];
  return { today, now: zonedTimeToUtc({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone) - 1 };
};

/**
 * The one rule of "the future" for visits (the import, POST /visits and the sweep): a visit
 * has not happened yet when its day is after the clinic's today, or when it has a time of day
 * later than now plus {@link visitClockSkewMinutes}. Returns why, or undefined when it may
 * have happened.
 */
export const futureVisitReason = (time: VisitTime, clock: VisitClock): string | undefined => {
  if (time.day > clock.today) return `${time.day} is in the future (the clinic's today is ${clock.today})`;
  if (!time.dateOnly && Date.parse(time.visitedAt) > clock.now + visitClockSkewMinutes * 60_000) {
    return `${time.visitedAt} is in the future (now is ${new Date(clock.now).toISOString().slice(0, 19)}Z; ${visitClockSkewMinutes} minutes of clock difference are allowed)`;
  }
  return undefined;
};

/** True when a visit on `day` (no time of day) is after the clinic's today: what the sweep skips. */
export const isFutureVisitDay = (day: string, clock: Pick<VisitClock, 'today'>): boolean => day > clock.today;

export class VisitTimeError extends AppError {
  override readonly name = 'VisitTimeError';
  readonly kind = 'invalid';
}

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * ISO 8601 as clinics export it: a date (2024-03-05), or a date-time with an offset or Z
 * (2024-03-05T10:30:00+02:00). A date-time with no offset is refused: we cannot know which
 * day it was in the clinic, and guessing shifts visits across midnight.
 */
export const parseIsoVisitTime = (text: string): VisitTime => {
  const match = isoPattern.exec(text.trim());
  if (!match) throw new VisitTimeError(`"${text}" is not an ISO 8601 date (YYYY-MM-DD) or date-time with offset`);
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (!isRealDate(year, month, day)) throw new VisitTimeError(`"${text}" is not a real calendar date`);
  const calendarDay = isoDay(year, month, day);
  if (h === undefined) return { visitedAt: `${calendarDay}T00:00:00.000Z`, day: calendarDay, dateOnly: true };
  if (zone === undefined) {
    throw new VisitTimeError(`"${text}" has a time but no offset: add Z or an offset such as +02:00`);
  }
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) throw new VisitTimeError(`"${text}" has an impossible time of day`);
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    if (Math.abs(offsetMinutes) > 14 * 60) throw new VisitTimeError(`"${text}" has an impossible offset`);
  }
  const millis = Number((fraction ?? '0').padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { visitedAt: new Date(utc).toISOString(), day: calendarDay };
};

const tokenPattern = /yyyy|MM|dd|HH|mm|ss/g;

/**
 * Parses dates written in another system's pattern (`--date-format yyyyMMdd`, `dd.MM.yyyy`,
 * `dd/MM/yyyy HH:mm`). Tokens: yyyy MM dd HH mm ss; anything else must match literally.
 * A pattern with a time of day is read as wall-clock time in `timeZone`.
 */
export const visitTimeParser = (pattern: string, timeZone: string): ((text: string) => VisitTime) => {
  if (pattern.toLowerCase() === 'iso') return parseIsoVisitTime;
  const tokens: string[] = [];
  const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(tokenPattern, (token) => {
    tokens.push(token);
    return token === 'yyyy' ? '(\\d{4})' : '(\\d{2})';
  });
  if (!tokens.includes('yyyy') || !tokens.includes('MM') || !tokens.includes('dd')) {
    throw new VisitTimeError(`date format "${pattern}" needs yyyy, MM and dd (e.g. yyyyMMdd or dd.MM.yyyy)`);
  }
  const regex = new RegExp(`^${source}$`);
  return (text: string): VisitTime => {
    const match = regex.exec(text.trim());
    if (!match) throw new VisitTimeError(`"${text}" does not match the date format ${pattern}`);
    const value = (token: string): number => {
      const index = tokens.indexOf(token);
      return index < 0 ? 0 : Number(match[index + 1]);
    };
    const year = value('yyyy');
    const month = value('MM');
    const day = value('dd');
    if (!isRealDate(year, month, day)) throw new VisitTimeError(`"${text}" is not a real calendar date`);
    const calendarDay = isoDay(year, month, day);
    if (!tokens.includes('HH')) return { visitedAt: `${calendarDay}T00:00:00.000Z`, day: calendarDay, dateOnly: true };
    const [hour, minute, second] = [value('HH'), value('mm'), value('ss')];
    if (hour > 23 || minute > 59 || second > 59) throw new VisitTimeError(`"${text}" has an impossible time of day`);
    const utc = zonedTimeToUtc({ year, month, day, hour, minute, second }, timeZone);
    return { visitedAt: new Date(utc).toISOString(), day: calendarDay };
  };
};
