// The fuzz runs' shared means: a seeded PRNG, odd values, and mutations of a valid body, so a
// failing seed can be replayed (FUZZ_SEED) in any of them.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The seeded PRNG of every randomised test, under the name the fuzz runs use. */
export { seededRandom as prng } from '../support/seeded-random';

/** A query value as a sender would put it: a lone surrogate cannot be percent-encoded, so it travels as its bytes. */
export function encodeQueryValue(text: string): string {
  try {
    return encodeURIComponent(text).slice(0, 300);
  } catch {
    return '%ED%A0%80';
  }
}

export function fuzzKit(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  // Deep nesting travels as a marker until the body is text: JSON.stringify itself overflows at 10,000.
  const deep = (depth: number): Json => `__DEEP_${depth}__`;
  const nested = (depth: number) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
  const oddValues = (): Json =>
    pick<() => Json>([
      () => null,
      () => true,
      () => 0,
      () => -1,
      () => 1e308,
      () => -1e308,
      () => 5e-324,
      () => 1e12 + 1,
      () => '',
      () => 'x'.repeat(pick([37, 256, 70_000])),
      () => 'A\u0000B',
      () => '\ud800',
      () => 'tail\udc00',
      () => 'line\nbreak\r',
      () => '€€€',
      () => '0000-01-01T00:00:00Z',
      () => '9999-12-31T23:59:59Z',
      () => '2026-02-30T00:00:00Z',
      () => '2026-11-02T08:00:00+99:00',
      () => 'yesterday',
      () => [],
      () => [1, 'two', null],
      () => ({}),
      () => ({ nested: { deeper: ['x'] } }),
      () => deep(pick([40, 1000, 10_000])),
    ])();
  const paths = (value: Json, prefix: string[] = []): string[][] => {
    if (value === null || typeof value !== 'object') return [prefix];
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    return [prefix, ...entries.flatMap(([key, child]) => paths(child, [...prefix, key]))];
  };
  const mutate = (original: Json): Json => {
    const copy = structuredClone(original) as Json;
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
      const target = pick(paths(copy).filter((path) => path.length > 0));
      if (!target) break;
      let parent = copy as { [key: string]: Json };
      for (const key of target.slice(0, -1)) parent = parent[key] as { [key: string]: Json };
      const key = target[target.length - 1];
      const action = random();
      if (action < 0.15) delete parent[key];
      else if (action < 0.25) parent[`x_${Math.floor(random() * 1000)}`] = oddValues();
      else parent[key] = oddValues();
    }
    return copy;
  };
  const rawBody = (value: Json): string => {
    const text = JSON.stringify(value).replace(/"__DEEP_(\d+)__"/g, (_, depth) => nested(Number(depth)));
    const r = random();
    if (r < 0.05) return text.slice(0, Math.floor(text.length / 2));
    if (r < 0.08) return `${text}garbage`;
    return text;
  };
  return { pick, oddValues, mutate, rawBody };
}

interface Reply {
  statusCode: number;
  body: string;
  json(): { status_code?: unknown; timestamp?: unknown };
}

/** What a fuzz run is judged on: no 5xx, and the OCPI envelope on every /ocpi reply. */
export class FuzzTally {
  readonly statuses = new Map<number, number>();
  readonly failures: string[] = [];
  private fives = 0;
  private notEnvelope = 0;

  record(i: number, method: string, url: string, response: Reply): void {
    this.statuses.set(response.statusCode, (this.statuses.get(response.statusCode) ?? 0) + 1);
    const label = `#${i} ${method} ${url.slice(0, 120)} -> ${response.statusCode}`;
    if (response.statusCode >= 500) {
      this.fives++;
      this.failures.push(`${label}: ${response.body.slice(0, 300)}`);
    }
    if (!url.startsWith('/ocpi')) return;
    let envelope = false;
    try {
      const json = response.json();
      envelope = typeof json.status_code === 'number' && typeof json.timestamp === 'string';
    } catch {
      envelope = false;
    }
    if (!envelope) {
      this.notEnvelope++;
      this.failures.push(`${label}: not in the envelope: ${response.body.slice(0, 200)}`);
    }
  }

  summary(): string {
    const byStatus = [...this.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
    return `${this.fives} answered 5xx, ${this.notEnvelope} /ocpi replies outside the envelope (${byStatus.join(', ')})`;
  }
}
