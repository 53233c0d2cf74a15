import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  checkProof,
  type LogDigest,
  LogVerifier,
  proveEvent,
  SEAL_STREAM,
  type SealData,
  scanLog,
  type VerifyReport,
  verifyStoredLog,
} from '@roamledger/audit';
import type { EventStore, RecordedEvent } from '@roamledger/event-store';
import {
  cutTail,
  deleteEvent,
  editData,
  forgeSealRoot,
  keepPristineCopy,
  restorePristineCopy,
  rewriteConsistently,
  swapEvents,
} from './intruder';
import { buildLog } from './log-fixture';

const EVENTS = 3000;
const SEAL_EVERY = 500;

/** verify as the CLI runs it (hashes in worker threads), checked against events pushed one by one as read. */
export async function verifyLog(store: EventStore, since?: LogDigest): Promise<VerifyReport> {
  const verifier = new LogVerifier({ since, keepLeaves: since !== undefined });
  for await (const event of scanLog(store)) verifier.push(event);
  const asRead = verifier.finish();
  const stored = await verifyStoredLog(store, { since, keepLeaves: since !== undefined, workers: 2 });
  assert.deepEqual(
    { ...stored, digest: { ...stored.digest, createdAt: asRead.digest.createdAt } },
    asRead,
    'verifyStoredLog reports what the verifier fed event by event reports',
  );
  return stored;
}

