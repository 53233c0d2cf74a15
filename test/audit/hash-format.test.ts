import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { leafData, leafHash, nodeHash } from '@roamledger/audit';
import { eventHash, GENESIS_HASH } from '@roamledger/event-store';
import { canonicalJson } from '@roamledger/kernel';

// The hash chain and the seals are a contract with every log already written: the faster forms
// of canonical JSON and of the Merkle hashes must give what the plain definitions give.

/** Canonical JSON as libs/kernel defines it, written plainly. */
function plainCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return plainCanonicalJson(toJSON.call(value));
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : plainCanonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${plainCanonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

const VALUES: unknown[] = [
  null,
  true,
  0,
  -0,
  1e21,
  5e-7,
  -12.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  'plain',
  'quote " backslash \\ newline \n tab \t nul \u0000 lone \ud800 line \u2028',
  [undefined, 1, null, () => 1, [[]], {}],
  { b: undefined, a: new Date(0), é: 1, Z: [null, {}], aa: { y: 2, x: { d: 1, c: [3, { f: 0, e: 'é' }] } } },
  { toJSON: () => ({ z: 1, a: 2 }) },
  {
    kwh: 12.345,
    total_cost: { excl_vat: 4.5, incl_vat: 5.355 },
    charging_periods: [{ dimensions: [{ type: 'ENERGY', volume: 0.35 }] }],
  },
];

test('canonical JSON is the plain definition, character for character', () => {
  for (const value of VALUES) assert.equal(canonicalJson(value), plainCanonicalJson(value), plainCanonicalJson(value));
});

test('an event hash is sha256(prevHash || canonical JSON of its content), pinned', () => {
  const content = {
    id: '00000000-0000-4000-8000-000000000001',
    stream: 'session-DE-ABC-S1',
    revision: 0,
    type: 'SessionStarted',
    data: { kwh: 0, session_id: 'S1', cost: { excl_vat: 1.5 } },
    metadata: { partner: 'DE*ABC' },
    recordedAt: '2026-11-03T08:00:00.000Z',
  };
  const expected = createHash('sha256')
    .update(GENESIS_HASH + plainCanonicalJson(content))
    .digest('hex');
  assert.equal(eventHash(GENESIS_HASH, content), expected);
  // As the code before the faster forms computed it.
  assert.equal(expected, 'd037bba4375727118436ba09ef0c3c0500e2dc3f15d141204812f7b670f14f26');
});

test('leaf data is the canonical JSON of { hash, position }', () => {
  const hashes = ['ab'.repeat(32), '', 'quote " and \\ and \u2028', '\u00e9\ud83d\ude00'];
  for (const position of [0, 1, 1234, 2 ** 53 - 1, -1, 1.5]) {
    for (const hash of hashes) assert.equal(leafData(position, hash), plainCanonicalJson({ hash, position }));
  }
});

test('leaf and node hashes are those of RFC 6962 over the leaf data', () => {
  const hash = 'ab'.repeat(32);
  const leaf = leafHash(1234, hash);
  assert.equal(leaf.toString('hex'), 'a0d7e794833eb230d5a627b7a5e75170b1161ef727fb0751897ec8ec4ce98a2c');
  assert.deepEqual(
    leaf,
    createHash('sha256')
      .update(Buffer.from([0]))
      .update(`{"hash":"${hash}","position":1234}`)
      .digest(),
  );
  const other = leafHash(1235, hash);
  assert.deepEqual(
    nodeHash(leaf, other),
    createHash('sha256')
      .update(Buffer.from([1]))
      .update(leaf)
      .update(other)
      .digest(),
  );
  // The same twice (its input buffer is shared between calls).
  assert.deepEqual(nodeHash(leaf, other), nodeHash(leaf, other));
  assert.notDeepEqual(nodeHash(other, leaf), nodeHash(leaf, other));
});
