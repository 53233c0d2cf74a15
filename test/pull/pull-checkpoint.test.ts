import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { foldEvents } from '@roamledger/kernel';
import { type PullEvent, type PullRun, pullDecider, pullStream } from '@roamledger/pull';

// The pull checkpoint (pure): it moves forward only over windows that leave no gap.

function run(dateFrom: string, dateTo: string): PullRun {
  return {
    pull_id: `${dateFrom}..${dateTo}`,
    partner_id: 'p-1',
    module: 'cdrs',
    date_from: dateFrom,
    date_to: dateTo,
    pages: 1,
    received: 0,
    recorded: 0,
    unchanged: 0,
    rejected: [],
    started_at: dateTo,
    finished_at: dateTo,
  };
}

function given(history: PullEvent[]) {
  const state = foldEvents(pullDecider, history);
  return {
    complete(dateFrom: string, dateTo: string) {
      const events = pullDecider.decide({ type: 'CompletePull', run: run(dateFrom, dateTo) }, state);
      return { events, checkpoint: events.reduce((s, e) => pullDecider.evolve(s, e), state).checkpoint };
    },
    fail(dateFrom: string, dateTo: string) {
      const events = pullDecider.decide({ type: 'FailPull', run: run(dateFrom, dateTo), error: 'HTTP 500' }, state);
      return { events, checkpoint: events.reduce((s, e) => pullDecider.evolve(s, e), state).checkpoint };
    },
  };
}

const JAN = '2026-01-01T00:00:00Z';
const FEB = '2026-02-01T00:00:00Z';
const MAR = '2026-03-01T00:00:00Z';
const APR = '2026-04-01T00:00:00Z';
const completedAt = (checkpoint: string): PullEvent => ({ type: 'PullCompleted', data: { ...run(JAN, checkpoint), checkpoint } });

describe('Pull checkpoint', () => {
  test('the first completed pull sets it to its date_to', () => {
    const { events, checkpoint } = given([]).complete(JAN, FEB);
    assert.equal(events[0].type, 'PullCompleted');
    assert.equal(checkpoint, FEB);
  });

  test('a window starting at or before the checkpoint moves it forward', () => {
    assert.equal(given([completedAt(FEB)]).complete('2026-01-31T23:55:00Z', MAR).checkpoint, MAR);
  });

  test('a window after a gap, or an older window, leaves it where it is', () => {
    assert.equal(given([completedAt(FEB)]).complete(MAR, APR).checkpoint, FEB);
    assert.equal(given([completedAt(MAR)]).complete(JAN, FEB).checkpoint, MAR);
  });

  test('a failed pull is recorded and does not move it', () => {
    const { events, checkpoint } = given([completedAt(FEB)]).fail(FEB, MAR);
    assert.equal(events[0].type, 'PullFailed');
    assert.equal((events[0].data as { error: string }).error, 'HTTP 500');
    assert.equal(checkpoint, FEB);
  });

  test('one stream per partner and module', () => {
    assert.equal(pullStream('p-1', 'cdrs'), 'pull-p-1-cdrs');
    assert.equal(pullStream('p-1', 'sessions'), 'pull-p-1-sessions');
  });
});
