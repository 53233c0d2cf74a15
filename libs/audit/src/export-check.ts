/**
 * What a third party does with an export (`check-export`): recompute every event's and seal's
 * hash from the canonical form, each seal's Merkle root from its leaves, and the links between
 * them. Pure; uses nothing but canonical JSON, sha256 and RFC 6962.
 */
import { eventHash, GENESIS_HASH, type RecordedEvent } from '@roamledger/event-store';
import { EXPORT_FORMAT, type ExportLine } from './export';
import { leafHash, merkleRoot, toHex } from './merkle';
import { FINGERPRINT_LENGTH, fingerprint, SEAL_EVENT_TYPE, SEAL_STREAM, type SealData, sealShapeProblems } from './seal';

export interface ExportCheck {
  ok: boolean;
  events: number;
  seals: number;
  leaves: number;
  /** Exported events no seal in the export covers. */
  unsealedEvents: number;
  problems: string[];
}

/** Checks an export given as its NDJSON lines. */
export function checkExport(lines: Iterable<string>): ExportCheck {
  const problems: string[] = [];
  const hashes = new Map<number, string>();
  const exportedPositions: number[] = [];
  const leafHashes = new Map<number, string>();
  const seals: Array<RecordedEvent<SealData>> = [];
  const streams = new Map<string, { revision: number; hash: string }>();
  let header: Extract<ExportLine, { kind: 'header' }> | undefined;
  let end: Extract<ExportLine, { kind: 'end' }> | undefined;
  let lineNumber = 0;

  for (const text of lines) {
    lineNumber += 1;
    if (!text.trim()) continue;
    let line: ExportLine;
    try {
      line = JSON.parse(text);
    } catch {
      problems.push(`line ${lineNumber}: not JSON`);
      continue;
    }
    if (end) problems.push(`line ${lineNumber}: after the end line`);
    switch (line.kind) {
      case 'header':
        if (lineNumber !== 1 || line.format !== EXPORT_FORMAT)
          problems.push(`line ${lineNumber}: expected one ${EXPORT_FORMAT} header first`);
        header = line;
        break;
      case 'event': {
        const where = `event at position ${line.position} (${line.stream} revision ${line.revision})`;
        if (eventHash(line.prevHash, line) !== line.hash) problems.push(`${where}: content does not match its hash`);
        if (line.revision === 0 && line.prevHash !== GENESIS_HASH)
          problems.push(`${where}: the first revision must link to the genesis hash`);
        const previous = streams.get(line.stream);
        if (previous && line.revision === previous.revision + 1 && line.prevHash !== previous.hash) {
          problems.push(`${where}: prevHash does not match revision ${previous.revision}`);
        }
        if (previous && line.revision <= previous.revision) problems.push(`${where}: revisions out of order`);
        streams.set(line.stream, { revision: line.revision, hash: line.hash });
        if (exportedPositions.length && line.position <= exportedPositions[exportedPositions.length - 1]) {
          problems.push(`${where}: positions out of order`);
        }
        hashes.set(line.position, line.hash);
        exportedPositions.push(line.position);
        break;
      }
      case 'seal':
        seals.push(line);
        break;
      case 'leaf':
        leafHashes.set(line.position, line.hash);
        break;
      case 'end':
        end = line;
        break;
      default:
        problems.push(`line ${lineNumber}: unknown kind ${JSON.stringify((line as { kind?: unknown }).kind)}`);
    }
  }
  if (!header) problems.push(`no ${EXPORT_FORMAT} header`);
  if (!end) problems.push('no end line: the export is truncated');

  const covered = new Set<number>();
  let previousSeal: RecordedEvent<SealData> | undefined;
  for (const seal of seals) {
    const where = `seal #${seal.data?.sequence} at position ${seal.position}`;
    if (seal.stream !== SEAL_STREAM || seal.type !== SEAL_EVENT_TYPE)
      problems.push(`${where}: not a ${SEAL_EVENT_TYPE} event of ${SEAL_STREAM}`);
    if (eventHash(seal.prevHash, seal) !== seal.hash) problems.push(`${where}: content does not match its hash`);
    const shape = sealShapeProblems(seal.data);
    if (shape.length) {
      problems.push(`${where}: ${shape.join('; ')}`);
      continue;
    }
    if (seal.data.previousSeal !== seal.prevHash) problems.push(`${where}: previousSeal and prevHash disagree`);
    if (previousSeal && seal.revision === previousSeal.revision + 1) {
      if (seal.prevHash !== previousSeal.hash) problems.push(`${where}: does not link to seal #${previousSeal.data.sequence}`);
      if (seal.data.fromPosition !== previousSeal.data.toPosition + 1) problems.push(`${where}: its range does not follow on`);
    }
    previousSeal = seal;
    if (seal.data.count > hashes.size + leafHashes.size) {
      problems.push(`${where}: covers ${seal.data.count} events, the export holds fewer`);
      continue;
    }
    const leaves: Buffer[] = [];
    let prints = '';
    for (const [first, last] of seal.data.positions) {
      for (let position = first; position <= last; position++) {
        const hash = hashes.get(position) ?? leafHashes.get(position);
        if (hash === undefined) {
          problems.push(`${where}: no event or leaf for sealed position ${position}`);
          continue;
        }
        if (hashes.has(position)) covered.add(position);
        leaves.push(leafHash(position, hash));
        prints += fingerprint(hash);
      }
    }
    if (leaves.length !== seal.data.count) continue;
    if (toHex(merkleRoot(leaves)) !== seal.data.root) problems.push(`${where}: the covered events do not hash to its root`);
    if (prints !== seal.data.fingerprints) {
      const index = [...prints].findIndex((char, i) => char !== seal.data.fingerprints[i]);
      problems.push(`${where}: fingerprint of leaf ${Math.floor(index / FINGERPRINT_LENGTH)} differs`);
    }
  }

  const unsealedEvents = exportedPositions.filter((position) => !covered.has(position)).length;
  if (end) {
    if (end.events !== exportedPositions.length)
      problems.push(`end line says ${end.events} events, the export holds ${exportedPositions.length}`);
    if (end.seals !== seals.length) problems.push(`end line says ${end.seals} seals, the export holds ${seals.length}`);
    if (end.leaves !== leafHashes.size) problems.push(`end line says ${end.leaves} leaves, the export holds ${leafHashes.size}`);
    if (end.unsealedEvents !== unsealedEvents)
      problems.push(`end line says ${end.unsealedEvents} unsealed events, the seals leave ${unsealedEvents}`);
  }
  return {
    ok: problems.length === 0,
    events: exportedPositions.length,
    seals: seals.length,
    leaves: leafHashes.size,
    unsealedEvents,
    problems,
  };
}
