import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildSeal,
  expandRuns,
  LogVerifier,
  parseDigest,
  positionRuns,
  SEAL_EVENT_TYPE,
  SEAL_STREAM,
  type SealData,
  type SealHead,
  sealShapeProblems,
} from '@roamledger/audit';
import { eventHash, GENESIS_HASH, type RecordedEvent } from '@roamledger/event-store';

/** An in-memory log, chained as the store chains it, with positions `step` apart (KurrentDB positions are not contiguous). */
class MemoryLog {
  readonly events: RecordedEvent[] = [];
  private readonly heads = new Map<string, { revision: number; hash: string }>();
  private sealHead?: SealHead;
  private sealedThrough = -1;

  constructor(private readonly step = 1) {}

  append(stream: string, type: string, data: unknown): RecordedEvent {
    const head = this.heads.get(stream) ?? { revision: -1, hash: GENESIS_HASH };
    const position = this.events.length ? this.events[this.events.length - 1].position + this.step : 0;
    const content = {
      id: `id-${position}`,
      stream,
      revision: head.revision + 1,
      type,
      data,
      metadata: {},
      recordedAt: new Date(1_700_000_000_000 + position * 1000).toISOString(),
    };
    const event = { ...content, position, prevHash: head.hash, hash: eventHash(head.hash, content) };
    this.heads.set(stream, { revision: event.revision, hash: event.hash });
    this.events.push(event);
    return event;
  }

  seal(): RecordedEvent<SealData> {
    const leaves = this.events
      .filter((e) => e.stream !== SEAL_STREAM && e.position > this.sealedThrough)
      .map((e) => ({ position: e.position, hash: e.hash }));
    const data = buildSeal(this.sealHead, leaves);
    const event = this.append(SEAL_STREAM, SEAL_EVENT_TYPE, data) as RecordedEvent<SealData>;
    this.sealHead = {
      sequence: data.sequence,
      revision: event.revision,
      hash: event.hash,
      toPosition: data.toPosition,
      position: event.position,
    };
    this.sealedThrough = data.toPosition;
    return event;
  }

  fill(count: number): void {
    for (let i = 0; i < count; i++) this.append(`cdr-NL-CPO-${i % 5}`, 'CdrReceived', { n: this.events.length });
  }
}

function verify(events: RecordedEvent[], options?: ConstructorParameters<typeof LogVerifier>[0]) {
  const verifier = new LogVerifier(options);
  for (const event of events) verifier.push(event);
  return verifier.finish('2030-01-01T00:00:00.000Z');
}

function sampleLog(step = 1): MemoryLog {
  const log = new MemoryLog(step);
  log.fill(40);
  log.seal();
  log.fill(35);
  log.seal();
  log.fill(10);
  return log;
}

describe('seal format', () => {
  test('positions as runs and back', () => {
    assert.deepEqual(positionRuns([0, 1, 2, 4, 5, 9]), [
      [0, 2],
      [4, 5],
      [9, 9],
    ]);
    assert.deepEqual(expandRuns(positionRuns([0, 1, 2, 4, 5, 9])), [0, 1, 2, 4, 5, 9]);
    assert.deepEqual(positionRuns([]), []);
  });

  test('a seal links to the one before, starts where it ended and fingerprints each event', () => {
    const first = buildSeal(undefined, [
      { position: 0, hash: 'a'.repeat(64) },
      { position: 1, hash: 'b'.repeat(64) },
    ]);
    assert.equal(first.sequence, 0);
    assert.equal(first.previousSeal, GENESIS_HASH);
    assert.equal(first.fingerprints, `${'a'.repeat(8)}${'b'.repeat(8)}`);
    const head = { sequence: 0, revision: 0, hash: 'c'.repeat(64), toPosition: 1, position: 2 };
    const second = buildSeal(head, [{ position: 3, hash: 'd'.repeat(64) }]);
    assert.deepEqual([second.sequence, second.fromPosition, second.toPosition, second.previousSeal], [1, 2, 3, 'c'.repeat(64)]);
    assert.deepEqual(sealShapeProblems(second), []);
    assert.throws(() => buildSeal(head, [{ position: 1, hash: 'd'.repeat(64) }]), /out of order/);
    assert.throws(() => buildSeal(head, []), /at least one/);
  });

  test('shape problems are named', () => {
    const seal = buildSeal(undefined, [{ position: 0, hash: 'a'.repeat(64) }]);
    assert.deepEqual(sealShapeProblems({ ...seal, count: 2 }), ['count 2 but positions list 1']);
    assert.deepEqual(sealShapeProblems({ ...seal, fingerprints: 'ab' }), ['fingerprints do not match the count']);
    assert.match(sealShapeProblems({ ...seal, root: 'xyz' }).join(), /root is not a sha256 hex/);
    assert.match(sealShapeProblems(null).join(), /not an object/);
  });
});

