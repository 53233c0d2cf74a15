/**
 * Whether an error says the database could not be reached or dropped the connection (a restart, a
 * killed backend, a full pool), as opposed to an answer about the data. The first is worth a retry
 * and a 503; the second is the same however often it is tried.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention (57P01 admin shutdown), 58 system.
    if (/^(08|53|57|58)/.test(code)) return true;
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT...
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|connection error|Client was closed|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|terminating connection|the database system is (starting up|shutting down)|UNAVAILABLE|DeadlineExceeded/i.test(
      message,
    )
  );
}

/** Thrown by a request that needs the store while it is unreachable: the transport answers 503. */
export class StoreUnavailable extends Error {
  constructor(readonly cause: unknown) {
    super(`the event store is unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'StoreUnavailable';
  }
}
