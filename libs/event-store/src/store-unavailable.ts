/**
 * Whether an error says the database could not be reached or dropped the connection (a restart, a
 * killed backend, a full pool), as opposed to an answer about the data. The first is worth a retry
 * and a 503; the second is the same however often it is tried.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailable) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention (57P01 admin shutdown), 58 system.
    if (/^(08|53|57|58)/.test(code)) return true;
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT...
  }
  // pg's own messages for a lost or refused connection (no SQLSTATE), and gRPC's for KurrentDB.
  return (
    typeof message === 'string' &&
    /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Cannot use a pool after calling end|14 UNAVAILABLE|4 DEADLINE_EXCEEDED)/.test(
      message,
    )
  );
}

/**
 * What the PostgreSQL client throws when the database cannot be reached (the original error is
 * its `cause`): every route answers it with 503 and Retry-After (libs/service).
 */
export class StoreUnavailable extends Error {
  readonly code?: string;

  constructor(cause: unknown) {
    super(`the database is unreachable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StoreUnavailable';
    this.code = (cause as { code?: string })?.code;
  }
}

/** Rethrows `error`, as StoreUnavailable when it says the database is unreachable. */
export function rethrowUnavailable(error: unknown): never {
  throw isStoreUnavailable(error) && !(error instanceof StoreUnavailable) ? new StoreUnavailable(error) : error;
}