describe('LogVerifier', () => {
  for (const step of [1, 97]) {
    test(`an intact log passes (positions ${step} apart)`, () => {
      const log = sampleLog(step);
      const report = verify(log.events);
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.deepEqual([report.events, report.seals, report.unsealedEvents, report.streams], [87, 2, 10, 6]);
      assert.equal(report.sealedThrough, log.events[75].position);
    });

    test(`two swapped events of different streams are both named (positions ${step} apart)`, () => {
      const log = sampleLog(step);
      const events = log.events.map((e) => ({ ...e }));
      const [a, b] = [events[10], events[11]];
      [events[10], events[11]] = [
        { ...b, position: a.position },
        { ...a, position: b.position },
      ];
      const report = verify(events);
      assert.deepEqual(
        report.problems.map((p) => [p.kind, p.position]),
        [
          ['coverage', a.position],
          ['coverage', b.position],
          ['coverage', log.events[40].position],
        ],
      );
      assert.match(report.problems[0].reason, new RegExp(`holds the event seal #0 sealed at position ${b.position}`));
      assert.match(report.problems[2].reason, /hash to root/);
    });
  }

  test('an event inserted into a sealed range, and a missing run of events', () => {
    const log = sampleLog(10);
    const inserted = {
      ...log.events[5],
      position: log.events[5].position + 3,
      id: 'intruder',
      stream: 'cdr-fake',
      revision: 0,
      prevHash: GENESIS_HASH,
    };
    inserted.hash = eventHash(GENESIS_HASH, inserted);
    const events = [...log.events.slice(0, 6), inserted, ...log.events.slice(6, 20), ...log.events.slice(23)];
    const report = verify(events);
    const coverage = report.problems.filter((p) => p.kind === 'coverage');
    assert.equal(coverage[0].position, inserted.position);
    assert.match(coverage[0].reason, /not among the positions it sealed/);
    // Positions 10 apart: each missing event is its own run.
    assert.deepEqual(
      coverage.slice(1, 4).map((p) => p.position),
      [200, 210, 220],
    );
    assert.match(coverage[1].reason, /the event sealed at position 200 by seal #0 is missing/);

    const contiguous = sampleLog();
    const gap = verify([...contiguous.events.slice(0, 20), ...contiguous.events.slice(23)]);
    assert.match(
      gap.problems.find((p) => p.kind === 'coverage')?.reason ?? '',
      /the 3 events sealed at positions 20..22 by seal #0 are missing/,
    );
  });

  test('a seal removed: the seal chain and the uncovered events', () => {
    const log = new MemoryLog();
    log.fill(10);
    log.seal();
    log.fill(10);
    const removed = log.seal();
    log.fill(10);
    log.seal();
    const report = verify(log.events.filter((e) => e !== removed));
    assert.equal(report.ok, false);
    assert.ok(
      report.problems.some((p) => p.kind === 'chain' && p.stream === SEAL_STREAM && /revision 1 is missing/.test(p.reason)),
    );
    assert.ok(report.problems.some((p) => p.kind === 'seal' && /previousSeal/.test(p.reason)));
    assert.ok(report.problems.some((p) => p.kind === 'coverage' && /not covered by any seal/.test(p.reason)));
  });

  test('a malformed seal is reported and its events stay to be covered by the next one', () => {
    const log = new MemoryLog();
    log.fill(5);
    const seal = log.seal();
    const events = log.events.map((e) => (e === seal ? { ...e, data: { ...seal.data, positions: 'all' } } : e));
    const report = verify(events as RecordedEvent[]);
    assert.ok(report.problems.some((p) => p.kind === 'seal' && /malformed seal: positions/.test(p.reason)));
    assert.equal(report.unsealedEvents, 5);
  });

  test('since a digest: an extended log holds, a shorter or rewritten one does not', () => {
    const log = sampleLog();
    const digest = verify(log.events.slice(0, 60)).digest;
    assert.equal(verify(log.events, { since: digest }).since?.ok, true);
    assert.equal(verify(log.events.slice(0, 60), { since: digest }).since?.ok, true);

    const cut = verify(log.events.slice(0, 50), { since: digest });
    assert.equal(cut.ok, false);
    assert.match(cut.problems.map((p) => p.reason).join('\n'), /the log holds 50 events, the digest saw 60: 10 were removed/);

    const rewritten = log.events.map((e, i) => (i === 20 ? { ...e, hash: 'f'.repeat(64) } : e));
    const report = verify(rewritten, { since: digest });
    assert.ok(report.problems.some((p) => p.kind === 'digest' && /rewritten/.test(p.reason)));
    assert.equal(
      verify([], { since: { ...digest, size: 0, root: verify([]).digest.root, lastEvent: null, lastSeal: null } }).ok,
      true,
    );
  });

  test('a digest parses from its own JSON and from verify --json output, and bad ones are refused', () => {
    const digest = verify(sampleLog().events).digest;
    assert.deepEqual(parseDigest(JSON.stringify(digest)), digest);
    assert.deepEqual(parseDigest(JSON.stringify({ ok: true, digest })), digest);
    assert.throws(() => parseDigest('{"format":"x"}'), /not a log digest/);
    assert.throws(() => parseDigest('nope'), /not JSON/);
  });
});
