import type { Decider, DomainEvent } from '@roamledger/kernel';
import { parseOcpiDateTime } from '@roamledger/ocpi/values';
import type { PullModuleId } from './pull-source';

/** One stream per partner and module: the record of its pulls, and the checkpoint. */
export function pullStream(partnerId: string, module: PullModuleId): string {
  return `${PULL_STREAM_PREFIX}${partnerId}-${module}`;
}

export interface RejectedPulledObject {
  page_url: string;
  /** The object's id, when it had a readable one. */
  id?: string;
  reason: string;
  /** sha256 of the object's canonical JSON. */
  sha256: string;
}

/** What one pull of one module did. */
export interface PullRun {
  pull_id: string;
  partner_id: string;
  module: PullModuleId;
  /** The window asked for: last_updated >= date_from and < date_to. */
  date_from: string;
  date_to: string;
  pages: number;
  received: number;
  /** Objects that changed our log; the others we already held (by push or an earlier pull). */
  recorded: number;
  unchanged: number;
  rejected: RejectedPulledObject[];
  started_at: string;
  finished_at: string;
}

export type PullCompleted = DomainEvent<'PullCompleted', PullRun & { checkpoint: string }>;
/** Pages read before the failure stay recorded (their objects went through the commands); the checkpoint does not move. */
export type PullFailed = DomainEvent<'PullFailed', PullRun & { error: string }>;
export type PullEvent = PullCompleted | PullFailed;

export type PullCommand = { type: 'CompletePull'; run: PullRun } | { type: 'FailPull'; run: PullRun; error: string };

export interface PullState {
  /** Everything with last_updated before this was pulled, without gaps since the first pull. */
  checkpoint?: string;
}

const millis = (dateTime: string) => parseOcpiDateTime(dateTime).getTime();

/** Pure. The checkpoint only moves forward, and only over a window that starts within what is covered. */
export const PULL_STREAM_PREFIX = 'pull-';

export const pullDecider: Decider<PullCommand, PullEvent, PullState> = {
  initialState: () => ({}),

  decide(command, state) {
    if (command.type === 'FailPull') return [{ type: 'PullFailed', data: { ...command.run, error: command.error } }];
    const { run } = command;
    const contiguous = state.checkpoint === undefined || millis(run.date_from) <= millis(state.checkpoint);
    const advances = contiguous && (state.checkpoint === undefined || millis(run.date_to) > millis(state.checkpoint));
    const checkpoint = advances ? run.date_to : (state.checkpoint ?? run.date_to);
    return [{ type: 'PullCompleted', data: { ...run, checkpoint } }];
  },

  evolve(state, event) {
    return event.type === 'PullCompleted' ? { checkpoint: event.data.checkpoint } : state;
  },
};
