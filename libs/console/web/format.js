// Figures as the user reads them: locale and zone of the browser. Money and quantities arrive as
// decimal strings ("12.34") and reach the screen as strings: Intl.NumberFormat formats a decimal
// string exactly (ECMA-402 NumberFormat v3), and totals are added in BigInt minor units. Only the
// charts turn them into numbers (a bar's height), never a figure shown as text.

const locale = navigator.language || 'en';
const moneyFormats = new Map();
const quantityFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
const countFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });

export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === '') return '–';
  let format = moneyFormats.get(currency);
  if (!format) {
    // No rounding on screen: the ledger already rounded to the minor unit.
    format = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 20 });
    moneyFormats.set(currency, format);
  }
  return format.format(String(amount));
}

export function quantity(value) {
  if (value === null || value === undefined || value === '') return '–';
  return quantityFormat.format(String(value));
}

export function count(value) {
  return value === null || value === undefined ? '–' : countFormat.format(String(value));
}

/** An age in seconds, in the unit that reads best. */
export function ageText(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** A UTC instant shown in the user's zone; the UTC value is the title (hover) and the datetime. */
export function when(iso) {
  if (!iso) return { text: '–', iso: '', title: '' };
  const date = new Date(iso);
  return { text: dateFormat.format(date), iso: date.toISOString(), title: `UTC: ${date.toISOString()}` };
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function scaled(text, scale) {
  const match = DECIMAL.exec(String(text));
  if (!match) throw new Error(`not a decimal: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  const digits = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return sign ? -digits : digits;
}

function scaleOf(text) {
  const match = DECIMAL.exec(String(text));
  return match?.[3]?.length ?? 0;
}

/** Sum of decimal strings, exactly (BigInt at the largest scale among them), as a decimal string. */
export function sumDecimals(values) {
  const present = values.filter((value) => value !== null && value !== undefined && value !== '');
  const scale = Math.max(0, ...present.map(scaleOf));
  const total = present.reduce((sum, value) => sum + scaled(value, scale), 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** Orders decimal strings (or numbers, or text) without a float. */
export function compareValues(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (DECIMAL.test(String(a)) && DECIMAL.test(String(b))) {
    const scale = Math.max(scaleOf(a), scaleOf(b));
    const difference = scaled(a, scale) - scaled(b, scale);
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  }
  return String(a).localeCompare(String(b), locale);
}
