/** Calendar helpers that never depend on the machine's own time zone. */

const validZones = new Set(Intl.supportedValuesOf('timeZone'));

export const isTimeZone = (zone: string): boolean => {
  if (validZones.has(zone) || zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * A time zone in its canonical spelling (`europe/athens` -> `Europe/Athens`, `utc` -> `UTC`),
 * or undefined when it is not an IANA time zone. Zones are stored this way, so one zone is
 * never two spellings.
 */
export const canonicalTimeZone = (zone: string): string | undefined => {
  if (validZones.has(zone) || zone === 'UTC') return zone;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
};

export const isRealDate = (year: number, month: number, day: number): boolean => {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export const isoDay = (year: number, month: number, day: number): string => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** Offset of `timeZone` from UTC at the instant `utcMillis`, in minutes (Athens in July: +180). */
export const zoneOffsetMinutes = (timeZone: string, utcMillis: number): number => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMillis));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMillis / 1000) * 1000) / 60_000);
};

/** The UTC instant of a wall-clock time in a time zone (DST-correct; a skipped hour moves forward). */
export const zonedTimeToUtc = (local: { year: number; month: number; day: number; hour: number; minute: number; second: number }, timeZone: string): number => {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  let guess = wall - zoneOffsetMinutes(timeZone, wall) * 60_000;
  guess = wall - zoneOffsetMinutes(timeZone, guess) * 60_000;
  return guess;
};

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export const dayInZone = (utcMillis: number, timeZone: string): string => {
  const offset = zoneOffsetMinutes(timeZone, utcMillis);
  return new Date(utcMillis + offset * 60_000).toISOString().slice(0, 10);
};

/** A real calendar day written as YYYY-MM-DD. */
export const isIsoDay = (text: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match !== null && isRealDate(Number(match[1]), Number(match[2]), Number(match[3]));
};

export const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export const todayUtc = (now = Date.now()): string => new Date(now).toISOString().slice(0, 10);

/**
 * The latest calendar day it can be anywhere at `now` (UTC's tomorrow: no zone is a whole day
 * ahead of UTC). A date a person gives for something that has happened, in any clinic's zone,
 * is no later than this; a later one is a typo or a made-up date.
 */
export const latestDayAnywhere = (now = Date.now()): string => addDays(todayUtc(now), 1);