/** The tamper scenarios of issue 7, against one store kind. */
export function tamperSuite(name: string, open: () => Promise<EventStore>, cleanUp: () => Promise<void> = async () => undefined) {
  describe(`${name}: verify finds and locates tampering`, () => {
    let store: EventStore;
    let all: RecordedEvent[];
    let seals: Array<RecordedEvent<SealData>>;

    before(async () => {
      store = await open();
      await buildLog(store, { events: EVENTS, sealEvery: SEAL_EVERY });
      all = await store.readAll();
      seals = await store.readStream<SealData>(SEAL_STREAM);
      await keepPristineCopy(store);
    });
    after(async () => {
      await store.close();
      await cleanUp();
    });
    afterEach(() => restorePristineCopy(store));

    const domainEvents = () => all.filter((event) => event.stream !== SEAL_STREAM);
    /** A domain event in the middle of the log that is not the last of its stream. */
    const middleEvent = () => {
      const lastOf = new Map(domainEvents().map((event) => [event.stream, event.position]));
      return domainEvents().find(
        (event) => event.position > 1200 && event.revision > 0 && lastOf.get(event.stream) !== event.position,
      ) as RecordedEvent;
    };

    test(`an untouched log of ${EVENTS} events passes`, async () => {
      const report = await verifyLog(store);
      assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
      assert.equal(report.events, all.length);
      assert.equal(report.seals, EVENTS / SEAL_EVERY);
      assert.equal(report.unsealedEvents, 0);
      assert.equal(report.firstProblem, null);
      assert.equal(report.digest.size, all.length);
    });

    test('an edited data field: the stream, revision and position of the event', async () => {
      const target = middleEvent();
      await editData(store, target.position);
      const report = await verifyLog(store);
      assert.equal(report.ok, false);
      assert.equal(report.problemCount, 1);
      assert.deepEqual(
        {
          kind: report.firstProblem?.kind,
          stream: report.firstProblem?.stream,
          revision: report.firstProblem?.revision,
          position: report.firstProblem?.position,
        },
        { kind: 'chain', stream: target.stream, revision: target.revision, position: target.position },
      );
      assert.match(report.firstProblem?.reason ?? '', /content changed after it was recorded/);
    });

    test('a deleted event: its position, from the seal, and the hole in its stream', async () => {
      const target = middleEvent();
      await deleteEvent(store, target.position);
      const report = await verifyLog(store);
      assert.equal(report.ok, false);
      assert.equal(report.firstProblem?.position, target.position);
      assert.match(report.firstProblem?.reason ?? '', /sealed at position \d+ by seal #\d+ is missing/);
      const hole = report.problems.find((problem) => problem.kind === 'chain');
      assert.equal(hole?.stream, target.stream);
      assert.equal(hole?.revision, target.revision + 1);
      assert.match(hole?.reason ?? '', new RegExp(`revision ${target.revision} is missing`));
    });

    test('a deleted last event of its stream, which no chain can see', async () => {
      const lastOf = new Map(domainEvents().map((event) => [event.stream, event]));
      const target = [...lastOf.values()].find((event) => event.position > 100 && event.position < 2500) as RecordedEvent;
      await deleteEvent(store, target.position);
      const report = await verifyLog(store);
      assert.equal(report.ok, false);
      assert.equal(report.problems.filter((problem) => problem.kind === 'chain').length, 0);
      assert.equal(report.firstProblem?.position, target.position);
      assert.equal(report.firstProblem?.kind, 'coverage');
    });

    test('two swapped events of different streams: both positions, though every chain still holds', async () => {
      const events = domainEvents();
      const index = events.findIndex(
        (event, i) =>
          event.position > 1500 && events[i + 1].position === event.position + 1 && events[i + 1].stream !== event.stream,
      );
      const [a, b] = [events[index], events[index + 1]];
      await swapEvents(store, a.position, b.position);
      const report = await verifyLog(store);
      assert.equal(report.ok, false);
      assert.equal(report.problems.filter((problem) => problem.kind === 'chain').length, 0);
      assert.equal(report.firstProblem?.position, a.position);
      assert.equal(report.firstProblem?.stream, b.stream);
      assert.match(report.firstProblem?.reason ?? '', new RegExp(`sealed at position ${b.position}: events were swapped`));
      const second = report.problems.find((problem) => problem.position === b.position && problem.kind === 'coverage');
      assert.match(second?.reason ?? '', new RegExp(`sealed at position ${a.position}: events were swapped`));
    });

    test('a tail cut off after the auditor saved a digest: verify passes, verify --since does not', async () => {
      const digest = (await verifyLog(store)).digest;
      const cutAt = seals[3].position - 1;
      await cutTail(store, cutAt);
      const alone = await verifyLog(store);
      assert.equal(alone.ok, true, 'a clean cut leaves a log that is consistent in itself');
      const report = await verifyLog(store, digest);
      assert.equal(report.ok, false);
      assert.equal(report.since?.ok, false);
      assert.equal(report.firstProblem?.kind, 'digest');
      assert.match(
        report.problems.map((p) => p.reason).join('\n'),
        new RegExp(`the digest saw ${digest.size}: ${digest.size - (cutAt + 1)} were removed`),
      );
      assert.ok(report.problems.some((p) => p.position === digest.lastEvent?.position && /no longer in the log/.test(p.reason)));
    });

    test('a log that grew normally extends the digest, with a consistency proof', async () => {
      const digest = (await verifyLog(store)).digest;
      await store.append('session-NL-CPO-later', [{ type: 'MeterValueRecorded', data: { kwh: 1 } }]);
      const report = await verifyLog(store, digest);
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.since?.ok, true);
      const consistency = report.since?.consistency;
      assert.ok(consistency);
      assert.equal(consistency.oldRoot, digest.root);
      assert.equal(consistency.newSize, digest.size + 1);
      assert.equal(checkProof(JSON.parse(JSON.stringify(consistency))).ok, true);
    });

    test('a forged seal: its own chain link and its root', async () => {
      const seal = seals[2];
      await forgeSealRoot(store, 2, 'f'.repeat(64));
      const report = await verifyLog(store);
      assert.equal(report.ok, false);
      assert.equal(report.firstProblem?.position, seal.position);
      assert.ok(report.problems.some((p) => p.kind === 'chain' && p.stream === SEAL_STREAM && p.revision === 2));
      assert.ok(report.problems.some((p) => p.kind === 'coverage' && p.seal === 2 && /the seal says f{64}/.test(p.reason)));
    });

    test('a rewrite with re-hashed chains and re-forged seals: only the digest kept outside catches it', async () => {
      const digest = (await verifyLog(store)).digest;
      await rewriteConsistently(store, middleEvent().position);
      assert.equal((await verifyLog(store)).ok, true, 'consistent inside: the reason digests are kept outside');
      const report = await verifyLog(store, digest);
      assert.equal(report.ok, false);
      assert.ok(
        report.problems.some((p) => p.kind === 'digest' && /the log was rewritten after the digest was taken/.test(p.reason)),
      );
      assert.ok(
        report.problems.some((p) => p.kind === 'digest' && /seal #\d+ differs from the one in the digest/.test(p.reason)),
      );
    });

    test('an inclusion proof checks from the proof alone, and fails for an edited event', async () => {
      const target = middleEvent();
      const proof = JSON.parse(JSON.stringify(await proveEvent(store, target.position)));
      assert.equal(proof.anchor.kind, 'seal');
      assert.equal(checkProof(proof).ok, true);
      proof.event.data.kwh = 1;
      const check = checkProof(proof);
      assert.equal(check.ok, false);
      assert.deepEqual(
        check.checks.filter((c) => !c.ok).map((c) => c.check),
        ['event hash'],
      );
    });
  });
}
