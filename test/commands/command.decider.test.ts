import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CommandEvent,
  CommandRejection,
  commandDecider,
  commandStream,
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  legacyCommandDeadline,
} from '@roamledger/commands';
import { deciderSpec } from '@roamledger/kernel';

// Given the events of a command's stream, when a command is decided, then these events follow. Pure.

const id = '7d0c2f4e-1111-4222-8333-944445555666';
const requested: CommandEvent = {
  type: 'CommandRequested',
  data: {
    command_id: id,
    command: 'START_SESSION',
    partner_id: 'p1',
    to: { country_code: 'DE', party_id: 'ABC' },
    request: { response_url: `https://emsp.example/ocpi/emsp/2.2.1/commands/START_SESSION/${id}`, location_id: 'LOC1' },
    authorization_reference: 'RC1',
    requested_at: '2026-11-30T10:00:00Z',
  },
};
const accepted: CommandEvent = {
  type: 'CommandResponseReceived',
  data: {
    command_id: id,
    response: { result: 'ACCEPTED', timeout: 30 } as never,
    received_at: '2026-11-30T10:00:01.000Z',
    deadline: '2026-11-30T10:00:31.000Z',
  },
};
const receivedAt = '2026-11-30T10:00:01.000Z';
const afterDeadline = '2026-11-30T10:00:31.000Z';
const resultOk: CommandEvent = {
  type: 'CommandResultReceived',
  data: { command_id: id, result: { result: 'ACCEPTED' } as never, partner_id: 'p1' },
};
const spec = deciderSpec(commandDecider);
const receive = (partnerId = 'p1') => ({
  type: 'ReceiveResult' as const,
  commandId: id,
  result: { result: 'ACCEPTED' } as never,
  partnerId,
});

