/**
 * OCPI DateTime (types.asciidoc): RFC 3339, string(25), UTC. A timestamp without a zone designator
 * is UTC; fractional seconds are allowed. We also accept numeric offsets (`+01:00`) and a lower-case
 * `t`/`z`, which RFC 3339 allows, so peers that format slightly off-spec are not rejected; what we
 * keep and answer is the one UTC form (normalizeOcpiDateTime).
 */
export const OCPI_DATETIME_MAX_LENGTH = 25;

/**
 * The range every layer can hold: PostgreSQL timestamptz stores 4713 BC to 294276 AD, but OCPI's
 * four-digit years, JavaScript's ISO strings and PostgreSQL's input (no year 0) meet at years 0001
 * to 9999 in UTC. A time that an offset moves outside (`0001-01-01T00:00:00+01:00`) is refused too.
 */
export const OCPI_DATETIME_MIN = Date.parse('0001-01-01T00:00:00.000Z');
export const OCPI_DATETIME_MAX = Date.parse('9999-12-31T23:59:59.999Z');

const DATETIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/** Milliseconds since the epoch, or undefined when `text` is not a valid OCPI DateTime. */
function toEpochMillis(text: string): number | undefined {
  if (text.length > OCPI_DATETIME_MAX_LENGTH) return undefined;
  // The usual form (2015-06-29T20:39:09Z) without the regular expression and its strings: the
  // pricing engine reads one per charging period. Anything else takes the full pattern.
  if (
    text.length === 20 &&
    text.charCodeAt(19) === Z &&
    text.charCodeAt(4) === DASH &&
    text.charCodeAt(7) === DASH &&
    text.charCodeAt(10) === T &&
    text.charCodeAt(13) === COLON &&
    text.charCodeAt(16) === COLON
  ) {
    const y = digitsAt(text, 0, 4);
    const mo = digitsAt(text, 5, 7);
    const d = digitsAt(text, 8, 10);
    const h = digitsAt(text, 11, 13);
    const mi = digitsAt(text, 14, 16);
    const s = digitsAt(text, 17, 19);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return undefined;
    return millisOf(y, mo, d, h, mi, s, undefined, 0);
  }
  const match = DATETIME_PATTERN.exec(text);
  if (!match) return undefined;
  const offsetSign = match[9];
  if (offsetSign && (Number(match[10]) > 23 || Number(match[11]) > 59)) return undefined;
  const offsetMinutes = offsetSign ? (offsetSign === '-' ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11])) : 0;
  return millisOf(
    Number(match[1]),
    Number(match[2]),
    Number(match[3]),
    Number(match[4]),
    Number(match[5]),
    Number(match[6]),
    match[7],
    offsetMinutes,
  );
}

const Z = 90;
const T = 84;
const DASH = 45;
const COLON = 58;

/** The decimal digits of text[from, to) as a number; -1 when one is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The instant of a date and time read from the text, or undefined when a field is out of range. */
function millisOf(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  fraction: string | undefined,
  offsetMinutes: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  // Arithmetic rather than Date setters (the pricing engine reads one per charging period); unlike
  // Date.UTC, years 0-99 stay themselves.
  const seconds = ((daysSinceEpoch(y, mo, d) * 24 + h) * 60 + mi) * 60 + s;
  const millis = seconds * 1000 + (fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0) - offsetMinutes * 60_000;
  return millis < OCPI_DATETIME_MIN || millis > OCPI_DATETIME_MAX ? undefined : millis;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (as Date counts them). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  // Years from March, so the leap day is the last day of its year (H. Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function isOcpiDateTime(value: unknown): value is string {
  return typeof value === 'string' && toEpochMillis(value) !== undefined;
}

/**
 * Reads an OCPI DateTime. No zone designator means UTC (not local time, which is what
 * `new Date('2015-06-29T20:39:09')` would assume). Fractional seconds beyond milliseconds are
 * truncated. Throws a RangeError for anything that is not a valid OCPI DateTime.
 */
export function parseOcpiDateTime(text: string): Date {
  const millis = toEpochMillis(text);
  if (millis === undefined) throw new RangeError(`not an OCPI DateTime: ${JSON.stringify(text)}`);
  return new Date(millis);
}

/**
 * The one form Roamledger keeps and answers: UTC with `Z`, digits and fraction as sent
 * (`2022-01-02T01:00:00+01:00` and `2022-01-02T00:00:00` are `2022-01-02T00:00:00Z`). A fraction
 * too long to fit string(25) with the `Z` loses its last digit(s). Throws a RangeError for anything
 * that is not a valid OCPI DateTime.
 */
export function normalizeOcpiDateTime(text: string): string {
  const millis = toEpochMillis(text);
  if (millis === undefined) throw new RangeError(`not an OCPI DateTime: ${JSON.stringify(text)}`);
  const match = DATETIME_PATTERN.exec(text) as RegExpExecArray;
  if (!match[9]) {
    // Already UTC (Z, or no zone): only the zone designator changes.
    const local = `${text.slice(0, 10)}T${text.slice(11, match[8] ? -1 : undefined)}`;
    return `${local.slice(0, OCPI_DATETIME_MAX_LENGTH - 1)}Z`;
  }
  // An offset leaves no room for a fraction within 25 characters: whole seconds.
  const utc = new Date(millis).toISOString().replace('.000Z', 'Z');
  // A shift past year 9999 or before year 0 has no 4-digit form: keep what was sent.
  return utc.length === 20 ? utc : text;
}
