/**
 * One pass over the log in global order checks everything `verify` promises:
 * - every stream's hash chain (revisions from 0 without holes, prevHash links, each hash
 *   recomputed from the canonical form);
 * - every seal: its link to the previous seal, its range following on, and the events it covers
 *   being exactly the ones it committed to (positions, fingerprints, Merkle root);
 * - with a saved digest: the first `size` events still hash to its root.
 * Pure: the caller feeds events (any source, any batch size) and reads the report. Memory is
 * one entry per stream plus the events since the last seal.
 */
import { eventHash, GENESIS_HASH, type RecordedEvent } from '@roamledger/event-store';
import { DIGEST_FORMAT, type LogDigest } from './digest';
import { consistencyPath, LeafBuffer, leafHash, MerkleFrontier, merkleRoot, toHex } from './merkle';
import { CONSISTENCY_PROOF_FORMAT, type ConsistencyProof } from './proof';
import { FINGERPRINT_LENGTH, fingerprint, isSealEvent, SEAL_EVENT_TYPE, type SealData, sealShapeProblems } from './seal';

export type ProblemKind = 'chain' | 'seal' | 'coverage' | 'digest';

/** One thing that does not hold, located as precisely as the evidence allows. */
export interface Problem {
  kind: ProblemKind;
  position?: number;
  stream?: string;
  revision?: number;
  /** Sequence of the seal involved. */
  seal?: number;
  reason: string;
}

export interface VerifyOptions {
  /** A digest saved earlier: the log must extend it unchanged. */
  since?: LogDigest;
  /** Keep every leaf hash (32 bytes per event) to produce a consistency proof against `since`. */
  keepLeaves?: boolean;
  /** Problems kept in the report (all are counted). Default 1000. */
  maxProblems?: number;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  streams: number;
  seals: number;
  /** toPosition of the last seal, or null before the first seal. */
  sealedThrough: number | null;
  /** Events after the last seal's range, not sealed yet (the sealer runs behind by design). */
  unsealedEvents: number;
  /** The problem at the lowest position: the first broken link. */
  firstProblem: Problem | null;
  problemCount: number;
  /** Ordered by position (problems without one last). */
  problems: Problem[];
  /** The head of the log as read: what an auditor keeps. */
  digest: LogDigest;
  since?: { ok: boolean; consistency?: ConsistencyProof };
}

interface StreamCursor {
  next: number;
  hash: string;
}

interface PendingEvent {
  position: number;
  hash: string;
  stream: string;
  revision: number;
  /** Its leaf hash, computed once for the log's tree and kept for its seal's root. */
  leaf: Buffer;
}

export class LogVerifier {
  private readonly streams = new Map<string, StreamCursor>();
  private readonly tree = new MerkleFrontier();
  private readonly leaves?: LeafBuffer;
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private readonly maxProblems: number;
  /** Events after the last seal's range, in position order. */
  private pending: PendingEvent[] = [];
  private seals = 0;
  private lastSeal: LogDigest['lastSeal'] = null;
  private lastEvent: LogDigest['lastEvent'] = null;
  private lastPosition = -Infinity;
  private readonly since?: LogDigest;
  private sinceRoot?: string;
  private sinceLastEventSeen = false;
  private sinceLastSealSeen = false;

  constructor(options: VerifyOptions = {}) {
    this.since = options.since;
    this.maxProblems = options.maxProblems ?? 1000;
    if (options.keepLeaves) this.leaves = new LeafBuffer();
    if (this.since?.size === 0) this.sinceRoot = toHex(this.tree.root());
  }

  get eventsChecked(): number {
    return this.tree.size;
  }

  /**
   * `recomputedHash`: eventHash of the event's content, when the caller computed it already (in
   * a worker: see verifyStoredLog); the event's data is then only read for seals.
   */
  push(event: RecordedEvent, recomputedHash?: string): void {
    if (event.position <= this.lastPosition) {
      this.report({ kind: 'chain', ...at(event), reason: `position ${event.position} after ${this.lastPosition}: not in order` });
    }
    this.lastPosition = event.position;
    this.checkChain(event, recomputedHash);
    const leaf = leafHash(event.position, event.hash);
    if (isSealEvent(event)) this.checkSeal(event as RecordedEvent<SealData>);
    else this.pending.push({ position: event.position, hash: event.hash, stream: event.stream, revision: event.revision, leaf });

    this.tree.push(leaf);
    this.leaves?.push(leaf);
    this.lastEvent = { position: event.position, stream: event.stream, revision: event.revision, hash: event.hash };
    if (this.since) this.watchSince(event);
  }

