import { hash as digest } from 'node:crypto';
import { canonicalJson } from '@roamledger/kernel';
import type { EventMetadata } from './event-store.port';

/** prevHash of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The part of an event the hash covers: everything but its global position, which is assigned at commit. */
export interface HashedContent {
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: string;
}

export function eventHash(prevHash: string, event: HashedContent): string {
  const content = {
    data: event.data,
    id: event.id,
    metadata: event.metadata,
    recordedAt: event.recordedAt,
    revision: event.revision,
    stream: event.stream,
    type: event.type,
  };
  return digest('sha256', prevHash + canonicalJson(content), 'hex');
}

export interface ChainBreak {
  stream: string;
  revision: number;
  position: number;
  reason: string;
}

/** Checks one stream's events (in revision order) link up; returns the first break, if any. */
export function verifyStreamChain(
  events: Array<HashedContent & { position: number; prevHash: string; hash: string }>,
): ChainBreak | undefined {
  let prevHash = GENESIS_HASH;
  let expectedRevision = 0;
  for (const event of events) {
    const at = { stream: event.stream, revision: event.revision, position: event.position };
    if (event.revision !== expectedRevision) {
      return { ...at, reason: `revision ${event.revision} where ${expectedRevision} was expected` };
    }
    if (event.prevHash !== prevHash) {
      return { ...at, reason: `prevHash ${event.prevHash} does not match previous hash ${prevHash}` };
    }
    const recomputed = eventHash(prevHash, event);
    if (recomputed !== event.hash) {
      return { ...at, reason: `hash ${event.hash} does not match content (recomputed ${recomputed})` };
    }
    prevHash = event.hash;
    expectedRevision += 1;
  }
  return undefined;
}
