/**
 * Canonical JSON (the one definition; see libs/event-store/README.md, which hashes it): object keys sorted by
 * UTF-16 code unit order at every depth, no whitespace, `undefined` members dropped, arrays in
 * order, strings and numbers as JSON.stringify writes them, values with toJSON (Date) as their JSON.
 */
export function canonicalJson(value: unknown): string {
  // The hot path of hashing and verifying the log: primitives without a JSON.stringify each,
  // quoted keys from a cache. Same output as the plain definition above, character for character.
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value) ?? 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  // Hash what is stored: a Date (or anything with toJSON) is stored as its JSON form.
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return canonicalJson(toJSON.call(value));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (out.length > 1) out += ',';
    out += quotedKey(key) + canonicalJson(member);
  }
  return `${out}}`;
}

/** `"key":` per key seen, up to a bound: logs repeat a few hundred keys millions of times. */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_LIMIT = 10_000;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < QUOTED_KEYS_LIMIT) quotedKeys.set(key, quoted);
  }
  return quoted;
}
