/**
 * `export`: the events of a period as NDJSON with their hashes, the seals covering them and the
 * leaves those seals need from outside the period, so a third party can check everything with
 * the canonical form and RFC 6962 alone (format in libs/audit/README.md, check in export-check.ts).
 */

import type { EventStore, RecordedEvent } from '@roamledger/event-store';
import { lowerBound } from '@roamledger/kernel';
import type { Progress } from './progress';
import { scanLog } from './scan';
import { isSealEvent, SEAL_STREAM, type SealData, sealShapeProblems } from './seal';
import type { AtPoint } from './state-at';

export const EXPORT_FORMAT = 'roamledger-export/1';

export type ExportLine =
  | {
      kind: 'header';
      format: typeof EXPORT_FORMAT;
      from: AtPoint | null;
      to: AtPoint | null;
      exportedAt: string;
      sealStream: string;
    }
  | ({ kind: 'event' } & RecordedEvent)
  | ({ kind: 'seal' } & RecordedEvent<SealData>)
  | { kind: 'leaf'; position: number; hash: string }
  | { kind: 'end'; events: number; seals: number; leaves: number; unsealedEvents: number };

export interface ExportOptions {
  /** Start: a position (inclusive) or a time (inclusive). Default: the start of the log. */
  from?: AtPoint;
  /** End: a position (inclusive) or a time (exclusive, so months chain without overlap). Default: the head. */
  to?: AtPoint;
  progress?: Progress;
}

export type ExportSummary = Extract<ExportLine, { kind: 'end' }>;

export function inPeriod(event: Pick<RecordedEvent, 'position' | 'recordedAt'>, from?: AtPoint, to?: AtPoint): boolean {
  if (from && ('position' in from ? event.position < from.position : Date.parse(event.recordedAt) < Date.parse(from.time))) {
    return false;
  }
  if (to && ('position' in to ? event.position > to.position : Date.parse(event.recordedAt) >= Date.parse(to.time))) return false;
  return true;
}

/** Writes the export line by line through `write`; returns the closing summary. */
export async function exportLog(
  store: EventStore,
  options: ExportOptions,
  write: (line: string) => void | Promise<void>,
): Promise<ExportSummary> {
  const { from, to } = options;
  const emit = (line: ExportLine) => write(JSON.stringify(line));
  await emit({
    kind: 'header',
    format: EXPORT_FORMAT,
    from: from ?? null,
    to: to ?? null,
    exportedAt: new Date().toISOString(),
    sealStream: SEAL_STREAM,
  });

  // Exported positions, ascending: decides which seals to include and which leaves they lack.
  const exported: number[] = [];
  const scan = scanLog(store, {
    fromPosition: from && 'position' in from ? from.position : undefined,
    toPosition: to && 'position' in to ? to.position : undefined,
    progress: options.progress,
  });
  for await (const event of scan) {
    if (isSealEvent(event) || !inPeriod(event, from, to)) continue;
    await emit({ kind: 'event', ...event });
    exported.push(event.position);
  }

  let seals = 0;
  let leaves = 0;
  let sealedExports = 0;
  for await (const seal of readSeals(store)) {
    if (sealShapeProblems(seal.data).length) continue;
    const covered = countCovered(seal.data.positions, exported);
    if (covered === 0) continue;
    await emit({ kind: 'seal', ...seal });
    seals += 1;
    sealedExports += covered;
    for await (const leaf of leavesOutside(store, seal.data, exported)) {
      await emit({ kind: 'leaf', ...leaf });
      leaves += 1;
    }
  }
  const summary: ExportSummary = {
    kind: 'end',
    events: exported.length,
    seals,
    leaves,
    unsealedEvents: exported.length - sealedExports,
  };
  await emit(summary);
  return summary;
}

async function* readSeals(store: EventStore): AsyncGenerator<RecordedEvent<SealData>> {
  for (let from = 0; ; ) {
    const page = await store.readStream<SealData>(SEAL_STREAM, { from, maxCount: 200 });
    yield* page;
    if (page.length < 200) return;
    from = page[page.length - 1].revision + 1;
  }
}

function countCovered(runs: Array<[number, number]>, exported: number[]): number {
  let count = 0;
  for (const [first, last] of runs) count += lowerBound(exported, last + 1) - lowerBound(exported, first);
  return count;
}

/** The (position, hash) of the events a seal covers that are not in the export. */
async function* leavesOutside(store: EventStore, seal: SealData, exported: number[]) {
  const sealed = new Set<number>();
  for (const [first, last] of seal.positions) for (let p = first; p <= last; p++) sealed.add(p);
  for await (const event of scanLog(store, { fromPosition: seal.fromPosition, toPosition: seal.toPosition })) {
    if (!sealed.has(event.position) || isSealEvent(event)) continue;
    const index = lowerBound(exported, event.position);
    if (exported[index] === event.position) continue;
    yield { position: event.position, hash: event.hash };
  }
}