describe('command decider', () => {
  test('one stream per command', () => {
    assert.equal(commandStream('abc'), 'command-ABC');
  });

  test('requested: PENDING; a second request with the same id is refused', () => {
    const when = spec
      .given([])
      .when({ type: 'RequestCommand', requested: requested.data as never })
      .then([requested]);
    assert.equal(when.after.status, 'PENDING');
    spec
      .given([requested])
      .when({ type: 'RequestCommand', requested: requested.data as never })
      .then(CommandRejection);
  });

  test('ACCEPTED, then the CommandResult: status follows each; the command is finished', () => {
    const responded = spec
      .given([requested])
      .when({ type: 'RecordResponse', commandId: id, response: { result: 'ACCEPTED', timeout: 30 } as never, receivedAt });
    // The deadline is in the log: any process, after any restart, knows when the command times out.
    assert.deepEqual(responded.events, [accepted]);
    assert.equal(responded.after.deadline, '2026-11-30T10:00:31.000Z');
    assert.equal(responded.after.status, 'ACCEPTED');
    assert.equal(responded.after.finished, false);
    const done = spec.given([requested, accepted]).when(receive()).then([resultOk]);
    assert.equal(done.after.status, 'ACCEPTED');
    assert.equal(done.after.finished, true);
  });

  test('no result by the deadline: CommandTimedOut, once; asked before the deadline, nothing; a later result is kept and refused', () => {
    spec.given([requested, accepted]).when({ type: 'TimeOut', commandId: id, at: '2026-11-30T10:00:30.999Z' }).then([]);
    const timedOut = spec
      .given([requested, accepted])
      .when({ type: 'TimeOut', commandId: id, at: afterDeadline })
      .then([
        {
          type: 'CommandTimedOut',
          data: { command_id: id, timeout: 30, deadline: '2026-11-30T10:00:31.000Z', timed_out_at: afterDeadline },
        },
      ]);
    assert.equal(timedOut.after.status, 'TIMEOUT');
    // A second timeout (another process, or a restart that re-read the log) records nothing.
    spec
      .given([requested, accepted, ...timedOut.events])
      .when({ type: 'TimeOut', commandId: id, at: '2026-11-30T10:05:00Z' })
      .then([]);
    const late = spec.given([requested, accepted, ...timedOut.events]).when(receive());
    assert.deepEqual(late.types, ['CommandResultRefused']);
    assert.equal((late.events[0].data as { reason: string }).reason, 'already_finished');
    // A timeout after the result changes nothing.
    spec.given([requested, accepted, resultOk]).when({ type: 'TimeOut', commandId: id, at: afterDeadline }).then([]);
  });

  test('a result for a command we never sent, or from another partner, is refused', () => {
    assert.equal((spec.given([]).when(receive()).events[0].data as { reason: string }).reason, 'unknown_command');
    assert.equal(
      (spec.given([requested, accepted]).when(receive('p2')).events[0].data as { reason: string }).reason,
      'not_the_receiver',
    );
  });

  test('a REJECTED response finishes the command; a result that came before the response stays the final word', () => {
    const rejected = spec
      .given([requested])
      .when({ type: 'RecordResponse', commandId: id, response: { result: 'REJECTED', timeout: 0 } as never, receivedAt });
    assert.equal(rejected.after.status, 'REJECTED');
    assert.equal(rejected.after.deadline, undefined);
    assert.equal(rejected.after.finished, true);
    const early = spec
      .given([requested, resultOk])
      .when({ type: 'RecordResponse', commandId: id, response: { result: 'ACCEPTED', timeout: 30 } as never, receivedAt });
    assert.equal(early.after.status, 'ACCEPTED');
    assert.equal(early.after.finished, true);
    spec
      .given([requested, resultOk, ...early.events])
      .when({ type: 'TimeOut', commandId: id, at: afterDeadline })
      .then([]);
  });

  test('a send that failed ends the command as FAILED', () => {
    const failed = spec.given([requested]).when({ type: 'RecordSendFailure', commandId: id, reason: 'ECONNREFUSED' });
    assert.equal(failed.after.status, 'FAILED');
  });

  test('a response recorded before deadlines existed: timed out at the deadline its asker derived from the log, once', () => {
    // As the log holds it from before: no received_at, no deadline.
    const legacy: CommandEvent = {
      type: 'CommandResponseReceived',
      data: { command_id: id, response: { result: 'ACCEPTED', timeout: 30 } as never },
    };
    const recordedAt = '2026-11-30T10:00:02.000Z';
    const derived = legacyCommandDeadline(legacy.data as never, recordedAt);
    assert.equal(derived, '2026-11-30T10:00:32.000Z', 'its time in the log plus its timeout');
    // Without a deadline nobody can tell when it is due: nothing.
    spec.given([requested, legacy]).when({ type: 'TimeOut', commandId: id, at: '2026-12-01T00:00:00Z' }).then([]);
    spec
      .given([requested, legacy])
      .when({ type: 'TimeOut', commandId: id, at: '2026-11-30T10:00:31.999Z', deadline: derived })
      .then([]);
    const timedOut = spec
      .given([requested, legacy])
      .when({ type: 'TimeOut', commandId: id, at: '2026-11-30T10:00:32.000Z', deadline: derived })
      .then([
        {
          type: 'CommandTimedOut',
          data: { command_id: id, timeout: 30, deadline: derived as string, timed_out_at: '2026-11-30T10:00:32.000Z' },
        },
      ]);
    assert.equal(timedOut.after.status, 'TIMEOUT');
    spec
      .given([requested, legacy, ...timedOut.events])
      .when({ type: 'TimeOut', commandId: id, at: '2026-11-30T11:00:00Z', deadline: derived })
      .then([]);
    // A response with its own deadline keeps it: a derived one does not move it.
    spec
      .given([requested, accepted])
      .when({ type: 'TimeOut', commandId: id, at: '2026-11-30T10:00:20Z', deadline: '2026-11-30T10:00:10Z' })
      .then([]);
    assert.equal(legacyCommandDeadline(accepted.data as never, recordedAt), undefined);
    // received_at, when there, is the time; no usable timeout: the documented default.
    assert.equal(
      legacyCommandDeadline({ response: { result: 'ACCEPTED' } as never, received_at: '2026-11-30T10:00:00Z' }, recordedAt),
      new Date(Date.parse('2026-11-30T10:00:00Z') + DEFAULT_COMMAND_TIMEOUT_SECONDS * 1000).toISOString(),
    );
    assert.equal(legacyCommandDeadline({ response: { result: 'REJECTED', timeout: 0 } }, recordedAt), undefined);
  });
});
