import type { EventStore, RecordedEvent } from '@roamledger/event-store';
import { DIGEST_FORMAT } from './digest';
import { inclusionPath, LeafBuffer, leafHash, merkleRoot, toHex } from './merkle';
import type { Progress } from './progress';
import { INCLUSION_PROOF_FORMAT, type InclusionProof } from './proof';
import { scanLog } from './scan';
import { isSealEvent, SEAL_STREAM, type SealData } from './seal';

/** No event stands at the position asked for (never was, or deleted). */
export class NoSuchEvent extends Error {
  constructor(
    readonly position: number,
    detail = '',
  ) {
    super(`no event at position ${position}${detail}`);
    this.name = 'NoSuchEvent';
  }
}

/**
 * The inclusion proof of the event at `position`: in the seal that covers it (a short read of
 * that seal's range), or, when no seal covers it yet, in the whole log as it stands (a full scan).
 * Built from the log as stored: on a tampered log the proof is built but does not check.
 */
export async function proveEvent(store: EventStore, position: number, progress?: Progress): Promise<InclusionProof> {
  const seal = await findCoveringSeal(store, position);
  return seal ? proveInSeal(store, position, seal) : proveInLog(store, position, progress);
}

async function findCoveringSeal(store: EventStore, position: number): Promise<RecordedEvent<SealData> | undefined> {
  for (let from = 0; ; ) {
    const page = await store.readStream<SealData>(SEAL_STREAM, { from, maxCount: 200 });
    for (const seal of page) {
      const runs = seal.data?.positions;
      if (Array.isArray(runs) && runs.some(([first, last]) => first <= position && position <= last)) return seal;
    }
    if (page.length < 200) return undefined;
    from = page[page.length - 1].revision + 1;
  }
}

async function proveInSeal(store: EventStore, position: number, seal: RecordedEvent<SealData>): Promise<InclusionProof> {
  const leaves: Buffer[] = [];
  let event: RecordedEvent | undefined;
  let leafIndex = -1;
  for await (const candidate of scanLog(store, { fromPosition: seal.data.fromPosition, toPosition: seal.data.toPosition })) {
    if (isSealEvent(candidate)) continue;
    if (candidate.position === position) {
      event = candidate;
      leafIndex = leaves.length;
    }
    leaves.push(leafHash(candidate.position, candidate.hash));
  }
  if (!event) throw new NoSuchEvent(position, ` (seal #${seal.data.sequence} covers it: it was deleted)`);
  return {
    format: INCLUSION_PROOF_FORMAT,
    event,
    leafIndex,
    treeSize: leaves.length,
    path: inclusionPath(leaves, leafIndex).map(toHex),
    root: toHex(merkleRoot(leaves)),
    anchor: { kind: 'seal', seal },
  };
}

async function proveInLog(store: EventStore, position: number, progress?: Progress): Promise<InclusionProof> {
  const leaves = new LeafBuffer();
  let event: RecordedEvent | undefined;
  let leafIndex = -1;
  let last: RecordedEvent | undefined;
  let lastSeal: RecordedEvent<SealData> | undefined;
  for await (const candidate of scanLog(store, { progress })) {
    if (candidate.position === position) {
      event = candidate;
      leafIndex = leaves.length;
    }
    if (isSealEvent(candidate)) lastSeal = candidate as RecordedEvent<SealData>;
    leaves.push(leafHash(candidate.position, candidate.hash));
    last = candidate;
  }
  if (!event || !last) throw new NoSuchEvent(position);
  const root = toHex(merkleRoot(leaves));
  return {
    format: INCLUSION_PROOF_FORMAT,
    event,
    leafIndex,
    treeSize: leaves.length,
    path: inclusionPath(leaves, leafIndex).map(toHex),
    root,
    anchor: {
      kind: 'log',
      digest: {
        format: DIGEST_FORMAT,
        size: leaves.length,
        root,
        lastEvent: { position: last.position, stream: last.stream, revision: last.revision, hash: last.hash },
        lastSeal: lastSeal
          ? {
              sequence: lastSeal.data.sequence,
              position: lastSeal.position,
              toPosition: lastSeal.data.toPosition,
              hash: lastSeal.hash,
            }
          : null,
        createdAt: new Date().toISOString(),
      },
    },
  };
}
