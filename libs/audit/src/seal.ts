/**
 * Global seals: events of type LogSealed in the stream `audit-seals`. Each one commits, with a
 * Merkle root, to the hashes of the events at the global positions it covers, and links to the
 * seal before it, so deleting, inserting or reordering whole events is caught, not only edits
 * inside one (which the per-stream hash chain already catches).
 *
 * Coverage: seal k covers every event with fromPosition <= position <= toPosition except seal
 * events themselves; fromPosition is the previous seal's toPosition + 1 (0 for the first seal).
 * Seals are left out because they are chained to each other already (previousSeal and their own
 * stream's hash chain), and because counting them would make an idle log seal its own seals forever.
 */
import { GENESIS_HASH, type RecordedEvent } from '@roamledger/event-store';
import { leafHash, merkleRoot, toHex } from './merkle';

export const SEAL_STREAM = 'audit-seals';
export const SEAL_EVENT_TYPE = 'LogSealed';
export const SEAL_FORMAT = 'roamledger-seal/1';
/** Hex characters of each covered event's hash kept in a seal, to name the event that differs. */
export const FINGERPRINT_LENGTH = 8;

/** One covered event: its global position and its chain hash. */
export interface Leaf {
  position: number;
  hash: string;
}

export interface SealData {
  format: typeof SEAL_FORMAT;
  /** 0 for the first seal; equals the seal's revision in `audit-seals`. */
  sequence: number;
  /** Inclusive bounds of the covered range of global positions. */
  fromPosition: number;
  toPosition: number;
  /** Number of covered events (leaves). */
  count: number;
  /** The covered positions, as runs [first, last] of consecutive integers, ascending. */
  positions: Array<[number, number]>;
  /** The first FINGERPRINT_LENGTH hex characters of each covered event's hash, in leaf order, concatenated. */
  fingerprints: string;
  /** RFC 6962 Merkle tree hash over leafHash(position, hash) of the covered events, in position order. */
  root: string;
  /** `hash` of the previous LogSealed event, or GENESIS_HASH for the first seal. */
  previousSeal: string;
}

/** What the next seal needs to know about the last one. */
export interface SealHead {
  sequence: number;
  /** Revision of the seal in `audit-seals` (the expected revision of the next append). */
  revision: number;
  hash: string;
  toPosition: number;
  position: number;
}

export function isSealEvent(event: Pick<RecordedEvent, 'stream'>): boolean {
  return event.stream === SEAL_STREAM;
}

export function sealHeadOf(event: RecordedEvent<SealData>): SealHead {
  return {
    sequence: event.data.sequence,
    revision: event.revision,
    hash: event.hash,
    toPosition: event.data.toPosition,
    position: event.position,
  };
}

export function fingerprint(eventHash: string): string {
  return eventHash.slice(0, FINGERPRINT_LENGTH);
}

/** The seal after `previous` over `leaves` (ascending positions, all after previous.toPosition). Pure. */
export function buildSeal(previous: SealHead | undefined, leaves: Leaf[]): SealData {
  if (leaves.length === 0) throw new Error('a seal covers at least one event');
  const fromPosition = previous ? previous.toPosition + 1 : 0;
  for (let i = 0; i < leaves.length; i++) {
    const low = i === 0 ? fromPosition : leaves[i - 1].position + 1;
    if (leaves[i].position < low) throw new Error(`leaf at position ${leaves[i].position} is out of order`);
  }
  return {
    format: SEAL_FORMAT,
    sequence: previous ? previous.sequence + 1 : 0,
    fromPosition,
    toPosition: leaves[leaves.length - 1].position,
    count: leaves.length,
    positions: positionRuns(leaves.map((leaf) => leaf.position)),
    fingerprints: leaves.map((leaf) => fingerprint(leaf.hash)).join(''),
    root: toHex(merkleRoot(leaves.map((leaf) => leafHash(leaf.position, leaf.hash)))),
    previousSeal: previous?.hash ?? GENESIS_HASH,
  };
}

/** Ascending positions as runs [first, last] of consecutive integers. */
export function positionRuns(positions: number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const position of positions) {
    const last = runs[runs.length - 1];
    if (last && position === last[1] + 1) last[1] = position;
    else runs.push([position, position]);
  }
  return runs;
}

export function expandRuns(runs: Array<[number, number]>): number[] {
  const positions: number[] = [];
  for (const [first, last] of runs) for (let p = first; p <= last; p++) positions.push(p);
  return positions;
}

/** Problems with the shape of a seal's data, before any comparison with the log. */
export function sealShapeProblems(data: unknown): string[] {
  const seal = data as Partial<SealData> | null;
  if (!seal || typeof seal !== 'object') return ['seal data is not an object'];
  const problems: string[] = [];
  if (seal.format !== SEAL_FORMAT) problems.push(`format is ${JSON.stringify(seal.format)}, not ${SEAL_FORMAT}`);
  for (const key of ['sequence', 'fromPosition', 'toPosition', 'count'] as const) {
    if (!Number.isInteger(seal[key])) problems.push(`${key} is not an integer`);
  }
  const runsOk =
    Array.isArray(seal.positions) &&
    seal.positions.every(
      (run, i, runs) =>
        Array.isArray(run) &&
        run.length === 2 &&
        Number.isInteger(run[0]) &&
        Number.isInteger(run[1]) &&
        run[0] <= run[1] &&
        (i === 0 || run[0] > runs[i - 1][1] + 1),
    );
  if (!runsOk) problems.push('positions are not ascending runs [first, last]');
  if (typeof seal.fingerprints !== 'string' || !/^[0-9a-f]*$/.test(seal.fingerprints)) problems.push('fingerprints are not hex');
  for (const key of ['root', 'previousSeal'] as const) {
    if (typeof seal[key] !== 'string' || !/^[0-9a-f]{64}$/.test(seal[key] as string)) problems.push(`${key} is not a sha256 hex`);
  }
  if (problems.length) return problems;
  const covered = (seal.positions as Array<[number, number]>).reduce((sum, [first, last]) => sum + last - first + 1, 0);
  if (covered !== seal.count) problems.push(`count ${seal.count} but positions list ${covered}`);
  if (covered === 0) problems.push('covers no event');
  if ((seal.fingerprints as string).length !== covered * FINGERPRINT_LENGTH) problems.push('fingerprints do not match the count');
  const runs = seal.positions as Array<[number, number]>;
  if (runs.length && (runs[0][0] < (seal.fromPosition as number) || runs[runs.length - 1][1] !== seal.toPosition)) {
    problems.push('positions fall outside fromPosition..toPosition');
  }
  return problems;
}
