/**
 * The last instant formatted: a request asks for the same millisecond several times (its token
 * check, records and event), and `toISOString` was ~2 % of a create's CPU (~0.45 µs a call).
 */
let lastMs = Number.NaN;
let lastText = '';

/**
 * Wire and storage format of every timestamp: UTC ISO-8601 with microseconds and `Z`, the way
 * Yativo's Laravel emits them (`2025-04-14T08:45:31.000000Z`). Stored as text in this exact
 * form, so lexical order is time order on both engines.
 */
export function toTimestamp(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastMs) {
    // Throws for an invalid date (NaN is never equal to lastMs), as toISOString does.
    lastText = `${date.toISOString().slice(0, 23)}000Z`;
    lastMs = ms;
  }
  return lastText;
}

/** Seconds since the epoch, as JWT claims and rate-limit headers count time. */
export function toEpochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date or timestamp to the stored format, keeping microseconds (a JS Date
 * would cut them to milliseconds). A time without an offset is UTC, whatever the server's zone;
 * a date alone is its first microsecond, or its last with `endOfDay`. Undefined when invalid.
 */
export function parseInstant(value: string, endOfDay = false): string | undefined {
  const match = INSTANT.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', offset] = match;
  const parts = [year, month, day, hour ?? '0', minute ?? '0', second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d] = parts;
  // A date alone with `endOfDay` is that day's last microsecond.
  const [h, mi, s] = hour === undefined && endOfDay ? [23, 59, 59] : parts.slice(3);
  if (h === undefined || mi === undefined || s === undefined) return undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const base = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(base).getUTCDate() !== d) return undefined;
  let offsetMinutes = 0;
  if (offset !== undefined && offset.toUpperCase() !== 'Z') {
    const digits = offset.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const instant = new Date(base - offsetMinutes * 60_000);
  if (hour === undefined && endOfDay) return `${instant.toISOString().slice(0, 19)}.999999Z`;
  return `${instant.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0').slice(0, 6)}Z`;
}
