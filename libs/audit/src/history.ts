import { eventHash, GENESIS_HASH, type RecordedEvent } from '@roamledger/event-store';

/** One line of `history <stream>`: when, what, who caused it, and whether its link holds. */
export interface HistoryEntry {
  revision: number;
  position: number;
  recordedAt: string;
  type: string;
  requestId: string | null;
  partner: string | null;
  hash: string;
  /** 'ok', or what is wrong with this event's link in the stream's hash chain. */
  chain: string;
}

/** The history of one stream (its events in revision order), each link checked. Pure. */
export function streamHistory(events: RecordedEvent[]): HistoryEntry[] {
  let expectedRevision = 0;
  let prevHash = GENESIS_HASH;
  return events.map((event) => {
    let chain = 'ok';
    if (event.revision !== expectedRevision) chain = `revision ${event.revision} where ${expectedRevision} was expected`;
    else if (event.prevHash !== prevHash) {
      chain =
        event.revision === 0
          ? 'prevHash is not the genesis hash'
          : `prevHash does not match the hash of revision ${event.revision - 1}`;
    } else if (eventHash(event.prevHash, event) !== event.hash) chain = 'content does not match its hash';
    expectedRevision = event.revision + 1;
    prevHash = event.hash;
    const metadata = event.metadata ?? {};
    return {
      revision: event.revision,
      position: event.position,
      recordedAt: event.recordedAt,
      type: event.type,
      requestId: typeof metadata.requestId === 'string' ? metadata.requestId : null,
      partner: typeof metadata.partner === 'string' ? metadata.partner : null,
      hash: event.hash,
      chain,
    };
  });
}
