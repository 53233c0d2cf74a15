import { randomUUID } from 'node:crypto';
import { LogSealer } from '@roamledger/audit';
import type { EventStore, NewEvent } from '@roamledger/event-store';

export interface FixtureOptions {
  /** Events appended (seals come on top). */
  events: number;
  streams?: number;
  /** Seal size; sealOutstanding runs after every `sealEvery` appended events, so seals interleave. */
  sealEvery?: number;
  /** Events left unsealed at the end. */
  unsealedTail?: number;
}

export interface Fixture {
  streams: string[];
  /** Appended (non-seal) events. */
  events: number;
}

const PARTNERS = ['DE*ABC', 'NL*CPO', 'FR*XYZ'];

/** A log shaped like the hub's: many streams of session-like events from several partners, with seals along the way. */
export async function buildLog(store: EventStore, options: FixtureOptions): Promise<Fixture> {
  const streamCount = options.streams ?? 150;
  const sealEvery = options.sealEvery ?? 500;
  const streams = Array.from({ length: streamCount }, (_, i) => `session-NL-CPO-${String(i).padStart(5, '0')}`);
  const sealer = new LogSealer(store, { everyEvents: sealEvery, everySeconds: 0 });
  const sealUntil = options.events - (options.unsealedTail ?? 0);
  let appended = 0;
  let sinceSeal = 0;
  let round = 0;
  while (appended < options.events) {
    // Now and then a short stream of one event (a note no module claims), whose end no later event links to.
    const stream = round % 50 === 25 ? `note-NL-RLG-${round}` : streams[(round * 7919) % streamCount];
    const size = Math.min(1 + (round % 4), options.events - appended);
    const partner = PARTNERS[round % PARTNERS.length];
    const requestId = randomUUID();
    const events: NewEvent[] = Array.from({ length: size }, (_, i) => ({
      type: stream.startsWith('note-') ? 'NoteRecorded' : i === 0 ? 'OcpiRequestReceived' : 'MeterValueRecorded',
      data: { kwh: appended + i, status: 'ACTIVE', note: `round ${round}` },
      metadata: { requestId, partner, receivedAt: new Date().toISOString() },
    }));
    await store.append(stream, events);
    appended += size;
    sinceSeal += size;
    round += 1;
    if (sinceSeal >= sealEvery && appended <= sealUntil) {
      await sealer.sealOutstanding();
      sinceSeal = 0;
    }
  }
  if (!options.unsealedTail) await sealer.sealOutstanding();
  return { streams, events: appended };
}