  finish(createdAt = new Date().toISOString()): VerifyReport {
    const since = this.since ? this.checkSince() : undefined;
    const problems = [...this.problems].sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity));
    return {
      ok: this.problemCount === 0,
      events: this.tree.size,
      streams: this.streams.size,
      seals: this.seals,
      sealedThrough: this.lastSeal?.toPosition ?? null,
      unsealedEvents: this.pending.length,
      firstProblem: problems[0] ?? null,
      problemCount: this.problemCount,
      problems,
      digest: {
        format: DIGEST_FORMAT,
        size: this.tree.size,
        root: toHex(this.tree.root()),
        lastEvent: this.lastEvent,
        lastSeal: this.lastSeal,
        createdAt,
      },
      ...(since ? { since } : {}),
    };
  }

  private report(problem: Problem): void {
    this.problemCount += 1;
    if (this.problems.length < this.maxProblems) this.problems.push(problem);
  }

  private checkChain(event: RecordedEvent, recomputedHash: string | undefined): void {
    const cursor = this.streams.get(event.stream) ?? { next: 0, hash: GENESIS_HASH };
    const where = at(event);
    if (event.revision > cursor.next) {
      const missing =
        cursor.next === event.revision - 1 ? `revision ${cursor.next} is` : `revisions ${cursor.next}..${event.revision - 1} are`;
      this.report({ kind: 'chain', ...where, reason: `${missing} missing before it (deleted)` });
    } else if (event.revision < cursor.next) {
      this.report({
        kind: 'chain',
        ...where,
        reason: `revision ${event.revision} comes after revision ${cursor.next - 1} in the global order (reordered or duplicated)`,
      });
    } else if (event.prevHash !== cursor.hash) {
      this.report({
        kind: 'chain',
        ...where,
        reason: `prevHash ${event.prevHash} does not match the hash ${cursor.hash} of revision ${event.revision - 1}`,
      });
    }
    const recomputed = recomputedHash ?? eventHash(event.prevHash, event);
    if (recomputed !== event.hash) {
      this.report({
        kind: 'chain',
        ...where,
        reason: `content changed after it was recorded: its hash is ${event.hash}, the content hashes to ${recomputed}`,
      });
    }
    // Resynchronise on what is stored, so one bad event is one problem, not a cascade; never go back.
    if (event.revision >= cursor.next) this.streams.set(event.stream, { next: event.revision + 1, hash: event.hash });
  }

  private checkSeal(event: RecordedEvent<SealData>): void {
    const sequence = this.seals;
    const seal = event.data;
    const where = { ...at(event), seal: sequence };
    this.seals += 1;
    const shape = event.type === SEAL_EVENT_TYPE ? sealShapeProblems(seal) : [`type ${event.type} is not ${SEAL_EVENT_TYPE}`];
    if (shape.length) {
      for (const reason of shape) this.report({ kind: 'seal', ...where, reason: `malformed seal: ${reason}` });
      // Its coverage cannot be trusted: its events stay pending for the next seal.
      this.lastSeal = { sequence, position: event.position, toPosition: this.lastSeal?.toPosition ?? -1, hash: event.hash };
      return;
    }
    const expectedFrom = this.lastSeal ? this.lastSeal.toPosition + 1 : 0;
    const previousHash = this.lastSeal?.hash ?? GENESIS_HASH;
    if (seal.sequence !== sequence)
      this.report({ kind: 'seal', ...where, reason: `sequence ${seal.sequence} where ${sequence} was expected` });
    if (seal.previousSeal !== previousHash) {
      this.report({
        kind: 'seal',
        ...where,
        reason: `previousSeal ${seal.previousSeal} is not the previous seal's hash ${previousHash}`,
      });
    }
    if (seal.fromPosition !== expectedFrom) {
      this.report({
        kind: 'seal',
        ...where,
        reason: `range starts at ${seal.fromPosition}, not at ${expectedFrom} where the previous seal ended`,
      });
    }
    if (seal.toPosition >= event.position) {
      this.report({ kind: 'seal', ...where, reason: `covers positions up to ${seal.toPosition}, at or after its own position` });
    }

    const cut = this.pending.findIndex((pending) => pending.position > seal.toPosition);
    const taken = cut < 0 ? this.pending : this.pending.slice(0, cut);
    this.pending = cut < 0 ? [] : this.pending.slice(cut);
    const covered: PendingEvent[] = [];
    for (const pending of taken) {
      if (pending.position < seal.fromPosition) {
        this.report({
          kind: 'coverage',
          ...at(pending),
          seal: sequence,
          reason: `not covered by any seal: seal #${sequence} starts at ${seal.fromPosition} (inserted, or a seal was removed)`,
        });
      } else covered.push(pending);
    }
    this.compareCoverage(sequence, seal, covered);

    const root = toHex(merkleRoot(covered.map((pending) => pending.leaf)));
    if (root !== seal.root) {
      this.report({
        kind: 'coverage',
        ...where,
        reason: `the ${covered.length} events in positions ${seal.fromPosition}..${seal.toPosition} hash to root ${root}, the seal says ${seal.root}`,
      });
    }
    this.lastSeal = { sequence, position: event.position, toPosition: seal.toPosition, hash: event.hash };
  }

  /** Walks the sealed positions and the events present side by side, naming each that differs. */
  private compareCoverage(sequence: number, seal: SealData, covered: PendingEvent[]): void {
    const mismatched: Array<{ event: PendingEvent; sealedPrint: string }> = [];
    let i = 0;
    let leafIndex = 0;
    const extra = (event: PendingEvent) =>
      this.report({
        kind: 'coverage',
        ...at(event),
        seal: sequence,
        reason: `within seal #${sequence}'s range but not among the positions it sealed (inserted or moved here)`,
      });
    for (const [first, last] of seal.positions) {
      let p = first;
      while (p <= last) {
        while (i < covered.length && covered[i].position < p) extra(covered[i++]);
        if (i < covered.length && covered[i].position === p) {
          const sealedPrint = seal.fingerprints.slice(leafIndex * FINGERPRINT_LENGTH, (leafIndex + 1) * FINGERPRINT_LENGTH);
          if (sealedPrint !== fingerprint(covered[i].hash)) mismatched.push({ event: covered[i], sealedPrint });
          i += 1;
          p += 1;
          leafIndex += 1;
          continue;
        }
        const end = Math.min(last, i < covered.length ? covered[i].position - 1 : last);
        this.report({
          kind: 'coverage',
          position: p,
          seal: sequence,
          reason:
            end === p
              ? `the event sealed at position ${p} by seal #${sequence} is missing (deleted or moved)`
              : `the ${end - p + 1} events sealed at positions ${p}..${end} by seal #${sequence} are missing (deleted or moved)`,
        });
        leafIndex += end - p + 1;
        p = end + 1;
      }
    }
    while (i < covered.length) extra(covered[i++]);

    // An event whose fingerprint was sealed at another position was moved: say where from.
    const sealedAt = new Map(mismatched.map((m) => [m.sealedPrint, m.event.position]));
    for (const { event, sealedPrint } of mismatched) {
      const from = sealedAt.get(fingerprint(event.hash));
      this.report({
        kind: 'coverage',
        ...at(event),
        seal: sequence,
        reason:
          from !== undefined
            ? `holds the event seal #${sequence} sealed at position ${from}: events were swapped or reordered`
            : `is not the event seal #${sequence} sealed here (sealed fingerprint ${sealedPrint}, now ${fingerprint(event.hash)}): replaced or rewritten`,
      });
    }
  }

  private watchSince(event: RecordedEvent): void {
    const since = this.since as LogDigest;
    if (this.tree.size === since.size) this.sinceRoot = toHex(this.tree.root());
    const last = since.lastEvent;
    if (last && event.position === last.position) {
      this.sinceLastEventSeen = true;
      if (event.hash !== last.hash || event.stream !== last.stream || event.revision !== last.revision) {
        this.report({
          kind: 'digest',
          ...at(event),
          reason: `the digest's last event here was ${last.stream} revision ${last.revision} with hash ${last.hash}; it was replaced`,
        });
      }
    }
    const seal = since.lastSeal;
    if (seal && isSealEvent(event) && event.revision === seal.sequence) {
      this.sinceLastSealSeen = true;
      if (event.hash !== seal.hash || event.position !== seal.position) {
        this.report({
          kind: 'digest',
          ...at(event),
          seal: seal.sequence,
          reason: `seal #${seal.sequence} differs from the one in the digest (hash ${seal.hash} at position ${seal.position})`,
        });
      }
    }
  }

  private checkSince(): { ok: boolean; consistency?: ConsistencyProof } {
    const since = this.since as LogDigest;
    const before = this.problemCount;
    const last = since.lastEvent;
    if (this.tree.size < since.size) {
      this.report({
        kind: 'digest',
        ...(last ? { position: last.position, stream: last.stream, revision: last.revision } : {}),
        reason: `the log holds ${this.tree.size} events, the digest saw ${since.size}: ${since.size - this.tree.size} were removed (the tail was cut off or events deleted)`,
      });
    } else if (this.sinceRoot !== since.root) {
      this.report({
        kind: 'digest',
        reason: `the first ${since.size} events hash to root ${this.sinceRoot}, the digest says ${since.root}: the log was rewritten after the digest was taken`,
      });
    }
    if (last && !this.sinceLastEventSeen) {
      this.report({
        kind: 'digest',
        position: last.position,
        stream: last.stream,
        revision: last.revision,
        reason: `the digest's last event (${last.stream} revision ${last.revision}) is no longer in the log`,
      });
    }
    const seal = since.lastSeal;
    if (seal && !this.sinceLastSealSeen) {
      this.report({
        kind: 'digest',
        position: seal.position,
        seal: seal.sequence,
        reason: `seal #${seal.sequence} of the digest is no longer in the log`,
      });
    }
    const ok = this.problemCount === before;
    if (!ok || !this.leaves) return { ok };
    return {
      ok,
      consistency: {
        format: CONSISTENCY_PROOF_FORMAT,
        oldSize: since.size,
        oldRoot: since.root,
        newSize: this.tree.size,
        newRoot: toHex(this.tree.root()),
        path: consistencyPath(this.leaves, since.size).map(toHex),
      },
    };
  }
}

function at(event: { stream: string; revision: number; position: number }) {
  return { stream: event.stream, revision: event.revision, position: event.position };
}
