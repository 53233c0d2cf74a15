import type { NewEvent } from '@roamledger/event-store';

/**
 * Where a rejected write from an authenticated partner is recorded (an OcpiRequestRejected event);
 * the credentials module provides it, as the partner's stream is its own.
 */
export interface RejectedRequestLog {
  record(partnerId: string, rejection: NewEvent): Promise<void>;
}

export const REJECTED_REQUEST_LOG = Symbol('REJECTED_REQUEST_LOG');
