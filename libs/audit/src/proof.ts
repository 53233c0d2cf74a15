/**
 * Proofs a third party checks from the proof alone: no store, no trust in this code beyond the
 * documented canonical form and RFC 6962 (see libs/audit/README.md).
 */
import { eventHash, type RecordedEvent } from '@roamledger/event-store';
import type { LogDigest } from './digest';
import { fromHex, leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { expandRuns, FINGERPRINT_LENGTH, fingerprint, SEAL_EVENT_TYPE, SEAL_STREAM, type SealData } from './seal';

export const INCLUSION_PROOF_FORMAT = 'roamledger-inclusion-proof/1';
export const CONSISTENCY_PROOF_FORMAT = 'roamledger-consistency-proof/1';

/** One event is in a seal's tree (anchor `seal`) or in the whole log's tree (anchor `log`). */
export interface InclusionProof {
  format: typeof INCLUSION_PROOF_FORMAT;
  /** The event as stored: recompute its hash from the canonical form. */
  event: RecordedEvent;
  leafIndex: number;
  treeSize: number;
  /** Sibling hashes from the leaf up (RFC 6962 PATH), hex. */
  path: string[];
  root: string;
  anchor: { kind: 'seal'; seal: RecordedEvent<SealData> } | { kind: 'log'; digest: LogDigest };
}

/** The log of `newSize` events extends the one of `oldSize` unchanged (RFC 6962 PROOF). */
export interface ConsistencyProof {
  format: typeof CONSISTENCY_PROOF_FORMAT;
  oldSize: number;
  oldRoot: string;
  newSize: number;
  newRoot: string;
  path: string[];
}

export interface ProofCheck {
  ok: boolean;
  checks: Array<{ check: string; ok: boolean; detail?: string }>;
}

/** Checks an inclusion or consistency proof (told apart by `format`). Pure. */
export function checkProof(proof: unknown): ProofCheck {
  const format = (proof as { format?: unknown } | null)?.format;
  if (format === INCLUSION_PROOF_FORMAT) return checkInclusionProof(proof as InclusionProof);
  if (format === CONSISTENCY_PROOF_FORMAT) return checkConsistencyProof(proof as ConsistencyProof);
  return { ok: false, checks: [{ check: 'format', ok: false, detail: `unknown proof format ${JSON.stringify(format)}` }] };
}

export function checkInclusionProof(proof: InclusionProof): ProofCheck {
  const checks: ProofCheck['checks'] = [];
  const add = (check: string, ok: boolean, detail?: string) => checks.push({ check, ok, ...(detail ? { detail } : {}) });
  try {
    const { event } = proof;
    const recomputed = eventHash(event.prevHash, event);
    add('event hash', recomputed === event.hash, recomputed === event.hash ? undefined : `recomputed ${recomputed}`);
    const leaf = leafHash(event.position, event.hash);
    const path = proof.path.map(fromHex);
    add('merkle path', verifyInclusion(proof.leafIndex, proof.treeSize, leaf, path, fromHex(proof.root)));
    if (proof.anchor.kind === 'seal') {
      const seal = proof.anchor.seal;
      const sealHash = eventHash(seal.prevHash, seal);
      add('seal hash', sealHash === seal.hash && seal.stream === SEAL_STREAM && seal.type === SEAL_EVENT_TYPE);
      add('seal root', seal.data.root === proof.root && seal.data.count === proof.treeSize);
      const index = expandRuns(seal.data.positions).indexOf(event.position);
      add('seal covers the position', index === proof.leafIndex, index < 0 ? 'position not listed' : undefined);
      const printed = seal.data.fingerprints.slice(index * FINGERPRINT_LENGTH, (index + 1) * FINGERPRINT_LENGTH);
      add('seal fingerprint', printed === fingerprint(event.hash));
    } else {
      const { digest } = proof.anchor;
      add('digest root', digest.root === proof.root && digest.size === proof.treeSize);
    }
  } catch (error) {
    add('shape', false, (error as Error).message);
  }
  return { ok: checks.every((c) => c.ok), checks };
}

export function checkConsistencyProof(proof: ConsistencyProof): ProofCheck {
  let ok: boolean;
  let detail: string | undefined;
  try {
    ok = verifyConsistency(proof.oldSize, proof.newSize, fromHex(proof.oldRoot), fromHex(proof.newRoot), proof.path.map(fromHex));
  } catch (error) {
    ok = false;
    detail = (error as Error).message;
  }
  return { ok, checks: [{ check: 'consistency path', ok, ...(detail ? { detail } : {}) }] };
}
