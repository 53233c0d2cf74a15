/**
 * The log head an auditor keeps outside the system. Holding it, `verify --since` proves the log
 * today still starts with exactly the events it had then (a Certificate Transparency style
 * consistency check), so cutting the log back or rewriting it afterwards is caught.
 */
export const DIGEST_FORMAT = 'roamledger-log-digest/1';

export interface LogDigest {
  format: typeof DIGEST_FORMAT;
  /** Events in the log, seals included: the leaves of the log tree. */
  size: number;
  /** RFC 6962 Merkle tree hash over leafHash(position, hash) of every event, in position order. */
  root: string;
  lastEvent: { position: number; stream: string; revision: number; hash: string } | null;
  lastSeal: { sequence: number; position: number; toPosition: number; hash: string } | null;
  /** When the digest was taken (informative only). */
  createdAt: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses and checks a digest given as JSON text; throws with what is wrong. */
export function parseDigest(text: string): LogDigest {
  let value: Partial<LogDigest>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`the digest is not JSON: ${(error as Error).message}`);
  }
  // `verify --json` output holds the digest under `digest`: accept it as saved.
  const nested = (value as { digest?: Partial<LogDigest> }).digest;
  if (value?.format !== DIGEST_FORMAT && nested?.format === DIGEST_FORMAT) value = nested;
  const problems: string[] = [];
  if (value?.format !== DIGEST_FORMAT) problems.push(`format must be ${DIGEST_FORMAT}`);
  if (!Number.isInteger(value?.size) || (value.size as number) < 0) problems.push('size must be a count');
  if (typeof value?.root !== 'string' || !HEX64.test(value.root)) problems.push('root must be a sha256 hex');
  if (value?.lastEvent !== null && (typeof value?.lastEvent !== 'object' || !Number.isInteger(value.lastEvent?.position))) {
    problems.push('lastEvent must be null or name a position');
  }
  if (value?.lastSeal !== null && (typeof value?.lastSeal !== 'object' || !Number.isInteger(value.lastSeal?.sequence))) {
    problems.push('lastSeal must be null or name a sequence');
  }
  if (problems.length) throw new Error(`not a log digest: ${problems.join('; ')}`);
  return value as LogDigest;
}
